"""Local binary pattern histograms, the classic texture descriptor for print and screen attacks.

Paper, ink and screens re-sample skin texture: fine micro-texture is lost or replaced by a
regular pattern, which shifts the distribution of local binary codes. Histograms are normalised
so crop size does not matter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from skimage.feature import local_binary_pattern

POINTS = 8


def lbp_histograms(
    channel: NDArray[Any], radii: Sequence[int] = (1, 2), method: str = "uniform"
) -> NDArray[np.float64]:
    """Concatenated normalised LBP histograms of one channel, one histogram per radius.

    `uniform` gives POINTS + 2 rotation-invariant bins; `nri_uniform` gives the 59 bins that
    keep orientation, which matters on the luma channel where halftone dots have a direction.
    """
    bins = POINTS + 2 if method == "uniform" else POINTS * (POINTS - 1) + 3
    parts = []
    for radius in radii:
        codes = local_binary_pattern(channel, POINTS, radius, method)
        border = radius
        inner = codes[border:-border, border:-border] if border else codes
        hist = np.bincount(inner.astype(np.int64).ravel(), minlength=bins)[:bins].astype(np.float64)
        parts.append(hist / max(hist.sum(), 1.0))
    return np.concatenate(parts)
