"""Pulse extraction methods: three colour channels in, one pulse wave out.

All methods here read the same input: band-passed log-colour deviations (N, 3), which to first
order are the normalised colours C / mean(C) - 1 the papers start from, and they run on short
overlapping windows (1.6 s, as in POS) whose outputs are z-scored, Hann-weighted and added
(overlap-add), so each window adapts its own colour projection to the local light and skin.

- green: the green channel, where haemoglobin absorbs most (Verkruysse et al. 2008).
- red: the red channel, which is the one that carries the pulse when a finger covers the lens.
- chrom: de Haan & Jeanne 2013, two chrominance signals X = 3R - 2G, Y = 1.5R + G - 1.5B, and
  S = X - (std X / std Y) Y, which cancels specular (white) reflection changes.
- pos: Wang et al. 2017, projection on the plane orthogonal to skin tone:
  S1 = G - B, S2 = G + B - 2R, h = S1 + (std S1 / std S2) S2.
- lgi: Pilz et al. 2018, removes the strongest direction of the window's colours (the mean
  colour, so intensity changes) and keeps the green component of what remains.
- pbv: de Haan & van Leest 2014, the least-squares projection onto the blood-volume pulse
  signature (relative channel amplitudes of the window).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from unmask.errors import InputError
from unmask.pulse.names import METHOD_NAMES
from unmask.pulse.preprocess import UniformSignal, bandpass

Window = NDArray[np.float64]


def _green(window: Window) -> NDArray[np.float64]:
    return -window[:, 1]


def _red(window: Window) -> NDArray[np.float64]:
    return -window[:, 0]


def _ratio(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    sb = float(np.std(b))
    return float(np.std(a)) / sb if sb > 1e-12 else 0.0


def _chrom(window: Window) -> NDArray[np.float64]:
    r, g, b = window[:, 0], window[:, 1], window[:, 2]
    x = 3.0 * r - 2.0 * g
    y = 1.5 * r + g - 1.5 * b
    return x - _ratio(x, y) * y


def _pos(window: Window) -> NDArray[np.float64]:
    r, g, b = window[:, 0], window[:, 1], window[:, 2]
    s1 = g - b
    s2 = g + b - 2.0 * r
    return s1 + _ratio(s1, s2) * s2


def _lgi(window: Window) -> NDArray[np.float64]:
    # As in Pilz's LGI the SVD runs on the colours themselves (normalised, DC included), so the
    # strongest direction is the mean colour: projecting it out removes intensity changes.
    colours = 1.0 + window
    vectors, _, _ = np.linalg.svd(colours.T @ colours)
    strongest = vectors[:, :1]
    projected = colours @ (np.eye(3) - strongest @ strongest.T)
    return -projected[:, 1]


def _pbv(window: Window) -> NDArray[np.float64]:
    spread = window.std(axis=0)
    norm = float(np.linalg.norm(spread))
    if norm < 1e-12:
        return np.zeros(window.shape[0])
    signature = spread / norm
    covariance = window.T @ window + 1e-9 * np.eye(3)
    weights = np.linalg.solve(covariance, signature)
    scale = float(signature @ weights)
    return window @ weights / scale if abs(scale) > 1e-12 else np.zeros(window.shape[0])


METHODS: dict[str, tuple[Callable[[Window], NDArray[np.float64]], tuple[int, ...]]] = {
    "green": (_green, (1,)),
    "red": (_red, (0,)),
    "chrom": (_chrom, (0, 1, 2)),
    "pos": (_pos, (0, 1, 2)),
    "lgi": (_lgi, (0, 1, 2)),
    "pbv": (_pbv, (0, 1, 2)),
}
"""Name -> (projection of one window, channels it needs alive), keyed in METHOD_NAMES order."""

CHANNEL_NAMES = ("R", "G", "B")


def dead_channels(uniform: UniformSignal, method: str) -> list[str]:
    """The channels `method` needs that carry nothing (clipped to 0 or absent)."""
    _, needs = _lookup(method)
    return [CHANNEL_NAMES[k] for k in needs if not uniform.live_channels[k]]


def _lookup(method: str) -> tuple[Callable[[Window], NDArray[np.float64]], tuple[int, ...]]:
    try:
        return METHODS[method]
    except KeyError:
        raise InputError(
            f"unknown pulse method {method!r}; choose one of {', '.join(METHOD_NAMES)}"
        ) from None


def extract_pulse(
    uniform: UniformSignal, method: str = "pos", window_s: float = 1.6
) -> NDArray[np.float64]:
    """The pulse wave of a uniform signal by overlap-add of `method` over short windows.

    Windows where over a third of the frames were dropped (jumps, motion) add nothing, so a
    head turn leaves a gap instead of a burst. The result is band-passed again, because the
    per-window projections are not linear over the whole signal and leak a little out of band.
    """
    project, _ = _lookup(method)
    n = uniform.log_rgb.shape[0]
    if n < 8:
        return np.zeros(n)
    filtered = bandpass(uniform.log_rgb, uniform.fs)
    length = max(8, int(round(window_s * uniform.fs)))
    if length >= n:
        length = n
    hop = max(1, length // 2)
    taper = np.hanning(length + 2)[1:-1]
    output = np.zeros(n)
    starts = list(range(0, n - length + 1, hop))
    if starts[-1] != n - length:
        starts.append(n - length)
    for start in starts:
        stop = start + length
        if uniform.dropped[start:stop].mean() > 1.0 / 3.0:
            continue
        window = filtered[start:stop] - filtered[start:stop].mean(axis=0)
        piece = project(window)
        spread = float(np.std(piece))
        if spread < 1e-12 or not np.isfinite(spread):
            continue
        output[start:stop] += taper * (piece - piece.mean()) / spread
    return bandpass(output, uniform.fs)
