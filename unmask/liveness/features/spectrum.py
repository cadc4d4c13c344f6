"""Frequency features: moire and halftone leave narrow peaks at high spatial frequency.

Skin imaged directly has a smooth, roughly power-law spectrum. A print adds a halftone grid and
a screen adds its pixel grid; photographed again, both alias into moire. We measure how the
energy spreads over radial bands and how peaky the high band is (a periodic pattern concentrates
energy in a few bins, noise does not).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from numpy.typing import NDArray

BANDS = 8


def _log_magnitude(gray: NDArray[np.floating]) -> NDArray[np.float64]:
    size = gray.shape[0]
    window = np.outer(np.hanning(size), np.hanning(gray.shape[1]))
    centred = (gray - gray.mean()) * window
    return np.asarray(np.abs(np.fft.fftshift(np.fft.fft2(centred))), dtype=np.float64)


def radial_frequency(shape: tuple[int, int]) -> NDArray[np.float64]:
    """Radial frequency of each bin of a centred spectrum, in cycles per pixel (0..~0.7)."""
    fy = np.fft.fftshift(np.fft.fftfreq(shape[0]))
    fx = np.fft.fftshift(np.fft.fftfreq(shape[1]))
    return np.asarray(np.hypot(fy[:, None], fx[None, :]), dtype=np.float64)


def spectrum_features(gray: NDArray[Any]) -> NDArray[np.float64]:
    """BANDS log band energies (share of total) plus high-band peakiness and spectral slope.

    Peakiness is the 99.5th percentile over the median magnitude in the band above 0.25
    cycles/pixel, in log: a halftone or pixel grid shows as isolated strong peaks there.
    """
    magnitude = _log_magnitude(np.asarray(gray, dtype=np.float64) / 255.0)
    radius = radial_frequency(magnitude.shape)
    power = magnitude**2
    total = power[radius > 0].sum() + 1e-12
    edges = np.linspace(0.0, 0.5, BANDS + 1)
    bands = np.array(
        [
            power[(radius > lo) & (radius <= hi)].sum() / total
            for lo, hi in itertools.pairwise(edges)
        ]
    )
    high = magnitude[(radius > 0.25) & (radius <= 0.5)]
    peakiness = np.log((np.percentile(high, 99.5) + 1e-9) / (np.median(high) + 1e-9))
    mids = (edges[:-1] + edges[1:]) / 2
    slope = np.polyfit(np.log(mids), np.log(bands + 1e-12), 1)[0]
    return np.concatenate([np.log(bands + 1e-9), [peakiness, slope]])
