"""Video files to frames with the timestamps the container really gives.

rPPG and motion cues need true times: a variable-frame-rate phone clip resampled as if it were
constant would smear the pulse. So timestamps come from presentation times, not from index/fps.

Frames come out upright: phones record sideways and store a display matrix saying how to turn
the picture, and a face lying on its side is barely found. A file cut short decodes up to the
cut; that is reported (see `unmask.media_policy`), never silently used as if whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import TypeVar

import av
import numpy as np
from numpy.typing import NDArray

from unmask.errors import CorruptMediaError, UnmaskError, UnsupportedMediaError
from unmask.media.image import check_size, read_image
from unmask.media.kind import is_still_image, require_file
from unmask.media_policy import STRICT, incomplete
from unmask.types import Frame

T = TypeVar("T")

EBML_MAGIC = b"\x1a\x45\xdf\xa3"
MATROSKA_SEGMENT = b"\x18\x53\x80\x67"
ISO_BOX_BRANDS = (b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid")


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


def open_container(path: Path) -> av.container.InputContainer:
    file = require_file(path)
    if is_still_image(file):
        read_image(file)  # a damaged still is reported as such, never decoded by FFmpeg
        raise UnsupportedMediaError(f"{file}: a still image, not a video")
    try:
        container = av.open(str(file), mode="r")
    except Exception as exc:  # FFmpeg on untrusted bytes: any failure is an unreadable file
        raise CorruptMediaError(f"{file}: not a video we can read ({first_line(exc)})") from exc
    if not container.streams.video:
        container.close()
        raise UnsupportedMediaError(f"{file}: has no video stream")
    if container.streams.video[0].codec_context is None:
        container.close()
        raise CorruptMediaError(f"{file}: its video stream names no codec we can decode")
    return container


def first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def declared_size(file: Path) -> int | None:
    """The byte length the container's own top-level structure declares, where it says one.

    RIFF (AVI) and ISO media (MP4, MOV, 3GP) chain sized chunks from the first byte to the
    last, and Matroska (MKV, WebM) sizes its one Segment, so a file shorter than that was cut.
    Other containers (and live-written Matroska, whose size is "unknown") return None.
    """
    size = file.stat().st_size
    with file.open("rb") as handle:
        head = handle.read(12)
        if head[:4] == b"RIFF" and head[8:12] in (b"AVI ", b"AVIX"):
            position = 0
            while position + 8 <= size:
                handle.seek(position)
                chunk = handle.read(8)
                if chunk[:4] not in (b"RIFF", b"LIST", b"JUNK"):
                    break
                position += 8 + int.from_bytes(chunk[4:8], "little")
                position += position % 2
            return position
        if head[:4] == EBML_MAGIC:
            handle.seek(0)
            return matroska_size(handle.read(64))
        if head[4:8] not in ISO_BOX_BRANDS:
            return None
        position = 0
        while position + 8 <= size:
            handle.seek(position)
            box = handle.read(16)
            length = int.from_bytes(box[:4], "big")
            if length == 1 and len(box) == 16:
                length = int.from_bytes(box[8:16], "big")
            elif length == 0:
                return size
            if length < 8:
                return None
            position += length
        return position


def ebml_number(data: bytes, position: int) -> tuple[int, int, bool] | None:
    """An EBML variable-length number at `position`: (value, next position, all-ones)."""
    if position >= len(data) or data[position] == 0:
        return None
    length = 9 - data[position].bit_length()
    if position + length > len(data):
        return None
    value = data[position] & (0xFF >> length)
    for byte in data[position + 1 : position + length]:
        value = value << 8 | byte
    return value, position + length, value == (1 << (7 * length)) - 1


def matroska_size(head: bytes) -> int | None:
    """The end of the Segment that follows the EBML header, or None when it is not declared."""
    header = ebml_number(head, len(EBML_MAGIC))
    if header is None:
        return None
    segment_start = header[1] + header[0]
    if head[segment_start : segment_start + 4] != MATROSKA_SEGMENT:
        return None
    segment = ebml_number(head, segment_start + 4)
    if segment is None or segment[2]:
        return None
    return segment[1] + segment[0]


def truncation(file: Path) -> str | None:
    """Why the file is shorter than its container says, or None when it is whole (or cannot
    tell)."""
    expected, actual = declared_size(file), file.stat().st_size
    if expected is None or expected <= actual:
        return None
    return f"{file}: truncated: the container declares {expected} bytes, the file holds {actual}"


def decoded(file: Path, index: int, step: Callable[[], T]) -> T:
    """One decoding step; FFmpeg failing on untrusted bytes in any way is a corrupt file."""
    try:
        return step()
    except UnmaskError:
        raise
    except Exception as exc:
        raise CorruptMediaError(
            f"{file}: video is corrupt or truncated at frame {index} ({first_line(exc)})"
        ) from exc


def rgb(frame: av.VideoFrame) -> NDArray[np.uint8]:
    return np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)


def upright(pixels: NDArray[np.uint8], rotation: float) -> NDArray[np.uint8]:
    """Apply a display matrix's rotation (degrees counter-clockwise, as PyAV reports it)."""
    turns = round(rotation / 90.0) % 4
    return np.ascontiguousarray(np.rot90(pixels, k=turns)) if turns else pixels


def read_video(
    path: str | Path,
    *,
    max_seconds: float | None = None,
    start_seconds: float = 0.0,
) -> Iterator[Frame]:
    """Yield upright RGB frames in display order.

    Frames before `start_seconds` are skipped; decoding stops after `max_seconds` of video.
    A file that cannot be opened or decoded raises CorruptMediaError; a file cut short is
    reported by `unmask.media_policy.incomplete` with the frames read against those expected.
    """
    file = require_file(path)
    container = open_container(file)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        check_size(stream.codec_context.width or 16, stream.codec_context.height or 16, str(file))
        truncated = truncation(file)
        if truncated and STRICT.get():
            incomplete(truncated)
        expected_frames = int(stream.frames or 0)
        declared_seconds = (
            float(stream.duration * stream.time_base)
            if stream.duration is not None and stream.time_base is not None
            else float(container.duration or 0) / av.time_base
        )
        rate = float(stream.average_rate) if stream.average_rate else 30.0
        first_time: float | None = None
        relative = 0.0
        index = 0
        stopped_early = False
        decoder = container.decode(stream)
        while (frame := decoded(file, index, lambda: next(decoder, None))) is not None:
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
                stopped_early = True
                break
            pixels = decoded(file, index, lambda: rgb(frame))
            yield Frame(
                image=upright(pixels, float(getattr(frame, "rotation", 0) or 0)),
                index=index,
                timestamp=relative,
                source=str(file),
            )
            index += 1
        if index == 0:
            raise CorruptMediaError(f"{file}: video holds no decodable frame")
        # The declared duration, with room for an audio track that outlasts the video a
        # little; frame counts alone mislead (AVI counts time-base ticks of variable-rate video).
        seen = relative + 1.0 / rate
        short = not stopped_early and declared_seconds - seen > max(0.5, 0.02 * declared_seconds)
        if truncated or short:
            frames = f"{index} of {expected_frames}" if expected_frames > index else f"{index}"
            detail = f"read {frames} frames"
            if short:
                detail += f", {seen:.1f} s of the {declared_seconds:.1f} s it declares"
            incomplete(f"{truncated or f'{file}: cut short'}; {detail}")
    finally:
        container.close()
