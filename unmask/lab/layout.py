"""Where the parts of a face are in one picture, in the few shapes the lab animates.

The renderer needs polygons (oval, eyes, brows, lips), a nose tip and a relief map, not the 468
points themselves: keeping that small contract lets it run on a MediaPipe mesh, on a layout built
from two eye centres, or on synthetic faces in tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from unmask.errors import InputError
from unmask.face.mesh import (
    FACE_OVAL,
    LEFT_BROW,
    LEFT_EYE_OUTLINE,
    LIPS_OUTLINE,
    MESH_POINTS,
    NOSE_TIP,
    RIGHT_BROW,
    RIGHT_EYE_OUTLINE,
)

Points = NDArray[np.float32]

# Mean adult inter-pupillary distance in mm (Dodgson 2004: 61.7 mm women, 64.0 mm men), the ruler
# that turns pixels into millimetres for the depth channel.
IPD_MM = 63.0


@dataclass(frozen=True, eq=False)
class FaceLayout:
    """Face parts in pixels of one image; eyes and brows subject's right first."""

    oval: Points
    right_eye: Points
    left_eye: Points
    right_brow: Points
    left_brow: Points
    lips: Points
    nose_tip: Points

    @property
    def eye_centres(self) -> Points:
        return np.stack([self.right_eye.mean(axis=0), self.left_eye.mean(axis=0)]).astype(
            np.float32
        )

    @property
    def interocular(self) -> float:
        """Eye-centre distance in pixels: the face's scale for every size the lab derives."""
        right, left = self.eye_centres
        return float(np.hypot(*(left - right)))

    @property
    def roll(self) -> float:
        """In-plane angle of the eye line, radians (image y down)."""
        right, left = self.eye_centres
        return float(np.arctan2(left[1] - right[1], left[0] - right[0]))

    def parts(self) -> dict[str, Points]:
        return {
            "oval": self.oval,
            "right_eye": self.right_eye,
            "left_eye": self.left_eye,
            "right_brow": self.right_brow,
            "left_brow": self.left_brow,
            "lips": self.lips,
            "nose_tip": self.nose_tip,
        }

    def transformed(self, affine: NDArray[np.float64]) -> FaceLayout:
        """The same face after a 2x3 affine map of the image (crop, scale, alignment)."""
        moved = {name: apply_affine(points, affine) for name, points in self.parts().items()}
        return FaceLayout(**moved)

    def control_points(self) -> Points:
        """All shape points in one array, the nodes the expression warps move."""
        return np.concatenate(list(self.parts().values())).astype(np.float32)


def apply_affine(points: Points, affine: NDArray[np.float64]) -> Points:
    return (points.astype(np.float64) @ affine[:, :2].T + affine[:, 2]).astype(np.float32)


def layout_from_mesh(mesh: NDArray[np.floating]) -> FaceLayout:
    """Pick the lab's shapes out of a 468-point MediaPipe mesh (x, y in pixels)."""
    points = np.asarray(mesh, dtype=np.float32)
    if points.ndim != 2 or points.shape[0] != MESH_POINTS or points.shape[1] < 2:
        raise InputError(f"face mesh must be ({MESH_POINTS}, 2|3), got {points.shape}")
    xy = points[:, :2]
    return FaceLayout(
        oval=xy[list(FACE_OVAL)],
        right_eye=xy[list(RIGHT_EYE_OUTLINE)],
        left_eye=xy[list(LEFT_EYE_OUTLINE)],
        right_brow=xy[list(RIGHT_BROW)],
        left_brow=xy[list(LEFT_BROW)],
        lips=xy[list(LIPS_OUTLINE)],
        nose_tip=xy[[NOSE_TIP]],
    )


def ellipse(centre: tuple[float, float], axes: tuple[float, float], count: int) -> Points:
    angles = np.linspace(0.0, 2.0 * np.pi, count, endpoint=False)
    return np.stack(
        [centre[0] + axes[0] * np.cos(angles), centre[1] + axes[1] * np.sin(angles)], axis=1
    ).astype(np.float32)


def layout_from_eyes(right_eye: tuple[float, float], left_eye: tuple[float, float]) -> FaceLayout:
    """A face laid out by average adult proportions around two eye centres.

    Proportions in inter-ocular units d (Farkas, Anthropometry of the Head and Face, 1994, rounded):
    eye fissure 0.48 d wide, nose tip 0.75 d and mouth 1.15 d below the eye line, mouth 0.8 d
    wide, face 2.2 d wide from forehead (1.1 d above the eyes) to chin (1.75 d below).
    Used for synthetic faces and whenever only eye positions are known.
    """
    right = np.asarray(right_eye, dtype=np.float64)
    left = np.asarray(left_eye, dtype=np.float64)
    d = float(np.hypot(*(left - right)))
    if d < 4.0:
        raise InputError(f"eyes {d:.1f} px apart: too small a face to animate")
    centre = (right + left) / 2.0
    angle = np.arctan2(left[1] - right[1], left[0] - right[0])
    cos, sin = np.cos(angle) * d, np.sin(angle) * d
    # Face frame (u along the eye line, v down, unit d) to image pixels.
    affine = np.array([[cos, -sin, centre[0]], [sin, cos, centre[1]]])
    brow = np.array([[-0.85, -0.30], [-0.65, -0.40], [-0.40, -0.42], [-0.20, -0.36]])
    brow_low = brow[::-1] + np.array([0.0, 0.08])
    right_brow = np.concatenate([brow, brow_low])
    face = FaceLayout(
        oval=ellipse((0.0, 0.32), (1.1, 1.43), 36),
        right_eye=ellipse((-0.5, 0.0), (0.24, 0.08), 16),
        left_eye=ellipse((0.5, 0.0), (0.24, 0.08), 16),
        right_brow=right_brow.astype(np.float32),
        left_brow=(right_brow * np.array([-1.0, 1.0])).astype(np.float32),
        lips=ellipse((0.0, 1.15), (0.4, 0.15), 20),
        nose_tip=np.array([[0.0, 0.75]], dtype=np.float32),
    )
    return face.transformed(affine)


def polygon_mask(shape: tuple[int, int], polygon: Points, grow: float = 0.0) -> NDArray[np.float32]:
    """Filled polygon as a float mask; `grow` scales it about its centre (1.0 = unchanged)."""
    points = polygon.astype(np.float64)
    if grow:
        centre = points.mean(axis=0)
        points = centre + (points - centre) * grow
    mask = np.zeros(shape, dtype=np.uint8)
    cv2.fillPoly(mask, [np.round(points * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
    return mask.astype(np.float32) / 255.0


def soften(mask: NDArray[np.float32], sigma: float) -> NDArray[np.float32]:
    if sigma <= 0:
        return mask
    return cv2.GaussianBlur(mask, (0, 0), sigma).astype(np.float32)


def skin_mask(layout: FaceLayout, shape: tuple[int, int]) -> NDArray[np.float32]:
    """Face skin: the oval less eyes, brows and lips, with soft edges.

    Hair over the forehead stays in: photos give us no hair line, and pulse on a fringe is a
    known gap the docs state.
    """
    d = layout.interocular
    skin = polygon_mask(shape, layout.oval, grow=0.96)
    for part, grow in ((layout.right_eye, 1.5), (layout.left_eye, 1.5), (layout.lips, 1.15)):
        skin = skin * (1.0 - polygon_mask(shape, part, grow=grow))
    for brow in (layout.right_brow, layout.left_brow):
        skin = skin * (1.0 - polygon_mask(shape, brow, grow=1.3))
    return soften(skin, 0.04 * d)


def head_mask(layout: FaceLayout, shape: tuple[int, int]) -> NDArray[np.float32]:
    """The moving head: the oval grown to take in hair and neck, feathered so the background
    stays still while the head moves."""
    return soften(
        np.clip(polygon_mask(shape, layout.oval, grow=1.35), 0, 1), 0.25 * layout.interocular
    )


def relief(layout: FaceLayout, shape: tuple[int, int]) -> NDArray[np.float32]:
    """Height of the face towards the camera, in pixels, zero off the face.

    An ellipsoid over the oval (0.9 d high at its centre, about 55 mm for a 63 mm eye distance),
    a nose (0.35 d, sigma 0.2 d) and shallow eye sockets (-0.12 d): a coarse face, enough for
    parallax, shading and depth statistics. MediaPipe's own z is not used so synthetic layouts
    and meshes behave alike.
    """
    height, width = shape
    d = layout.interocular
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    centre = layout.oval.mean(axis=0)
    spread = layout.oval - centre
    cos, sin = np.cos(layout.roll), np.sin(layout.roll)
    along = spread[:, 0] * cos + spread[:, 1] * sin
    across = -spread[:, 0] * sin + spread[:, 1] * cos
    half_w, half_h = float(np.abs(along).max()), float(np.abs(across).max())
    dx, dy = xx - centre[0], yy - centre[1]
    u = (dx * cos + dy * sin) / half_w
    v = (-dx * sin + dy * cos) / half_h
    dome = 0.9 * d * np.sqrt(np.clip(1.0 - u * u - v * v, 0.0, 1.0))

    def bump(point: NDArray[np.float32], amplitude: float, sigma: float) -> NDArray[np.float32]:
        r2 = (xx - point[0]) ** 2 + (yy - point[1]) ** 2
        return (amplitude * np.exp(-r2 / (2 * sigma * sigma))).astype(np.float32)

    nose = bump(layout.nose_tip[0], 0.35 * d, 0.2 * d)
    sockets = sum(bump(eye, -0.12 * d, 0.15 * d) for eye in layout.eye_centres)
    inside = polygon_mask(shape, layout.oval, grow=1.02)
    return ((dome + nose + sockets) * soften(inside, 0.05 * d)).astype(np.float32)


def normals(height_map: NDArray[np.float32]) -> NDArray[np.float32]:
    """Unit surface normals (H, W, 3), z towards the camera, of a height map in pixels."""
    gy, gx = np.gradient(height_map)
    n = np.stack([-gx, -gy, np.ones_like(gx)], axis=-1)
    return (n / np.linalg.norm(n, axis=-1, keepdims=True)).astype(np.float32)
