"""Thermal, NIR and depth views of the same scene as the colour frames.

Each is built as a map in the scene's own coordinates and moved with the colour frame's warp, so
channels stay registered to RGB. They are then reduced to a sensor-like resolution and noise:
thermal at a quarter of the RGB size (a 160x120 microbolometer for VGA), NIR and depth at half.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from unmask.lab.layout import IPD_MM, FaceLayout, normals, polygon_mask, soften

Image = NDArray[np.float32]
CHANNELS = ("thermal", "nir", "depth")
SCALE = {"thermal": 4, "nir": 2, "depth": 2}
UNITS = {"thermal": "degC", "nir": "reflectance (850 nm, active illumination)", "depth": "mm"}
NETD_C = 0.05  # typical uncooled microbolometer noise-equivalent temperature difference
NIR_NOISE = 0.01


def bump(shape: tuple[int, int], point: NDArray[np.float32], sigma: float) -> Image:
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    return np.exp(-((xx - point[0]) ** 2 + (yy - point[1]) ** 2) / (2 * sigma * sigma)).astype(
        np.float32
    )


def inner_canthi(layout: FaceLayout) -> list[NDArray[np.float32]]:
    """The corner of each eye nearest the face midline."""
    mid = layout.eye_centres.mean(axis=0)
    return [eye[np.argmin(np.hypot(*(eye - mid).T))] for eye in (layout.right_eye, layout.left_eye)]


def skin_thermal(layout: FaceLayout, shape: tuple[int, int], params: dict[str, float]) -> Image:
    """Living face temperatures: skin, warm inner canthi, cool nose, hair between skin and air."""
    d = layout.interocular
    ambient, skin = params["ambient_c"], params["skin_c"]
    face = soften(polygon_mask(shape, layout.oval), 0.05 * d)
    head = soften(polygon_mask(shape, layout.oval, grow=1.3), 0.15 * d)
    temp = ambient + head * 0.55 * (skin - ambient)
    temp = temp + face * (skin - temp)
    for corner in inner_canthi(layout):
        temp = temp + params["canthus_c"] * bump(shape, corner, 0.08 * d) * face
    temp = temp - params["nose_cooling_c"] * bump(shape, layout.nose_tip[0], 0.2 * d) * face
    return temp.astype(np.float32)


def mask_thermal(living: Image, holes: Image, surface_c: float, covered: Image) -> Image:
    """A mask is cooler and more uniform than skin: a gentle gradient, warm only at the holes."""
    shape = living.shape
    yy = np.linspace(-0.15, 0.15, shape[0], dtype=np.float32)[:, None]
    shell = surface_c + yy * np.ones(shape, np.float32)
    mixed = living + covered * (shell - living)
    return (holes * living + (1.0 - holes) * mixed).astype(np.float32)


def shaded_nir(
    reflectance: Image, height_map: Image, d_px: float, distance_mm: float, far: Image
) -> Image:
    """NIR with a light at the camera: reflectance x cos(incidence) x inverse-square falloff."""
    facing = normals(height_map)[..., 2]
    relief_mm = height_map * (IPD_MM / d_px)
    distance = np.where(far > 0, far, distance_mm - relief_mm)
    return (reflectance * facing * (distance_mm / distance) ** 2).astype(np.float32)


def face_nir(layout: FaceLayout, shape: tuple[int, int], skin: float, hair: float = 0.35) -> Image:
    """850 nm reflectance of a face: skin, darker eyes and brows, hair and background."""
    d = layout.interocular
    face = soften(polygon_mask(shape, layout.oval), 0.04 * d)
    head = soften(polygon_mask(shape, layout.oval, grow=1.3), 0.15 * d)
    refl = 0.4 + head * (hair - 0.4)
    refl = refl + face * (skin - refl)
    for eye in (layout.right_eye, layout.left_eye):
        refl = refl - polygon_mask(shape, eye) * (skin - 0.25)
    for brow in (layout.right_brow, layout.left_brow):
        refl = refl - soften(polygon_mask(shape, brow), 0.02 * d) * 0.3 * skin
    return refl.astype(np.float32)


def face_depth(layout: FaceLayout, height_map: Image, params: dict[str, float]) -> Image:
    """Depth in mm: the face relief in front of the head plane, hair a little behind, then wall."""
    shape = height_map.shape
    head = soften(polygon_mask(shape, layout.oval, grow=1.3), 0.05 * layout.interocular)
    mm_per_px = IPD_MM / layout.interocular
    near = params["distance_mm"] + 40.0 - height_map * mm_per_px
    return (head * near + (1.0 - head) * params["background_mm"]).astype(np.float32)


def finish(
    name: str, full: Image, rng: np.random.Generator, params: dict[str, float]
) -> NDArray[np.generic]:
    """Down to the sensor's resolution with its noise; thermal and NIR float16, depth uint16 mm."""
    scale = SCALE[name]
    height, width = full.shape
    size = (max(width // scale, 1), max(height // scale, 1))
    if name == "depth":
        small = cv2.resize(full, size, interpolation=cv2.INTER_NEAREST)
        noisy = (
            small + rng.standard_normal(small.shape, dtype=np.float32) * params["depth_noise_mm"]
        )
        return np.clip(np.round(noisy), 0, 65535).astype(np.uint16)
    optics = cv2.GaussianBlur(full, (0, 0), 0.5 * scale)
    small = cv2.resize(optics, size, interpolation=cv2.INTER_AREA)
    noise = NETD_C if name == "thermal" else NIR_NOISE
    return (small + rng.standard_normal(small.shape, dtype=np.float32) * noise).astype(np.float16)
