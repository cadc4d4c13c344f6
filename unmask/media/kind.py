"""What a path holds, decided before any decoder touches it.

Decoders must never be handed a FIFO or a device (they block forever), and a damaged still
image must never be handed to FFmpeg as "maybe a video": FFmpeg then decodes whatever it can
find, such as the EXIF thumbnail of a truncated JPEG, and answers from the wrong picture. So
stills are recognised by their signature bytes, not by whether Pillow manages to parse them.
"""

from __future__ import annotations

import os
import stat
import warnings
from pathlib import Path

from PIL import Image

from unmask.errors import MediaNotFoundError, UnsupportedMediaError

VIDEO_SUFFIXES = frozenset(
    {
        ".mp4",
        ".m4v",
        ".mov",
        ".avi",
        ".mkv",
        ".webm",
        ".mpg",
        ".mpeg",
        ".wmv",
        ".flv",
        ".3gp",
        ".ts",
    }
)


IMAGE_SIGNATURES = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"BM",  # BMP
    b"II*\x00",  # TIFF, little-endian
    b"MM\x00*",  # TIFF, big-endian
    b"\x00\x00\x00\x0cjP  ",  # JPEG 2000
)


def require_file(path: str | Path) -> Path:
    """The path, if it is a regular file; a clear refusal for anything a reader could hang on."""
    file = Path(path)
    try:
        mode = os.stat(file).st_mode
    except FileNotFoundError:
        raise MediaNotFoundError(f"{file}: no such file") from None
    except OSError as exc:
        raise MediaNotFoundError(f"{file}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(mode):
        raise MediaNotFoundError(f"{file}: is a folder, not a media file")
    if not stat.S_ISREG(mode):
        raise UnsupportedMediaError(
            f"{file}: not a regular file (a pipe, socket or device); unmask reads files only"
        )
    return file


def has_image_signature(head: bytes) -> bool:
    if head.startswith(IMAGE_SIGNATURES):
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return True
    # Netpbm: P1..P7 then whitespace (PBM, PGM, PPM, PAM).
    return len(head) > 2 and head[:1] == b"P" and head[1:2] in b"1234567" and head[2:3].isspace()


def is_still_image(file: Path) -> bool:
    """True for files that announce a still-image format, damaged or not (whatever their
    name); for other files, false under a video name, else whether Pillow recognises them."""
    with file.open("rb") as handle:
        head = handle.read(16)
    if has_image_signature(head):
        return True
    if file.suffix.lower() in VIDEO_SUFFIXES:
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(file):
                return True
    except Exception:  # any decoder failure means "not a still we know"; FFmpeg decides next
        return False
