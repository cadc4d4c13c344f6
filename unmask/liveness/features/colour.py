"""Colour and specular statistics of a face crop.

Prints reproduce a reduced gamut (ink), screens shift white point and gamma, moulded materials
reflect light differently from skin: skin highlights are small and sharp on an oily surface,
glossy paper and screens give broad flat glare, matte resin gives almost none.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray


def colour_features(rgb: NDArray[np.uint8]) -> NDArray[np.float64]:
    """Gamut descriptors: chroma spread in YCrCb, saturation percentiles, colourfulness."""
    ycrcb = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb).reshape(-1, 3).astype(np.float64)
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV).reshape(-1, 3).astype(np.float64)
    r, g, b = (rgb.reshape(-1, 3).astype(np.float64) / 255.0).T
    rg, yb = r - g, 0.5 * (r + g) - b
    colourfulness = np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean())
    sat = hsv[:, 1] / 255.0
    return np.array(
        [
            ycrcb[:, 1].std() / 255.0,
            ycrcb[:, 2].std() / 255.0,
            (ycrcb[:, 1].mean() - 128.0) / 255.0,
            (ycrcb[:, 2].mean() - 128.0) / 255.0,
            np.percentile(sat, 10),
            np.percentile(sat, 90),
            colourfulness,
            ycrcb[:, 0].std() / 255.0,
        ]
    )


def specular_features(rgb: NDArray[np.uint8]) -> NDArray[np.float64]:
    """Highlight share, highlight blob spread and clipping: bright, desaturated pixels."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV).astype(np.float64)
    value, sat = hsv[..., 2] / 255.0, hsv[..., 1] / 255.0
    highlight = (value > np.percentile(value, 95)) & (sat < np.median(sat))
    share = float(highlight.mean())
    clipped = float((value > 0.98).mean())
    if highlight.any():
        ys, xs = np.nonzero(highlight)
        spread = float(np.hypot(ys.std(), xs.std()) / max(rgb.shape[:2]))
        contrast = float(value[highlight].mean() - np.median(value))
    else:
        spread, contrast = 0.0, 0.0
    return np.array([share, clipped, spread, contrast])
