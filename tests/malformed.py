"""Malformed media made on the spot: decompression bombs, broken Netpbm headers, byte flips and
truncations of valid stills and videos. Shared by the fuzz test and benchmarks/reliability.py.

Every case is deterministic (seeded), small on disk, and named for the report.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
from PIL import Image

BOMB_SIDES = ((30000, 30000), (40000, 40000), (65535, 65535))


def png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(64)))
        + chunk(b"IEND", b"")
    )


def bmp_header(width: int, height: int) -> bytes:
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 54 + 64, 0, 0, 54) + info + bytes(64)


def jpeg_with_size(width: int, height: int) -> bytes:
    """A valid small JPEG whose frame header (SOF0) is rewritten to claim another size."""
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (90, 120, 150)).save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def gif_with_size(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("P", (32, 32)).save(buffer, "GIF")
    data = bytearray(buffer.getvalue())
    data[6:10] = struct.pack("<HH", width, height)
    return bytes(data)


def bombs() -> Iterator[tuple[str, bytes]]:
    for width, height in BOMB_SIDES:
        yield f"bomb-{width}.png", png_header(width, height)
        yield f"bomb-{width}.bmp", bmp_header(width, height)
        yield f"bomb-{width}.ppm", f"P6\n{width} {height}\n255\n".encode() + bytes(64)
        yield f"bomb-{width}.jpg", jpeg_with_size(width, height)
        yield f"bomb-{width}.gif", gif_with_size(width, height)
    yield "negative-height.bmp", bmp_header(64, -65535)
    yield "negative-width.bmp", bmp_header(-64, 64)


def broken_netpbm() -> Iterator[tuple[str, bytes]]:
    pixels = bytes(range(256)) * 4
    headers = [
        b"P5\n12a 10\n255\n",
        b"P5\n" + b"9" * 300 + b" 10\n255\n",
        b"P6\n-4 4\n255\n",
        b"P5\n16 16\n70000\n",
        b"P5\n16 16\n0\n",
        b"P6\n16\n",
        b"P2\n# only a comment\n",
        b"P5 16 16 255",
        b"P3\n16 16\n255\n1 2 x 4\n",
        b"P7\nWIDTH 16\nHEIGHT 16\nDEPTH 9\nMAXVAL 255\nTUPLTYPE RGB\nENDHDR\n",
    ]
    for index, header in enumerate(headers):
        suffix = ".pgm" if header[1:2] in b"25" else ".ppm"
        yield f"netpbm-{index}{suffix}", header + pixels


def valid_stills() -> Iterator[tuple[str, bytes]]:
    picture = Image.fromarray(
        np.random.default_rng(3).integers(0, 255, (64, 80, 3), dtype=np.uint8)
    )
    for fmt, suffix in (
        ("JPEG", ".jpg"),
        ("PNG", ".png"),
        ("BMP", ".bmp"),
        ("GIF", ".gif"),
        ("TIFF", ".tif"),
        ("WEBP", ".webp"),
        ("PPM", ".ppm"),
    ):
        buffer = io.BytesIO()
        picture.save(buffer, fmt)
        yield suffix, buffer.getvalue()


def valid_videos() -> Iterator[tuple[str, bytes]]:
    for suffix, codec, container in (
        (".avi", "mjpeg", "avi"),
        (".avi", "mpeg4", "avi"),
        (".mp4", "mpeg4", "mp4"),
        (".mkv", "mpeg4", "matroska"),
    ):
        buffer = io.BytesIO()
        with av.open(buffer, mode="w", format=container) as output:
            stream = output.add_stream(codec, rate=10)
            # One encoder thread: with one per core the bitstream (hence which byte a flip
            # hits) would depend on the machine's CPU count.
            stream.codec_context.thread_count = 1
            stream.width, stream.height = 64, 48
            stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
            for index in range(20):
                pixels = np.random.default_rng(index).integers(0, 255, (48, 64, 3), dtype=np.uint8)
                for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                    output.mux(packet)
            for packet in stream.encode():
                output.mux(packet)
        yield f"{codec}{suffix}", buffer.getvalue()


def mutations(name: str, data: bytes, seed: int, count: int) -> Iterator[tuple[str, bytes]]:
    """Truncations at random points and random byte flips (past the first 4 bytes, so the
    format stays recognisable and the decoder is really exercised)."""
    rng = np.random.default_rng(seed)
    for index in range(count):
        if index % 2 == 0:
            cut = int(rng.integers(4, max(len(data) - 1, 5)))
            yield f"cut{index}-{name}", data[:cut]
        else:
            flipped = bytearray(data)
            for position in rng.integers(4, len(data), int(rng.integers(1, 16))):
                flipped[position] ^= int(rng.integers(1, 256))
            yield f"flip{index}-{name}", bytes(flipped)


def corpus(per_file: int = 4, seed: int = 0) -> Iterator[tuple[str, bytes]]:
    """The whole malformed corpus: bombs, broken headers, and `per_file` mutations of each
    valid still and video; plus garbage under video names."""
    yield from bombs()
    yield from broken_netpbm()
    for index, (suffix, data) in enumerate(valid_stills()):
        yield from mutations(f"still{suffix}", data, seed + index, per_file)
    for index, (name, data) in enumerate(valid_videos()):
        yield from mutations(name, data, seed + 100 + index, per_file)
    rng = np.random.default_rng(seed)
    yield "noise.mp4", rng.integers(0, 256, 4000, dtype=np.uint8).tobytes()
    yield "empty.mp4", b""
    yield "empty.jpg", b""


def write_corpus(folder: Path, per_file: int = 4, seed: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in corpus(per_file, seed):
        path = folder / name
        path.write_bytes(data)
        paths.append(path)
    return paths
