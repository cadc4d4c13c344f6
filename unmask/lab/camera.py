"""What the camera adds to any scene: lighting drift, mains flicker, auto exposure, noise.

Applied identically to bona fide and attack scenes, so no cue can separate them by the camera.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

from unmask.lab.motion import smooth_noise

Image = NDArray[np.float32]
Array = NDArray[np.float64]
AE_TARGET = 0.45
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
# Standard normal quantiles: indexing them with uniform 16-bit integers draws Gaussian noise
# about five times faster than Generator.standard_normal, which dominated the frame time.
NORMAL_LUT = ndtri((np.arange(65536) + 0.5) / 65536).astype(np.float32)


def gaussian(rng: np.random.Generator, shape: tuple[int, ...]) -> NDArray[np.float32]:
    return NORMAL_LUT[rng.integers(0, 65536, shape, dtype=np.uint16)]


def alias_hz(frequency: float, fps: float) -> float:
    """Where a light flicker at `frequency` lands when sampled at `fps` (folded into [0, fps/2])."""
    folded = frequency % fps
    return float(min(folded, fps - folded))


@dataclass
class Camera:
    """Per-clip camera state; `expose` turns a linear-ish scene in [0, 1] into 8-bit RGB."""

    times: Array
    light: Array
    gradient: Array
    flicker: Array
    noise_dn: float
    ae_tau_s: float
    gain: float
    rng: np.random.Generator

    @classmethod
    def build(
        cls, params: dict[str, float], times: Array, mains_hz: float, rng: np.random.Generator
    ) -> Camera:
        fps = 1.0 / float(np.median(np.diff(times))) if len(times) > 1 else 30.0
        lamp = 2.0 * mains_hz
        flicker = params["flicker_amplitude"] * np.cos(
            2 * np.pi * alias_hz(lamp, fps) * times + rng.uniform(0, 2 * np.pi)
        )
        return cls(
            times=times,
            light=1.0 + smooth_noise(rng, times, 0.3, params["light_drift"]),
            gradient=smooth_noise(rng, times, 0.2, params["light_gradient"]),
            flicker=flicker,
            noise_dn=params["noise_dn"],
            ae_tau_s=params["ae_tau_s"],
            gain=1.0 + params["exposure_error"],
            rng=rng,
        )

    def expose(self, scene: Image, index: int) -> NDArray[np.uint8]:
        """Light, expose (auto exposure chases a mid-grey mean with a first-order lag), add
        shot + read noise and quantise."""
        width = scene.shape[1]
        ramp = np.linspace(-1.0, 1.0, width, dtype=np.float32)
        level = self.light[index] * (1.0 + self.flicker[index]) * self.gain
        columns = (np.float32(255.0 * level) * (1.0 + np.float32(self.gradient[index]) * ramp))[
            None, :, None
        ]
        dn = np.clip(scene * columns, 0.0, 255.0)
        mean = float((dn[::8, ::8] @ LUMA).mean()) / 255.0
        if index + 1 < len(self.times) and mean > 1e-3:
            step = float(self.times[index + 1] - self.times[index])
            alpha = 1.0 - np.exp(-step / self.ae_tau_s)
            self.gain *= float((AE_TARGET / mean) ** alpha)
        # Shot noise variance grows with signal; `noise_dn` is the std at mid grey (128 DN),
        # split evenly between read and shot noise.
        variance = np.float32(self.noise_dn**2 / 256.0) * (dn + 128.0)
        noise = gaussian(self.rng, dn.shape) * np.sqrt(variance)
        return np.clip(dn + noise + 0.5, 0, 255).astype(np.uint8)
