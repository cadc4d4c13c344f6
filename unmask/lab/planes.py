"""Flat attacks: a print or a screen held in front of the camera.

A plane is a texture (the print or the screen content, with alpha for its extent) moved by a 3D
pose and seen through a pinhole camera, so its motion is exactly a homography. Sampling is done
with per-pixel plane coordinates, which is also what makes the screen's pixel grid alias into
moire the way a real camera does.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from unmask.lab.camera import luma
from unmask.lab.motion import smooth_noise

Image = NDArray[np.float32]
Array = NDArray[np.float64]


def background(rng: np.random.Generator, shape: tuple[int, int]) -> Image:
    """A dull room: a lit wall with a vertical gradient, a few soft blocks of furniture."""
    height, width = shape
    base = rng.uniform(0.25, 0.7) * rng.uniform(0.8, 1.0, 3)
    yy = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    image = np.broadcast_to(base * (1.1 - 0.3 * yy), (height, width, 3)).astype(np.float32).copy()
    for _ in range(int(rng.integers(2, 5))):
        x0, y0 = int(rng.uniform(0, width)), int(rng.uniform(0, height))
        w, h = int(rng.uniform(0.1, 0.5) * width), int(rng.uniform(0.1, 0.6) * height)
        image[y0 : y0 + h, x0 : x0 + w] = rng.uniform(0.1, 0.8) * rng.uniform(0.7, 1.0, 3)
    return np.asarray(cv2.GaussianBlur(image, (0, 0), 0.01 * width + 1.0), dtype=np.float32)


@dataclass(frozen=True)
class PlaneMotion:
    """Pose of a held plane per frame; the texture maps to the frame through a homography."""

    focal: float
    texture_size: tuple[int, int]  # (width, height) of the plane texture in its pixels
    scale: float
    tilt_x: Array
    tilt_y: Array
    roll: Array
    dx: Array
    dy: Array

    @classmethod
    def sample(
        cls,
        rng: np.random.Generator,
        times: Array,
        frame_size: tuple[int, int],
        texture_size: tuple[int, int],
        params: dict[str, float],
    ) -> PlaneMotion:
        width, height = frame_size
        tilt = np.deg2rad(params["plane_tilt_deg"])
        direction = rng.uniform(0, 2 * np.pi)
        wobble = np.deg2rad(params["hand_rotation_deg"])
        shift = params["hand_shift_px"]
        fill = min(width / texture_size[0], height / texture_size[1])
        return cls(
            focal=1.1 * width,
            texture_size=texture_size,
            scale=params["plane_scale"] * fill,
            tilt_x=tilt * np.cos(direction) + smooth_noise(rng, times, 1.5, wobble),
            tilt_y=tilt * np.sin(direction) + smooth_noise(rng, times, 1.5, wobble),
            roll=smooth_noise(rng, times, 1.0, 0.6 * wobble) + rng.normal(0, 0.03),
            dx=smooth_noise(rng, times, 1.5, shift) + rng.normal(0, 0.04 * width),
            dy=smooth_noise(rng, times, 1.5, shift) + rng.normal(0, 0.03 * height),
        )

    def pose(self, index: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Rotation and translation (camera frame, units of frame pixels at the focal distance)."""
        rx, ry, rz = self.tilt_x[index], self.tilt_y[index], self.roll[index]
        rot_x = np.array([[1, 0, 0], [0, np.cos(rx), -np.sin(rx)], [0, np.sin(rx), np.cos(rx)]])
        rot_y = np.array([[np.cos(ry), 0, np.sin(ry)], [0, 1, 0], [-np.sin(ry), 0, np.cos(ry)]])
        rot_z = np.array([[np.cos(rz), -np.sin(rz), 0], [np.sin(rz), np.cos(rz), 0], [0, 0, 1]])
        translation = np.array([self.dx[index], self.dy[index], self.focal])
        return rot_z @ rot_y @ rot_x, translation

    def homography(self, index: int, frame_size: tuple[int, int]) -> NDArray[np.float64]:
        """Texture pixel (u, v, 1) -> frame pixel, for frame `index`."""
        rotation, translation = self.pose(index)
        width, height = frame_size
        camera = np.array([[self.focal, 0, width / 2], [0, self.focal, height / 2], [0, 0, 1]])
        tw, th = self.texture_size
        to_plane = np.array(
            [
                [self.scale, 0, -self.scale * tw / 2],
                [0, self.scale, -self.scale * th / 2],
                [0, 0, 1],
            ]
        )
        placed = np.column_stack([rotation[:, 0], rotation[:, 1], translation])
        return camera @ placed @ to_plane

    def depth(self, index: int, frame_size: tuple[int, int]) -> Image:
        """Distance along the optical axis to the plane for every frame pixel, in focal units
        (1.0 = the plane's resting distance)."""
        rotation, translation = self.pose(index)
        width, height = frame_size
        normal = rotation[:, 2]
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
        rays_dot = (
            normal[0] * (xx - width / 2) / self.focal
            + normal[1] * (yy - height / 2) / self.focal
            + normal[2]
        )
        z = float(normal @ translation) / np.where(np.abs(rays_dot) < 1e-6, 1e-6, rays_dot)
        return (z / self.focal).astype(np.float32)


def plane_coordinates(
    homography: NDArray[np.float64], frame_size: tuple[int, int]
) -> tuple[Image, Image]:
    """Texture coordinates (u, v) seen at every frame pixel: the inverse homography."""
    width, height = frame_size
    inverse = np.linalg.inv(homography)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    w = inverse[2, 0] * xx + inverse[2, 1] * yy + inverse[2, 2]
    u = (inverse[0, 0] * xx + inverse[0, 1] * yy + inverse[0, 2]) / w
    v = (inverse[1, 0] * xx + inverse[1, 1] * yy + inverse[1, 2]) / w
    return u.astype(np.float32), v.astype(np.float32)


def sample_plane(texture: Image, u: Image, v: Image) -> Image:
    """Texture (H, W, C) sampled at (u, v); outside it every channel, alpha included, is 0."""
    sampled = cv2.remap(
        texture, u, v, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0
    )
    return np.asarray(sampled, dtype=np.float32)


def print_texture(
    photo: Image, params: dict[str, float], rng: np.random.Generator
) -> tuple[Image, Image]:
    """The target photo printed on paper: gamut squeezed between ink black and paper white,
    desaturated, with a 45-degree halftone screen and paper fibre; returns (RGB, NIR reflectance).

    NIR: paper reflects strongly at 850 nm and most inks keep only part of their contrast there.
    """
    height, width = photo.shape[:2]
    grey = luma(photo)
    saturated = grey[..., None] + params["print_saturation"] * (photo - grey[..., None])
    tint = np.array([1.0, 0.99, 0.96], dtype=np.float32) * rng.uniform(0.97, 1.0, 3).astype(
        np.float32
    )
    black, white = params["ink_black"], params["paper_white"]
    rgb = black + (white - black) * np.clip(saturated, 0, 1) * tint
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    period = params["halftone_period_px"]
    screen = np.cos(2 * np.pi * (xx + yy) / (period * np.sqrt(2))) * np.cos(
        2 * np.pi * (xx - yy) / (period * np.sqrt(2))
    )
    rgb = rgb * (1.0 + params["halftone_depth"] * screen * (1.0 - grey))[..., None]
    fibre = cv2.GaussianBlur(rng.standard_normal((height, width)).astype(np.float32), (0, 0), 1.2)
    fibre = fibre / (fibre.std() + 1e-6) * params["paper_texture"]
    rgb = rgb * (1.0 + fibre)[..., None]
    nir = params["paper_nir"] * (1.0 - params["ink_nir"] * (1.0 - grey)) * (1.0 + fibre)
    return rgb.astype(np.float32), nir.astype(np.float32)


def add_fingers(
    texture: Image, count: int, skin: NDArray[np.float32], rng: np.random.Generator
) -> Image:
    """Fingertips over the lower or side edges of the paper (alpha 1 where a finger is).

    The texture has a margin of transparent pixels round the paper so fingers can overhang it;
    channel 4 marks finger pixels for the thermal channel.
    """
    height, width = texture.shape[:2]
    out = texture.copy()
    for _ in range(count):
        side = int(rng.integers(3))
        finger_w = rng.uniform(0.06, 0.09) * width
        length = rng.uniform(0.1, 0.18) * height
        if side == 0:
            cx, cy, axes, angle = (
                rng.uniform(0.2, 0.8) * width,
                height * 0.93,
                (finger_w / 2, length),
                0.0,
            )
        else:
            cx = width * (0.07 if side == 1 else 0.93)
            cy, axes, angle = rng.uniform(0.4, 0.85) * height, (length, finger_w / 2), 0.0
        mask = np.zeros((height, width), dtype=np.uint8)
        cv2.ellipse(
            mask, ((float(cx), float(cy)), (2 * axes[0], 2 * axes[1]), angle), 255, -1, cv2.LINE_AA
        )
        alpha = cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), 1.0)[..., None]
        shade = 0.85 + 0.15 * np.linspace(1, 0, height, dtype=np.float32)[:, None, None]
        finger = np.concatenate(
            [
                np.broadcast_to(skin * shade, (height, width, 3)),
                np.ones((height, width, 2), np.float32),
            ],
            axis=2,
        )
        out = (out * (1 - alpha) + finger * alpha).astype(np.float32)
    return out


def screen_texture(content: Image, params: dict[str, float], bezel: float) -> Image:
    """Replayed frame as the screen shows it: display gamma against sRGB's 2.2, a shifted white
    point, raised black, then a dark bezel round the active area (RGB + alpha + 0 finger)."""
    light = cv2.pow(np.clip(content, 0, 1), params["screen_gamma"] / 2.2)
    white = np.array([params["white_red"], 1.0, params["white_blue"]], dtype=np.float32)
    black = params["screen_black"]
    shown = black + (1.0 - black) * light * white
    height, width = shown.shape[:2]
    rim = int(round(bezel * max(height, width)))
    canvas = np.zeros((height + 2 * rim, width + 2 * rim, 5), dtype=np.float32)
    canvas[..., :3] = 0.06
    canvas[..., 3] = 1.0
    canvas[rim : rim + height, rim : rim + width, :3] = shown
    return canvas


def pixel_grid(u: Image, v: Image, pitch: float, depth: float) -> Image:
    """The screen's RGB-stripe pixel grid seen at each camera pixel: a point-sampled pattern
    whose beat against the camera's own sampling is the moire a real camera records."""
    phase = np.float32(2 * np.pi / pitch) * u
    cos, sin = np.cos(phase), np.sin(phase)
    row = np.float32(0.6) + np.float32(0.2) * (1 + np.cos(np.float32(2 * np.pi / pitch) * v))
    # cos(phase - 2 pi c / 3) per sub-pixel column c, from one cos and one sin.
    shifts = [(np.cos(2 * np.pi * c / 3), np.sin(2 * np.pi * c / 3)) for c in range(3)]
    stripes = np.stack(
        [0.5 + 0.5 * (cos * np.float32(a) + sin * np.float32(b)) for a, b in shifts], axis=-1
    )
    return (np.float32(1.0 - depth) + np.float32(depth * 1.6) * stripes * row[..., None]).astype(
        np.float32
    )


def refresh_bands(
    shape: tuple[int, int], t: float, refresh_hz: float, amplitude: float, fps: float
) -> Image:
    """Rolling-shutter bands: each row is read a little later, so screen refresh or PWM shows
    as horizontal bands drifting at the aliased rate."""
    height = shape[0]
    line_time = 0.9 / (fps * height)
    rows = t + np.arange(height, dtype=np.float64) * line_time
    return (1.0 + amplitude * np.cos(2 * np.pi * refresh_hz * rows)).astype(np.float32)[
        :, None, None
    ]


def glare(
    shape: tuple[int, int], u: Image, v: Image, strength: float, spot: tuple[float, float, float]
) -> Image:
    """A soft reflection of a room light fixed on the screen surface (it moves with the plane)."""
    if strength <= 0:
        return np.zeros((*shape, 1), dtype=np.float32)
    cx, cy, radius = spot
    return (strength * np.exp(-((u - cx) ** 2 + (v - cy) ** 2) / (2 * radius**2)))[
        ..., None
    ].astype(np.float32)
