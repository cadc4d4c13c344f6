"""Time courses: smooth random motion, expressions that come and go, blinks.

Everything is a function of the frame times drawn once per presentation from its own generator,
so a clip is reproducible from its seed and independent of frame rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
EXPRESSIONS = ("smile", "brow_raise", "mouth_open")


def smooth_noise(rng: np.random.Generator, times: Array, max_hz: float, std: float) -> Array:
    """Zero-mean band-limited noise: a few random sinusoids below `max_hz`, scaled to `std`."""
    if std == 0 or len(times) == 0:
        return np.zeros_like(times)
    freqs = rng.uniform(0.05, max_hz, 6)
    phases = rng.uniform(0, 2 * np.pi, 6)
    weights = rng.uniform(0.3, 1.0, 6)
    signal = (weights[:, None] * np.sin(2 * np.pi * freqs[:, None] * times + phases[:, None])).sum(
        0
    )
    return std * signal / np.sqrt((weights**2).sum() / 2)


@dataclass(frozen=True)
class HeadMotion:
    """Rigid head pose per frame: yaw/pitch/roll (rad), shift (px), scale (1 = none)."""

    yaw: Array
    pitch: Array
    roll: Array
    dx: Array
    dy: Array
    scale: Array


def head_motion(
    rng: np.random.Generator,
    times: Array,
    rotation_deg: float,
    shift_px: float,
    breath_hz: float,
    breath_px: float,
) -> HeadMotion:
    """Small involuntary head motion of a person facing a camera, plus breathing sway."""
    rad = np.deg2rad(rotation_deg)
    sway = breath_px * np.sin(2 * np.pi * breath_hz * times + rng.uniform(0, 2 * np.pi))
    return HeadMotion(
        yaw=smooth_noise(rng, times, 0.8, rad),
        pitch=smooth_noise(rng, times, 0.8, 0.7 * rad),
        roll=smooth_noise(rng, times, 0.6, 0.5 * rad),
        dx=smooth_noise(rng, times, 0.7, shift_px),
        dy=smooth_noise(rng, times, 0.7, 0.7 * shift_px) + sway,
        scale=1.0 + smooth_noise(rng, times, 0.4, 0.004),
    )


def events(rng: np.random.Generator, seconds: float, gap: tuple[float, float]) -> Array:
    """Event start times with gaps drawn uniformly from `gap`; the first falls inside the first gap."""
    starts = []
    t = rng.uniform(0.1 * gap[0], gap[1] * 0.6)
    while t < seconds:
        starts.append(t)
        t += rng.uniform(*gap)
    return np.array(starts)


def blink_closure(
    rng: np.random.Generator,
    times: Array,
    seconds: float,
    gap: tuple[float, float],
    duration: tuple[float, float],
) -> tuple[Array, int]:
    """Eyelid closure in [0, 1] per frame, and the number of blinks.

    Lids close in about a third of the blink and reopen more slowly (Kwon et al. 2013 report the
    closing phase is about twice as fast as opening).
    """
    closure = np.zeros_like(times)
    starts = events(rng, seconds, gap)
    for start in starts:
        length = rng.uniform(*duration)
        phase = (times - start) / length
        closing = np.clip(phase / 0.33, 0, 1)
        opening = np.clip((1 - phase) / 0.67, 0, 1)
        shape = np.where(phase < 0.33, closing, opening)
        closure = np.maximum(
            closure, np.where((phase >= 0) & (phase <= 1), np.sin(shape * np.pi / 2), 0)
        )
    return closure, len(starts)


TALK = EXPRESSIONS.index("mouth_open")


def expression_weights(
    rng: np.random.Generator,
    times: Array,
    seconds: float,
    gap: tuple[float, float],
    duration: tuple[float, float],
    syllable_hz: float = 4.5,
) -> Array:
    """(len(EXPRESSIONS), T) activation in [0, 1]: episodes now and then.

    An episode rises over its first 0.5 s (or third, if shorter), holds, and fades the same way:
    spontaneous smiles reach their apex in about 0.5 s, then hold with waxing and waning before
    they fade (Van der Geld et al. 2005, Am J Orthod Dentofacial Orthop 128:8-15).
    A mouth-opening episode is a spoken phrase: the jaw opens and closes once per syllable at
    `syllable_hz` under the episode's envelope, never quite closing in between, as the mouth
    area of talking faces is modulated at 2-7 Hz (Chandrasekaran et al. 2009).
    """
    weights = np.zeros((len(EXPRESSIONS), len(times)))
    for start in events(rng, seconds, gap):
        kind = int(rng.integers(len(EXPRESSIONS)))
        length = rng.uniform(*duration)
        strength = rng.uniform(0.4, 1.0)
        ramp = min(0.5, length / 3)
        rise = np.clip((times - start) / ramp, 0, 1)
        fall = np.clip((start + length - times) / ramp, 0, 1)
        episode = strength * (np.sin(0.5 * np.pi * rise) * np.sin(0.5 * np.pi * fall)) ** 2
        if kind == TALK:
            syllables = 0.5 - 0.5 * np.cos(2 * np.pi * syllable_hz * (times - start))
            episode = episode * (0.3 + 0.7 * syllables)
        weights[kind] = np.maximum(weights[kind], episode)
    return weights


def mask_response(
    weights: Array, times: Array, gain: float, delay_s: float, smooth_s: float
) -> Array:
    """What a silicone mask makes of the wearer's expressions: scaled down, late, low-passed."""
    delayed = np.array([np.interp(times - delay_s, times, row, left=0.0) for row in weights])
    if smooth_s <= 0 or len(times) < 2:
        return gain * delayed
    step = float(np.median(np.diff(times)))
    alpha = 1.0 - np.exp(-step / smooth_s)
    out = np.zeros_like(delayed)
    for i in range(1, len(times)):
        out[:, i] = out[:, i - 1] + alpha * (delayed[:, i] - out[:, i - 1])
    return gain * out
