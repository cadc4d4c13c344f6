"""Synthetic pulse clips from a real photo: known answers for tests and for finding where it breaks.

A still photo's skin is tinted frame by frame with a pulse wave of known rate, with the
relative channel strengths of blood (PBV signature, de Haan & van Leest 2014: green strongest),
then optionally shaken (motion), noised (sensor noise) and compressed (H.264) to see what
survives. Modes simulate presentations: `bona_fide` tints all skin; `eye_holes` tints only the
periocular rings (a silicone mask whose eye holes show the wearer's skin); `none` tints nothing
(a print or a mask); `flicker` modulates the whole frame, background included (a lighting
rhythm, not blood).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
from numpy.typing import NDArray

from unmask.face.mesh import SKIN_POLYGONS
from unmask.pulse.regions import EYE_OPENINGS, PERIOCULAR_REGIONS, skin_mask
from unmask.species import BONA_FIDE
from unmask.types import Frame

Mode = Literal["bona_fide", "eye_holes", "none", "flicker"]
#: Relative pulse amplitude of skin in R, G, B (Pbv, de Haan & van Leest 2014): the one copy.
BLOOD_SIGNATURE = np.array([0.33, 0.77, 0.53])
"""Relative pulse amplitude in R, G, B for skin under white light (de Haan & van Leest 2014)."""


def _wander(times: NDArray[np.float64], variability: float, seed: int) -> NDArray[np.float64]:
    """Slow heart-rate variability: the rate swings +-`variability` over 10 s."""
    rng = np.random.default_rng(seed)
    return 1.0 + variability * np.sin(2 * np.pi * 0.1 * times + rng.uniform(0, 2 * np.pi))


def pulse_wave(
    times: NDArray[np.float64], bpm: float, *, variability: float = 0.02, seed: int = 0
) -> NDArray[np.float64]:
    """A PPG-like wave (fundamental plus a weaker harmonic) with slow heart-rate variability,
    scaled to peak-to-peak about 2 (so `amplitude` below is a half peak-to-peak)."""
    phase = (
        2 * np.pi * np.cumsum(np.gradient(times) * bpm / 60.0 * _wander(times, variability, seed))
    )
    wave = np.sin(phase) + 0.35 * np.sin(2 * phase - 0.8)
    return wave / (0.5 * (wave.max() - wave.min()) or 1.0)


def mean_bpm(
    times: NDArray[np.float64], bpm: float, *, variability: float = 0.02, seed: int = 0
) -> float:
    """The true mean rate of `pulse_wave` over `times` (what a perfect estimator reports)."""
    return float(bpm * np.mean(_wander(times, variability, seed)))


@dataclass(frozen=True)
class ClipSpec:
    """What to simulate. `amplitude` is the relative skin colour change (0.005 = 0.5 %), as a
    fraction of the pixel value in green; `noise` the sensor noise std in grey levels;
    `motion_px` the amplitude of a slow head sway in pixels; `jump_every_s` a sudden lighting
    change of `jump_size` every so many seconds."""

    bpm: float = 72.0
    seconds: float = 12.0
    fps: float = 30.0
    amplitude: float = 0.01
    noise: float = 1.0
    motion_px: float = 0.0
    jump_every_s: float = 0.0
    jump_size: float = 0.08
    mode: Mode = BONA_FIDE
    flicker_bpm: float = 72.0
    seed: int = 0


def _tint_mask(
    image: NDArray[np.uint8], mesh: NDArray[np.float64] | None, mode: Mode
) -> NDArray[np.float64]:
    height, width = image.shape[:2]
    if mode == "none":
        return np.zeros((height, width))
    if mode == "flicker":
        return np.ones((height, width))
    if mode == "eye_holes":
        if mesh is None:
            raise ValueError("eye_holes needs the face mesh of the image")
        mask = np.zeros((height, width), dtype=np.uint8)
        for name in PERIOCULAR_REGIONS:
            ring = np.round(mesh[list(SKIN_POLYGONS[name]), :2]).astype(np.int32)
            cv2.fillPoly(mask, [ring], 1)
            cv2.fillPoly(mask, [np.round(mesh[list(EYE_OPENINGS[name]), :2]).astype(np.int32)], 0)
        return mask.astype(np.float64)
    face = skin_mask(image).astype(np.float64)
    if mesh is not None:
        hull = np.zeros((height, width), dtype=np.uint8)
        cv2.fillConvexPoly(hull, cv2.convexHull(np.round(mesh[:, :2]).astype(np.int32)), 1)
        face *= hull
    return face


def synthetic_clip(
    image: NDArray[np.uint8], spec: ClipSpec, mesh: NDArray[np.float64] | None = None
) -> Iterator[tuple[Frame, NDArray[np.float64] | None]]:
    """Frames of `image` with the simulated pulse, each with the mesh moved as the image moved."""
    rng = np.random.default_rng(spec.seed)
    count = int(round(spec.seconds * spec.fps))
    times = np.arange(count) / spec.fps
    wave = pulse_wave(times, spec.bpm, seed=spec.seed)
    flicker = pulse_wave(times, spec.flicker_bpm, variability=0.0, seed=spec.seed + 1)
    base = image.astype(np.float64)
    tint = _tint_mask(image, mesh, spec.mode)[..., None] * (BLOOD_SIGNATURE / BLOOD_SIGNATURE[1])
    for i, t in enumerate(times):
        level = flicker[i] if spec.mode == "flicker" else wave[i]
        picture = base * (1.0 - spec.amplitude * level * tint)
        if spec.jump_every_s > 0 and int(t / spec.jump_every_s) % 2 == 1:
            picture = picture * (1.0 + spec.jump_size)
        if spec.noise > 0:
            picture = picture + rng.normal(0.0, spec.noise, picture.shape)
        shifted = mesh
        if spec.motion_px > 0:
            dx = spec.motion_px * np.sin(2 * np.pi * 0.25 * t)
            dy = 0.5 * spec.motion_px * np.sin(2 * np.pi * 0.17 * t + 1.0)
            matrix = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]])
            picture = cv2.warpAffine(
                picture, matrix, (image.shape[1], image.shape[0]), borderMode=cv2.BORDER_REFLECT
            )
            if mesh is not None:
                shifted = mesh.copy()
                shifted[:, 0] += dx
                shifted[:, 1] += dy
        pixels = np.clip(np.round(picture), 0, 255).astype(np.uint8)
        yield Frame(image=pixels, index=i, timestamp=float(t), source="synthetic"), shifted


def compress(frames: list[Frame], bits_per_pixel: float, fps: float) -> list[Frame]:
    """Round-trip frames through H.264 at a target bit rate (bits per pixel per frame)."""
    import io

    import av

    height, width = frames[0].image.shape[:2]
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=int(round(fps)))
        stream.width, stream.height = width - width % 2, height - height % 2
        stream.pix_fmt = "yuv420p"
        stream.bit_rate = int(bits_per_pixel * stream.width * stream.height * fps)
        for frame in frames:
            picture = av.VideoFrame.from_ndarray(
                np.ascontiguousarray(frame.image[: stream.height, : stream.width]), format="rgb24"
            )
            for packet in stream.encode(picture):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    buffer.seek(0)
    out = []
    with av.open(buffer, mode="r") as container:
        for i, decoded in enumerate(container.decode(video=0)):
            pixels: NDArray[np.uint8] = np.asarray(
                decoded.to_ndarray(format="rgb24"), dtype=np.uint8
            )
            out.append(
                Frame(
                    image=pixels,
                    index=i,
                    timestamp=frames[min(i, len(frames) - 1)].timestamp,
                    source="synthetic-h264",
                )
            )
    return out
