"""Still images to RGB uint8 frames, whatever the file's format, depth or orientation.

Everything downstream assumes upright RGB uint8, so every conversion happens here once:
EXIF rotation, greyscale, palette, alpha, 16-bit and 32-bit depths.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError

from unmask.errors import CorruptMediaError, UnmaskError, UnsupportedMediaError
from unmask.media.kind import require_file
from unmask.types import Frame

MAX_PIXELS = 100_000_000
MIN_SIDE = 16

Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def check_size(width: int, height: int, what: str) -> None:
    """Refuse sizes no camera produces before we spend memory decoding them."""
    if width < MIN_SIDE or height < MIN_SIDE:
        raise UnsupportedMediaError(f"{what}: {width}x{height} is too small (minimum {MIN_SIDE}px)")
    if width * height > MAX_PIXELS:
        raise UnsupportedMediaError(
            f"{what}: {width}x{height} is too large (more than {MAX_PIXELS // 1_000_000} megapixels)"
        )


def to_rgb8(image: Image.Image) -> NDArray[np.uint8]:
    """Convert any Pillow mode to RGB uint8, compositing transparency onto white."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        data = np.asarray(image, dtype=np.float64)
        high = float(data.max()) if data.size else 0.0
        scale = 255.0 / (65535.0 if high > 255 else max(high, 1.0))
        grey = np.clip(data * scale, 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    return np.ascontiguousarray(np.asarray(image.convert("RGB"), dtype=np.uint8))


def read_image(path: str | Path) -> Frame:
    """Decode one image file (its first frame for animations), upright, as RGB uint8."""
    file = require_file(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                check_size(image.width, image.height, str(file))
                image.seek(0)
                image.load()
                upright = ImageOps.exif_transpose(image) or image
                pixels = to_rgb8(upright)
    except UnmaskError:
        raise
    except UnidentifiedImageError as exc:
        raise CorruptMediaError(f"{file}: not an image we can read") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnsupportedMediaError(f"{file}: image is absurdly large") from exc
    except Exception as exc:  # a decoder on untrusted bytes: any failure is a corrupt file
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CorruptMediaError(f"{file}: corrupt or truncated image ({reason})") from exc
    return Frame(image=pixels, index=0, timestamp=0.0, source=str(file))


def frame_from_array(array: NDArray[np.generic], source: str = "<array>") -> Frame:
    """Wrap an in-memory picture (RGB, greyscale or RGBA, any integer depth) as a Frame."""
    data = np.asarray(array)
    if data.ndim == 2:
        data = np.repeat(data[:, :, None], 3, axis=2)
    if data.ndim != 3 or data.shape[2] not in (3, 4):
        raise UnsupportedMediaError(
            f"{source}: expected an HxW, HxWx3 or HxWx4 array, got {data.shape}"
        )
    check_size(int(data.shape[1]), int(data.shape[0]), source)
    data = data[:, :, :3]
    if data.dtype != np.uint8:
        if np.issubdtype(data.dtype, np.floating):
            peak = 1.0 if float(np.nanmax(data)) <= 1.0 else 255.0
            data = np.clip(np.nan_to_num(data) * (255.0 / peak), 0, 255).astype(np.uint8)
        else:
            peak = 65535.0 if int(data.max()) > 255 else 255.0
            data = np.clip(data.astype(np.float64) * (255.0 / peak), 0, 255).astype(np.uint8)
    return Frame(image=np.ascontiguousarray(data), source=source)
