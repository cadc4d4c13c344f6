"""Worn masks: the target's face as a resin or silicone surface, the wearer behind the eye holes.

The wearer's photo is aligned so their eyes sit in the mask's eye holes; everything else the
camera sees of the face is the mask material, which has no pulse of its own.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from unmask.lab.camera import channel_mix, luma
from unmask.lab.layout import FaceLayout, normals, polygon_mask, soften

Image = NDArray[np.float32]


def align_to(wearer: FaceLayout, target: FaceLayout) -> NDArray[np.float64]:
    """Similarity taking the wearer's eye centres onto the target's (2x3)."""
    source = wearer.eye_centres.astype(np.float64)
    dest = target.eye_centres.astype(np.float64)
    (sx, sy), (dx, dy) = source[1] - source[0], dest[1] - dest[0]
    ratio = complex(dx, dy) / complex(sx, sy)
    a, b = ratio.real, ratio.imag
    offset = dest[0] - np.array([[a, -b], [b, a]]) @ source[0]
    return np.array([[a, -b, offset[0]], [b, a, offset[1]]])


def eye_holes(layout: FaceLayout, shape: tuple[int, int], width: float, height: float) -> Image:
    """Soft elliptical holes round each eye, `width` eye widths wide and `height` eye heights
    tall, so lids and periocular skin show."""
    holes = np.zeros(shape, dtype=np.float32)
    for eye in (layout.right_eye, layout.left_eye):
        centre = eye.mean(axis=0)
        span = eye.max(axis=0) - eye.min(axis=0)
        axes = (float(max(span[0], 2.0) * width / 2), float(max(span[1], 1.0) * height / 2))
        mask = np.zeros(shape, dtype=np.uint8)
        angle = float(np.degrees(layout.roll))
        cv2.ellipse(
            mask,
            ((float(centre[0]), float(centre[1])), (2 * axes[0], 2 * axes[1]), angle),
            255,
            -1,
            cv2.LINE_AA,
        )
        holes = np.maximum(holes, mask.astype(np.float32) / 255.0)
    return soften(holes, 0.02 * layout.interocular)


def edges(layout: FaceLayout, holes: Image, strength: float) -> Image:
    """Multiplicative shading of the mask's edges: a thin dark rim round the eye holes and a
    seam along the jaw line where the mask ends."""
    d = layout.interocular
    ring = soften(holes, 0.03 * d) - soften(holes, 0.01 * d)
    rim = np.abs(ring) / (np.abs(ring).max() + 1e-6)
    jaw = np.zeros(holes.shape, dtype=np.uint8)
    lower = layout.oval[layout.oval[:, 1] > layout.nose_tip[0, 1]]
    if len(lower) > 1:
        order = np.argsort(lower[:, 0])
        cv2.polylines(
            jaw,
            [np.round(lower[order] * 16).astype(np.int32)],
            False,
            255,
            max(1, int(0.02 * d)),
            cv2.LINE_AA,
            shift=4,
        )
    seam = soften(jaw.astype(np.float32) / 255.0, 0.01 * d)
    return (1.0 - strength * np.clip(rim + seam, 0, 1)).astype(np.float32)


def desaturate(image: Image, keep: float) -> Image:
    grey = luma(image)[..., None]
    return (grey + keep * (image - grey)).astype(np.float32)


def resin_surface(target: Image, params: dict[str, float]) -> Image:
    """Painted resin: pore detail lost, highlights flattened (matte), a paint gamut."""
    blurred = cv2.GaussianBlur(target, (0, 0), params["paint_blur_px"])
    smooth = cv2.GaussianBlur(blurred, (0, 0), 6.0)
    highlight = np.maximum(blurred - smooth, 0.0)
    matte = blurred - params["matte"] * highlight
    return desaturate(np.clip(matte, 0, 1), params["mask_saturation"])


def silicone_surface(target: Image, params: dict[str, float], rng: np.random.Generator) -> Image:
    """Cast silicone: fine pore-like texture over a slightly desaturated paint layer."""
    height, width = target.shape[:2]
    pores = cv2.GaussianBlur(rng.standard_normal((height, width)).astype(np.float32), (0, 0), 0.7)
    pores = pores / (pores.std() + 1e-6) * params["silicone_texture"]
    return desaturate(target * (1.0 + pores)[..., None], params["mask_saturation"])


def sheen(height_map: Image, face: Image, strength: float, light: NDArray[np.float64]) -> Image:
    """Broad specular sheen (Blinn-Phong, exponent 8) of the mask surface for a light direction;
    the light sways with the head so the highlight moves over the surface."""
    n = normals(height_map)
    half = light + np.array([0.0, 0.0, 1.0])
    half = (half / np.linalg.norm(half)).astype(np.float32)
    spec = np.clip(channel_mix(n, tuple(float(h) for h in half)), 0.0, 1.0) ** 8
    return (strength * spec * face)[..., None].astype(np.float32)


def leak_fields(
    shape: tuple[int, int], scale: float, rng: np.random.Generator
) -> tuple[Image, Image]:
    """Two zero-mean random fields with blobs about `scale` pixels wide: with a pulse and its
    quadrature they give a leak whose phase changes across the mask, so it cancels when
    averaged over a region (spatially incoherent)."""
    fields = []
    for _ in range(2):
        noise = cv2.GaussianBlur(
            rng.standard_normal(shape).astype(np.float32), (0, 0), max(scale, 1.0)
        )
        fields.append((noise / (noise.std() + 1e-6)).astype(np.float32))
    return fields[0], fields[1]


def mask_region(layout: FaceLayout, shape: tuple[int, int]) -> Image:
    """Where the mask covers: the face oval, slightly grown to the hairline and under the jaw."""
    return soften(polygon_mask(shape, layout.oval, grow=1.04), 0.01 * layout.interocular)
