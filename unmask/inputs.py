"""What the Python API accepts as a picture: a path, an RGB numpy array, a PIL image, a Frame.

Arrays are RGB (not OpenCV's BGR): HxWx3 or HxWx4 of any integer depth, floats in [0, 1] or
[0, 255], or HxW greyscale. PIL images are turned upright by their EXIF orientation, as files are.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
from PIL import Image, ImageOps

from unmask.errors import InputError
from unmask.media.image import frame_from_array, read_image, to_rgb8
from unmask.types import Frame

if TYPE_CHECKING:
    from numpy.typing import NDArray

ImageLike: TypeAlias = "str | Path | Frame | NDArray[Any] | Image.Image"


def is_path(source: object) -> bool:
    return isinstance(source, (str, Path))


def to_frame(image: ImageLike) -> Frame:
    """One picture as a Frame; an InputError names the type when it is none of the above."""
    if isinstance(image, Frame):
        return image
    if isinstance(image, (str, Path)):
        return read_image(image)
    if isinstance(image, np.ndarray):
        return frame_from_array(image)
    if isinstance(image, Image.Image):
        upright = ImageOps.exif_transpose(image) or image
        return frame_from_array(to_rgb8(upright), source="<PIL image>")
    raise InputError(
        f"expected a file path, an RGB numpy array or a PIL image, got {type(image).__name__}"
    )
