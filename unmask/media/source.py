"""One entry point that turns a path or camera spec into frames, deciding image vs video."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from unmask.errors import MediaNotFoundError
from unmask.media.camera import read_camera
from unmask.media.image import read_image
from unmask.media.video import read_video
from unmask.types import Frame

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


def camera_index(source: str) -> int | None:
    """`camera:0` or `cam:1` name a camera; anything else is a path."""
    head, _, tail = source.partition(":")
    if head in ("camera", "cam") and tail.isdigit():
        return int(tail)
    return None


def is_video(source: str | Path) -> bool:
    """True for cameras and for files a video container holds rather than a still image."""
    text = str(source)
    if camera_index(text) is not None:
        return True
    path = Path(text)
    if not path.exists():
        raise MediaNotFoundError(f"{path}: no such file")
    if path.suffix.lower() in VIDEO_SUFFIXES:
        return True
    try:
        with Image.open(path):
            return False
    except (UnidentifiedImageError, OSError):
        return True


def iter_frames(source: str | Path, *, max_seconds: float | None = None) -> Iterator[Frame]:
    """Frames of any source: one for an image, many for a video or a camera."""
    text = str(source)
    index = camera_index(text)
    if index is not None:
        yield from read_camera(index, max_seconds=max_seconds)
    elif is_video(text):
        yield from read_video(text, max_seconds=max_seconds)
    else:
        yield read_image(text)
