"""Local binary pattern histograms, the classic texture descriptor for print and screen attacks.

Paper, ink and screens re-sample skin texture: fine micro-texture is lost or replaced by a
regular pattern, which shifts the distribution of local binary codes. Histograms are normalised
so crop size does not matter. Implemented with whole-array numpy shifts (bilinear samples on a
circle, as in Ojala et al. 2002) because per-pixel loops cost ten times more on a face crop.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

POINTS = 8
UNIFORM_BINS = POINTS + 2
NRI_UNIFORM_BINS = POINTS * (POINTS - 1) + 3


def _transitions(code: int) -> int:
    bits = [(code >> i) & 1 for i in range(POINTS)]
    return sum(bits[i] != bits[(i + 1) % POINTS] for i in range(POINTS))


@cache
def _lookup(method: str) -> NDArray[np.int64]:
    """Code (0..255) -> histogram bin.

    "uniform": rotation-invariant, the count of ones for codes with at most two 0/1 transitions,
    one shared bin for the rest. "nri_uniform": each uniform code keeps its own bin (58), so
    orientation survives, plus one shared bin.
    """
    table = np.empty(2**POINTS, dtype=np.int64)
    next_bin = 0
    for code in range(2**POINTS):
        uniform = _transitions(code) <= 2
        if method == "uniform":
            table[code] = bin(code).count("1") if uniform else POINTS + 1
        elif uniform:
            table[code] = next_bin
            next_bin += 1
        else:
            table[code] = NRI_UNIFORM_BINS - 1
    return table


def lbp_codes(channel: NDArray[Any], radius: int) -> NDArray[np.uint8]:
    """8-neighbour LBP codes of the pixels at least `radius` from the border."""
    image = np.asarray(channel, dtype=np.float32)
    height, width = image.shape
    centre = image[radius : height - radius, radius : width - radius]
    codes = np.zeros(centre.shape, dtype=np.uint8)
    for p in range(POINTS):
        angle = 2 * np.pi * p / POINTS
        dy, dx = -radius * np.sin(angle), radius * np.cos(angle)
        y0, x0 = int(np.floor(dy)), int(np.floor(dx))
        fy, fx = dy - y0, dx - x0
        sample = np.zeros_like(centre)
        for oy, ox, weight in (
            (y0, x0, (1 - fy) * (1 - fx)),
            (y0, x0 + 1, (1 - fy) * fx),
            (y0 + 1, x0, fy * (1 - fx)),
            (y0 + 1, x0 + 1, fy * fx),
        ):
            if weight > 1e-6:
                sample += (
                    weight
                    * image[radius + oy : height - radius + oy, radius + ox : width - radius + ox]
                )
        codes |= (sample >= centre - 1e-4).astype(np.uint8) << np.uint8(p)
    return codes


def lbp_histograms(
    channel: NDArray[Any], radii: Sequence[int] = (1, 2), method: str = "uniform"
) -> NDArray[np.float64]:
    """Concatenated normalised LBP histograms of one channel, one histogram per radius.

    `uniform` gives POINTS + 2 rotation-invariant bins; `nri_uniform` gives the 59 bins that
    keep orientation, which matters on the luma channel where halftone dots have a direction.
    """
    if method not in ("uniform", "nri_uniform"):
        raise ValueError(f"unknown LBP method {method!r}")
    table = _lookup(method)
    bins = UNIFORM_BINS if method == "uniform" else NRI_UNIFORM_BINS
    parts = []
    for radius in radii:
        hist = np.bincount(table[lbp_codes(channel, radius)].ravel(), minlength=bins).astype(
            np.float64
        )
        parts.append(hist / max(hist.sum(), 1.0))
    return np.concatenate(parts)
