"""One entry point that turns a path or camera spec into frames, deciding image vs video."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from unmask.media.camera import read_camera
from unmask.media.image import read_image
from unmask.media.kind import is_still_image, require_file
from unmask.media.video import read_video
from unmask.types import Frame


def camera_index(source: str) -> int | None:
    """`camera:0` or `cam:1` name a camera; anything else is a path."""
    head, _, tail = source.partition(":")
    if head in ("camera", "cam") and tail.isdigit():
        return int(tail)
    return None


def is_video(source: str | Path) -> bool:
    """True for cameras and for files a video container holds rather than a still image.

    A damaged still is still a still (see `unmask.media.kind`): its reader reports the damage.
    """
    text = str(source)
    if camera_index(text) is not None:
        return True
    return not is_still_image(require_file(text))


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
