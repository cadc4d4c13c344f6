"""What the camera adds to any scene: lens blur, lighting drift, mains flicker, auto exposure,
noise, and the image processor's white balance and softness.

Applied identically to bona fide and attack scenes, so no cue can separate them by the camera.

Auto exposure meters the face, as the face-priority exposure of phones and webcams does
(Android camera2's CONTROL_SCENE_MODE_FACE_PRIORITY: "use face detection data for auto-focus,
auto-white balance, and auto-exposure routines"; Apple's face-driven auto exposure,
AVCaptureDevice.isFaceDrivenAutoExposureEnabled): it holds the face box at the
luma the face had in its photograph, the exposure a real camera chose for that face, whatever
the backdrop. Metering the whole frame rendered faces before a bright backdrop far too dark
(cheek ITA -49 degrees against +25 on real video); one fixed face target for every photo
brightened dark-skinned faces photographed dim until their highlights clipped.

The photographs the lab films are sharp and neutrally balanced studio portraits; a webcam's image
is neither. Its optics and its demosaicing and resampling soften the image (without them the
lab's faces measured 3.5 times the real videos' sharpness), and its auto white balance leaves
part of a warm indoor light's colour (without it the lab's cheeks measured b* 13 against 32 on
real video, at the same lightness). Optics blur the light before the sensor adds its noise; the
processor's white balance gains and softness come after, so they scale and smooth the noise
too, as a real camera's do.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from unmask.lab.motion import smooth_noise

Image = NDArray[np.float32]
Array = NDArray[np.float64]
LUMA = (0.299, 0.587, 0.114)
# Auto exposure holds still while the metered luma stays within this share of its target, as
# camera AE loops do so they do not hunt: HiSilicon's ISP tolerates 2 on a target of 56 by
# default (hi_isp_ae_attr tolerance, 3.6 %), TI's TDA4 AE example 5 on 45 (11 %). Without it
# the loop chased the face box's own pulse, blinks and talking.
AE_TOLERANCE = 0.04
HIGHLIGHT = 0.94  # brightest face level (of 1) auto exposure lets 99 % of the face box reach
SRGB_GAMMA = 2.2  # the photographs are gamma-encoded: a linear gain g scales them by g^(1/2.2)
# The optics' and the processor's blur are given in pixels of a VGA frame: a camera streaming a
# smaller frame scales its sensor's image down, and both shrink with it.
OPTICS_WIDTH = 640
REFERENCE_K = 6500.0  # the white a fully corrected auto white balance renders as neutral
# Linear sRGB from CIE XYZ (IEC 61966-2-1).
XYZ_TO_SRGB = np.array(
    [[3.2406, -1.5372, -0.4986], [-0.9689, 1.8758, 0.0415], [0.0557, -0.2040, 1.0570]]
)


def planckian_xy(kelvin: float) -> tuple[float, float]:
    """CIE 1931 chromaticity of a black body at 1667-25000 K (Kim et al. 2002, cubic splines)."""
    t = float(kelvin)
    if t < 4000:
        x = -0.2661239e9 / t**3 - 0.2343589e6 / t**2 + 0.8776956e3 / t + 0.179910
    else:
        x = -3.0258469e9 / t**3 + 2.1070379e6 / t**2 + 0.2226347e3 / t + 0.240390
    if t < 2222:
        y = -1.1063814 * x**3 - 1.34811020 * x**2 + 2.18555832 * x - 0.20219683
    elif t < 4000:
        y = -0.9549476 * x**3 - 1.37418593 * x**2 + 2.09137015 * x - 0.16748867
    else:
        y = 3.0817580 * x**3 - 5.87338670 * x**2 + 3.75112997 * x - 0.37001483
    return x, y


def white_balance_gains(mired: float) -> NDArray[np.float32]:
    """Per-channel gains on gamma-encoded RGB that leave a residual colour cast of `mired`
    (positive: warmer) on a neutrally balanced image: the linear sRGB of a black body that far
    from REFERENCE_K, over that of REFERENCE_K, green kept at 1, then gamma-encoded."""

    def white(kelvin: float) -> NDArray[np.float64]:
        x, y = planckian_xy(kelvin)
        rgb = XYZ_TO_SRGB @ np.array([x / y, 1.0, (1.0 - x - y) / y])
        return np.asarray(rgb / rgb[1], dtype=np.float64)

    kelvin = 1e6 / (1e6 / REFERENCE_K + mired)
    gains = (white(kelvin) / white(REFERENCE_K)) ** (1.0 / SRGB_GAMMA)
    return np.asarray(gains, dtype=np.float32)


def soften(image: NDArray[np.float32], sigma_px: float) -> NDArray[np.float32]:
    """A Gaussian point-spread function of `sigma_px` pixels (none at 0)."""
    if sigma_px <= 0:
        return image
    return np.asarray(cv2.GaussianBlur(image, (0, 0), sigma_px), dtype=np.float32)


def stack_mix(
    stack: NDArray[np.float32], weights: NDArray[np.floating] | tuple[float, ...]
) -> NDArray[np.float32]:
    """sum_k weights[k] * stack[k] over the leading axis.

    Written out rather than `@` or tensordot: BLAS may split a sum differently from run to run,
    and a last-bit difference is enough to flip a rounding and break byte-identical output."""
    total = np.zeros(stack.shape[1:], dtype=np.float32)
    for weight, plane in zip(weights, stack, strict=True):
        total += np.float32(weight) * plane
    return total


def channel_mix(image: NDArray[np.float32], weights: tuple[float, ...]) -> NDArray[np.float32]:
    """sum_c weights[c] * image[..., c], deterministically (see stack_mix)."""
    return stack_mix(np.moveaxis(image, -1, 0), weights)


def luma(image: NDArray[np.float32]) -> NDArray[np.float32]:
    """BT.601 luma of an RGB image (H, W, 3)."""
    return channel_mix(image, LUMA)


# Noise is read from a bank of Gaussian samples at a random offset per frame: a view, not a new
# draw, because drawing a frame's worth of normals dominated the frame time. Offsets are drawn
# over a bank three frames long, so two frames share aligned noise with negligible probability.
BANK_FRAMES = 3


class NoiseBank:
    """Unit Gaussian noise frames as windows into one long random vector."""

    def __init__(self, rng: np.random.Generator, size: int) -> None:
        self.size = size
        self.rng = rng
        self.bank = rng.standard_normal(size * BANK_FRAMES, dtype=np.float32)

    def frame(self, shape: tuple[int, ...]) -> NDArray[np.float32]:
        offset = int(self.rng.integers(0, self.size * (BANK_FRAMES - 1)))
        return self.bank[offset : offset + self.size].reshape(shape)


@dataclass(frozen=True)
class FaceMeter:
    """The face box auto exposure meters (pixel rows and columns) and the mean luma in [0, 1]
    it holds there."""

    rows: slice
    columns: slice
    target: float

    @classmethod
    def of(cls, image: Image, oval: NDArray[np.floating]) -> FaceMeter:
        """The central 80 % of the face oval's bounding box in a framed photo (a face
        detector's box sits inside the outline), and the photo's own luma there."""
        points = np.asarray(oval, dtype=np.float64)
        low, high = points.min(axis=0), points.max(axis=0)
        height, width = image.shape[:2]

        def box(inset: NDArray[np.float64]) -> tuple[slice, slice]:
            x0, y0 = np.clip(np.floor(low + inset).astype(int), 0, (width - 1, height - 1))
            x1, y1 = np.clip(np.ceil(high - inset).astype(int), (x0 + 1, y0 + 1), (width, height))
            return slice(int(y0), int(y1)), slice(int(x0), int(x1))

        rows, columns = box(0.1 * (high - low))
        face = image[rows, columns][::2, ::2]
        # Highlight priority: no brighter than keeps 99 % of the whole oval's box below
        # HIGHLIGHT, so the photo's own highlights, lit a little more (or reddened by the white
        # balance), do not clip over the skin the pulse is read from (the forehead reaches
        # beyond the metered box).
        whole = image[box(np.zeros(2))][::2, ::2]
        bright = float(np.percentile(whole.max(axis=-1), 99))
        scale = min(1.0, HIGHLIGHT / bright) if bright > 0 else 1.0
        return cls(rows, columns, max(float(luma(face).mean()) * scale, 0.05))

    def read(self, image: Image) -> float:
        """Mean luma of the face box (every second pixel), in the image's own scale."""
        return float(luma(image[self.rows, self.columns][::2, ::2]).mean())


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
    lens_blur_px: float
    isp_blur_px: float
    white: NDArray[np.float32]
    ae_tau_s: float
    gain: float
    meter: FaceMeter
    noise: NoiseBank | None
    rng: np.random.Generator

    @classmethod
    def build(
        cls,
        params: dict[str, float],
        times: Array,
        mains_hz: float,
        rng: np.random.Generator,
        meter: FaceMeter,
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
            lens_blur_px=params["lens_blur_px"],
            isp_blur_px=params["isp_blur_px"],
            white=white_balance_gains(params["wb_shift_mired"]),
            ae_tau_s=params["ae_tau_s"],
            gain=1.0 + params["exposure_error"],
            meter=meter,
            noise=None,
            rng=rng,
        )

    def expose(self, scene: Image, index: int) -> NDArray[np.uint8]:
        """Blur by the optics, light, expose (auto exposure chases the face box's target luma,
        as white-balanced, with a first-order lag once it strays beyond AE_TOLERANCE), add shot
        + read noise, white-balance, soften by the image processor and quantise."""
        width = scene.shape[1]
        scene = soften(scene, self.lens_blur_px * width / OPTICS_WIDTH)
        ramp = np.linspace(-1.0, 1.0, width, dtype=np.float32)
        level = self.light[index] * (1.0 + self.flicker[index]) * self.gain
        columns = (np.float32(255.0 * level) * (1.0 + np.float32(self.gradient[index]) * ramp))[
            None, :, None
        ]
        if index == 0:
            # The camera was running before the clip: auto exposure has settled on the face,
            # off only by the sampled error. (Starting from unit gain made it chase each
            # photo's own exposure for a second, a drift of several per cent that real video
            # does not show.)
            start = self.meter.read(np.clip(scene * columns, 0.0, 255.0) * self.white) / 255.0
            if start > 1e-3:
                # self.gain is 1 + exposure_error here
                settle = self.meter.target / start * self.gain
                columns = columns * np.float32(settle)
                self.gain *= settle
        dn = np.clip(scene * columns, 0.0, 255.0)
        mean = self.meter.read(dn * self.white) / 255.0
        off = abs(np.log(self.meter.target / mean)) if mean > 1e-3 else 0.0
        if index + 1 < len(self.times) and off > AE_TOLERANCE:
            step = float(self.times[index + 1] - self.times[index])
            alpha = 1.0 - np.exp(-step / self.ae_tau_s)
            self.gain *= float((self.meter.target / mean) ** alpha)
        # Shot noise variance grows with signal; `noise_dn` is the std at mid grey (128 DN),
        # split evenly between read and shot noise.
        variance = np.float32(self.noise_dn**2 / 256.0) * (dn + 128.0)
        if self.noise is None or self.noise.size != dn.size:
            self.noise = NoiseBank(self.rng, dn.size)
        # The processor's white balance gains scale the sensor's noise with its signal.
        sensed = (dn + self.noise.frame(dn.shape) * np.sqrt(variance)) * self.white
        return np.clip(
            soften(sensed, self.isp_blur_px * width / OPTICS_WIDTH) + 0.5, 0, 255
        ).astype(np.uint8)
