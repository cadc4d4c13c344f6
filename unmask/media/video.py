"""Video files to frames with the timestamps the container really gives.

rPPG and motion cues need true times: a variable-frame-rate phone clip resampled as if it were
constant would smear the pulse. So timestamps come from presentation times, not from index/fps.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from unmask.errors import CorruptMediaError, MediaNotFoundError, UnsupportedMediaError
from unmask.media.image import check_size
from unmask.types import Frame


def video_info(path: str | Path) -> dict[str, float | int | str]:
    """Container facts a caller may want before decoding: size, rate, duration, codec."""
    file = Path(path)
    container = open_container(file)
    try:
        stream = container.streams.video[0]
        rate = float(stream.average_rate) if stream.average_rate else 0.0
        duration = (
            float(stream.duration * stream.time_base)
            if stream.duration is not None and stream.time_base is not None
            else float(container.duration or 0) / av.time_base
        )
        return {
            "width": int(stream.codec_context.width),
            "height": int(stream.codec_context.height),
            "fps": rate,
            "duration_s": duration,
            "frames": int(stream.frames or 0),
            "codec": str(stream.codec_context.name),
        }
    finally:
        container.close()


def open_container(file: Path) -> av.container.InputContainer:
    if not file.is_file():
        raise MediaNotFoundError(f"{file}: no such file")
    try:
        container = av.open(str(file), mode="r")
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise CorruptMediaError(f"{file}: not a video we can read ({exc})") from exc
    if not container.streams.video:
        container.close()
        raise UnsupportedMediaError(f"{file}: has no video stream")
    return container


def read_video(
    path: str | Path,
    *,
    max_seconds: float | None = None,
    start_seconds: float = 0.0,
) -> Iterator[Frame]:
    """Yield RGB frames in display order; a decode failure mid-stream raises CorruptMediaError.

    Frames before `start_seconds` are skipped; decoding stops after `max_seconds` of video.
    """
    file = Path(path)
    container = open_container(file)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        check_size(stream.codec_context.width or 16, stream.codec_context.height or 16, str(file))
        rate = float(stream.average_rate) if stream.average_rate else 30.0
        first_time: float | None = None
        index = 0
        try:
            for frame in container.decode(stream):
                stamp = frame.time
                if stamp is None:
                    stamp = float(Fraction(index) / Fraction(rate))
                if first_time is None:
                    first_time = stamp
                relative = stamp - first_time
                if relative < start_seconds:
                    index += 1
                    continue
                if max_seconds is not None and relative > start_seconds + max_seconds:
                    break
                pixels = frame.to_ndarray(format="rgb24")
                yield Frame(
                    image=np.ascontiguousarray(pixels),
                    index=index,
                    timestamp=relative,
                    source=str(file),
                )
                index += 1
        except av.error.FFmpegError as exc:
            raise CorruptMediaError(
                f"{file}: video is corrupt or truncated at frame {index} ({exc})"
            ) from exc
        if index == 0:
            raise CorruptMediaError(f"{file}: video holds no decodable frame")
    finally:
        container.close()
