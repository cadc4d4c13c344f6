"""Writing clips so that the same seed gives the same bytes.

Encoders run single-threaded with FFmpeg's bitexact flags (no encoder version strings, no random
Matroska UIDs), and archives carry a fixed date: nothing in a file depends on when or how fast
it was written. RGB to YUV is done here rather than by swscale, whose conversion was measured to
differ between runs on identical frames (same frames, different H.264 bytes).
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
from unmask.lab.camera import channel_mix
from unmask.lab_names import CODECS

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# RGB -> YCbCr, BT.601: studio range for H.264 (what decoders assume for yuv420p), full range
# for JPEG's yuvj420p. Rows give Y, Cb, Cr; offsets are added after the matrix.
BT601 = {
    "yuv420p": (
        np.array([[0.257, 0.504, 0.098], [-0.148, -0.291, 0.439], [0.439, -0.368, -0.071]]),
        (16.0, 128.0, 128.0),
    ),
    "yuvj420p": (
        np.array([[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]]),
        (0.0, 128.0, 128.0),
    ),
}


def to_yuv420(image: NDArray[np.uint8], pix_fmt: str) -> NDArray[np.uint8]:
    """Planar 4:2:0 (Y, then Cb and Cr averaged over 2x2 blocks) as PyAV's (1.5 H, W) layout."""
    matrix, offsets = BT601[pix_fmt]
    pixels = image.astype(np.float32)
    y, cb, cr = (
        channel_mix(pixels, tuple(row)) + np.float32(offset)
        for row, offset in zip(matrix, offsets, strict=True)
    )
    height, width = image.shape[:2]

    def halve(plane: NDArray[np.float32]) -> NDArray[np.float32]:
        return plane.reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3))

    planes = [y.ravel(), halve(cb).ravel(), halve(cr).ravel()]
    return (
        np.clip(np.rint(np.concatenate(planes)), 0, 255)
        .astype(np.uint8)
        .reshape(height * 3 // 2, width)
    )


def check_size(codec: str, width: int, height: int) -> None:
    if CODECS[codec][2] in BT601 and (width % 2 or height % 2):
        raise InputError(f"--size {width}x{height}: {codec} needs an even width and height")


def suffix(codec: str) -> str:
    if codec not in CODECS:
        raise InputError(f"unknown codec {codec!r}; choose from {', '.join(CODECS)}")
    return CODECS[codec][0]


def encoder_options(codec: str, crf: int) -> dict[str, str]:
    """H.264 quality by CRF (0-51); MJPEG by a fixed quantiser mapped from the same scale.

    x264's macroblock tree (mbtree) is off: with it, identical frames were measured to encode to
    different bytes from run to run even single-threaded; camera hardware encoders lack it too.
    """
    if codec == "h264":
        return {
            "crf": str(crf),
            "preset": "medium",
            "threads": "1",
            "flags": "+bitexact",
            "x264-params": "mbtree=0",
        }
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
            if pix_fmt in BT601:
                frame = av.VideoFrame.from_ndarray(to_yuv420(image, pix_fmt), format=pix_fmt)
            else:
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
