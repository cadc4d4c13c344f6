"""Writing clips so that the same seed gives the same bytes.

Encoders run single-threaded with FFmpeg's bitexact flags (no encoder version strings, no random
Matroska UIDs), and archives carry a fixed date: nothing in a file depends on when or how fast
it was written.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Mapping
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray

from unmask.errors import InputError

# codec name -> (file suffix, FFmpeg encoder, pixel format)
CODECS = {
    "lossless": (".mkv", "ffv1", "bgr0"),
    "mjpeg": (".avi", "mjpeg", "yuvj420p"),
    "h264": (".mp4", "libx264", "yuv420p"),
}
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def suffix(codec: str) -> str:
    if codec not in CODECS:
        raise InputError(f"unknown codec {codec!r}; choose from {', '.join(CODECS)}")
    return CODECS[codec][0]


def encoder_options(codec: str, crf: int) -> dict[str, str]:
    """H.264 quality by CRF (0-51); MJPEG by a fixed quantiser mapped from the same scale."""
    if codec == "h264":
        return {"crf": str(crf), "preset": "medium", "threads": "1", "flags": "+bitexact"}
    if codec == "mjpeg":
        q = str(int(np.clip(round(2 + crf * 29 / 51), 2, 31)))
        return {"qmin": q, "qmax": q, "threads": "1", "flags": "+bitexact"}
    return {"threads": "1", "flags": "+bitexact", "level": "3", "g": "1"}


def write_video(
    path: Path, frames: Iterable[NDArray[np.uint8]], fps: float, codec: str, crf: int
) -> int:
    """Encode RGB frames; returns how many were written."""
    _, encoder, pix_fmt = CODECS[codec]
    rate = Fraction(fps).limit_denominator(1001)
    count = 0
    with av.open(str(path), mode="w", options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream(encoder, rate=rate, options=encoder_options(codec, crf))
        assert isinstance(stream, av.VideoStream)
        stream.pix_fmt = pix_fmt
        stream.thread_count = 1
        for image in frames:
            if count == 0:
                stream.height, stream.width = image.shape[:2]
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            frame.pts = count
            frame.time_base = 1 / rate
            container.mux(stream.encode(frame))
            count += 1
        container.mux(stream.encode(None))
    return count


def write_npz(path: Path, arrays: Mapping[str, NDArray[np.generic]]) -> None:
    """Like numpy.savez_compressed, but with a fixed entry date so the bytes are reproducible."""
    with zipfile.ZipFile(path, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue())
