"""A drawn face with a known layout: lets tests and benchmarks run the lab without face models
or photos, and gives checks an exact ground truth for where the skin, eyes and mouth are."""

from __future__ import annotations

import cv2
import numpy as np

from unmask.lab.faces import FacePhoto
from unmask.lab.layout import layout_from_eyes, polygon_mask, soften


def synthetic_photo(
    identity: str = "synthetic", size: tuple[int, int] = (320, 240), seed: int = 0
) -> FacePhoto:
    """A frontal face on a textured wall: skin with pores and blush, eyes with irises, brows,
    lips, hair. Different seeds give different skin tones, shapes and backgrounds."""
    rng = np.random.default_rng(seed)
    width, height = size
    d = 0.2 * width * rng.uniform(0.9, 1.1)
    centre = np.array([width / 2, 0.42 * height])
    half = np.array([d / 2, 0.0])
    layout = layout_from_eyes(tuple(centre - half), tuple(centre + half))
    shape = (height, width)
    wall = rng.uniform(0.3, 0.8, 3)
    coarse = cv2.GaussianBlur(rng.standard_normal(shape).astype(np.float32), (0, 0), 3.0)
    fine = cv2.GaussianBlur(rng.standard_normal(shape).astype(np.float32), (0, 0), 1.0)
    image = (wall * (1.0 + 0.3 * coarse + 0.25 * fine)[..., None]).astype(np.float64)
    hair = soften(polygon_mask(shape, layout.oval, grow=1.25), 2.0)
    strands = rng.uniform(0.05, 0.4) * np.array([1.0, 0.8, 0.6]) * (1.0 + 0.4 * fine)[..., None]
    image = image + hair[..., None] * (strands - image)
    skin = np.array([0.85, 0.65, 0.55]) * rng.uniform(0.6, 1.05)
    pores = cv2.GaussianBlur(rng.standard_normal(shape).astype(np.float32), (0, 0), 1.0)
    skin_image = skin * (1.0 + 0.08 * pores)[..., None]
    face = soften(polygon_mask(shape, layout.oval), 1.5)
    image = image + face[..., None] * (skin_image - image)
    for eye in (layout.right_eye, layout.left_eye):
        white = polygon_mask(shape, eye)
        image = image + white[..., None] * (np.array([0.9, 0.9, 0.88]) - image)
        iris = np.zeros(shape, dtype=np.float32)
        cx, cy = eye.mean(axis=0)
        cv2.circle(iris, (int(cx), int(cy)), max(int(0.09 * d), 1), 1.0, -1, cv2.LINE_AA)
        image = image + (iris * white)[..., None] * (np.array([0.25, 0.18, 0.1]) - image)
    for brow in (layout.right_brow, layout.left_brow):
        image = image + soften(polygon_mask(shape, brow), 0.8)[..., None] * (0.25 * skin - image)
    lips = soften(polygon_mask(shape, layout.lips), 0.8)
    image = image + lips[..., None] * (np.array([0.7, 0.35, 0.35]) - image)
    pixels = np.clip(image * 255.0, 0, 255).astype(np.uint8)
    return FacePhoto(identity, pixels, layout, f"synthetic:{seed}")
