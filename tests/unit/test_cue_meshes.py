"""Synthetic face meshes with known motion, shared by the cue tests, and tests of the geometry
they rely on. The mesh is not a face model: only the index sets the cues read are placed where
MediaPipe puts them; other points fill a face-shaped 3-D surface."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

from unmask.face.mesh import (
    BROWS,
    CHEEKS,
    FOREHEAD,
    LEFT_EAR,
    LEFT_EYE_OUTLINE,
    MESH_POINTS,
    MOUTH,
    NOSE_TIP,
    RIGHT_EAR,
    RIGHT_EYE_OUTLINE,
)
from unmask.liveness.features.geometry import (
    homography_residual,
    rotation_angle_deg,
    similarity_fit,
)
from unmask.types import Box, Face, Track

FACE_PX = 200.0
CENTRE = np.array([320.0, 240.0])
EYE_CENTRES = {"right": (-0.35, -0.2), "left": (0.35, -0.2)}


def _depth(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """Face-like relief in face units, larger = farther: curved cheeks, nose toward the camera."""
    return 0.45 * (x**2 + 0.5 * y**2) - 0.35 * np.exp(-(x**2 + (y - 0.05) ** 2) / 0.04)


def _place(
    points: NDArray[np.float64], index: tuple[int, ...], cx: float, cy: float, rx: float, ry: float
) -> None:
    angles = np.linspace(0, 2 * np.pi, len(index), endpoint=False)
    points[list(index), 0] = cx + rx * np.cos(angles)
    points[list(index), 1] = cy + ry * np.sin(angles)


def _eye(
    points: NDArray[np.float64],
    outline: tuple[int, ...],
    ear: tuple[int, ...],
    side: str,
    openness: float,
) -> None:
    cx, cy = EYE_CENTRES[side]
    # Round the outline in its polygon order (outer corner, lower lid, inner corner, upper lid),
    # so that the contour is a simple closed curve.
    turn = np.linspace(0, 2 * np.pi, len(outline), endpoint=False)
    angles = np.pi - turn if side == "right" else turn
    points[list(outline), 0] = cx + 0.13 * np.cos(angles)
    points[list(outline), 1] = cy + 0.05 * openness * np.sin(angles)
    outward = -1.0 if side == "right" else 1.0
    outer, up1, up2, inner, low1, low2 = ear
    points[outer, :2] = (cx + outward * 0.13, cy)
    points[inner, :2] = (cx - outward * 0.13, cy)
    # MediaPipe pairs the outer upper lid with the outer lower lid, and inner with inner.
    for up, low, dx in ((up1, low2, 0.05), (up2, low1, -0.05)):
        points[up, :2] = (cx + outward * dx, cy - 0.05 * openness)
        points[low, :2] = (cx + outward * dx, cy + 0.05 * openness)


def base_face(openness: float = 1.0, seed: int = 0) -> NDArray[np.float64]:
    """A (468, 3) face in face units (width about 2), before pose and projection."""
    rng = np.random.default_rng(seed)
    points = np.zeros((MESH_POINTS, 3))
    radius, angle = np.sqrt(rng.uniform(0, 1, MESH_POINTS)), rng.uniform(0, 2 * np.pi, MESH_POINTS)
    points[:, 0], points[:, 1] = 0.8 * radius * np.cos(angle), radius * np.sin(angle)
    _place(points, FOREHEAD, 0.0, -0.75, 0.4, 0.12)
    _place(points, BROWS[:10], -0.35, -0.42, 0.18, 0.04)
    _place(points, BROWS[10:], 0.35, -0.42, 0.18, 0.04)
    _place(points, CHEEKS[:16], -0.45, 0.2, 0.15, 0.15)
    _place(points, CHEEKS[16:], 0.45, 0.2, 0.15, 0.15)
    _place(points, MOUTH, 0.0, 0.5, 0.25, 0.08)
    points[NOSE_TIP, :2] = (0.0, 0.05)
    _eye(points, RIGHT_EYE_OUTLINE, RIGHT_EAR, "right", openness)
    _eye(points, LEFT_EYE_OUTLINE, LEFT_EAR, "left", openness)
    points[:, 2] = _depth(points[:, 0], points[:, 1])
    return points


def rotation(yaw: float, pitch: float, roll: float) -> NDArray[np.float64]:
    y, p, r = np.radians([yaw, pitch, roll])
    ry = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    rx = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return rz @ rx @ ry


def project(
    points: NDArray[np.float64],
    yaw: float = 0,
    pitch: float = 0,
    roll: float = 0,
    shift: tuple[float, float] = (0, 0),
) -> NDArray[np.float64]:
    """Weak-perspective camera: rotate, scale to pixels, shift; z kept in pixels as the mesh does."""
    turned = points @ rotation(yaw, pitch, roll).T * (FACE_PX / 2)
    turned[:, :2] += CENTRE + np.asarray(shift)
    return turned


def make_face(
    mesh: NDArray[np.float64], t: float, index: int, iris: NDArray[np.float64] | None = None
) -> Face:
    xy = mesh[:, :2]
    box = Box(
        float(xy[:, 0].min()),
        float(xy[:, 1].min()),
        float(np.ptp(xy[:, 0])),
        float(np.ptp(xy[:, 1])),
    )
    keypoints = np.zeros((6, 2), dtype=np.float32)
    return Face(
        box=box,
        score=0.99,
        keypoints=keypoints,
        mesh=mesh.astype(np.float32),
        iris=iris,
        frame_index=index,
        timestamp=t,
    )


def synth_track(
    seconds: float = 3.0,
    fps: float = 30.0,
    pose: Callable[[float], tuple[float, float, float]] = lambda t: (
        8 * np.sin(2 * np.pi * 0.4 * t),
        4 * np.sin(2 * np.pi * 0.3 * t),
        0.0,
    ),
    deform: Callable[[float, NDArray[np.float64]], NDArray[np.float64]] | None = None,
    noise_px: float = 0.3,
    seed: int = 1,
    openness: Callable[[float], float] = lambda t: 1.0,
    gaze: Callable[[float], float] | None = None,
) -> Track:
    """A 3-D face turning by `pose(t)` (yaw, pitch, roll degrees), deformed by `deform(t, points)`,
    eyelids open by `openness(t)` (1 open, 0 shut), irises shifted by `gaze(t)` eye half-widths."""
    rng = np.random.default_rng(seed)
    faces = []
    for i, t in enumerate(np.arange(0, seconds, 1 / fps)):
        points = base_face(openness=openness(float(t)))
        if deform is not None:
            points = deform(float(t), points)
            points[:, 2] = _depth(points[:, 0], points[:, 1])
        mesh = project(points, *pose(float(t)))
        mesh[:, :2] += rng.normal(0, noise_px, (MESH_POINTS, 2))
        iris = None
        if gaze is not None:
            shift = 0.13 * gaze(float(t))
            ring = [(0, 0), (0.05, 0), (0, -0.05), (-0.05, 0), (0, 0.05)]
            rings = [
                [(cx + shift + dx, cy + dy, -0.02) for dx, dy in ring]
                for cx, cy in EYE_CENTRES.values()
            ]
            iris = (
                project(np.array(rings).reshape(-1, 3), *pose(float(t)))[:, :2]
                .reshape(2, 5, 2)
                .astype(np.float32)
            )
        faces.append(make_face(mesh, float(t), i, iris=iris))
    return Track(1, tuple(faces))


def blinking(times: tuple[float, ...], duration: float = 0.2) -> Callable[[float], float]:
    """Eyelids that close fully for `duration` seconds starting at each of `times`."""

    def openness(t: float) -> float:
        return 0.1 if any(start <= t < start + duration for start in times) else 1.0

    return openness


def talking(
    gain_cheeks: float = 0.5, lag_s: float = 0.0, gain_mouth: float = 1.0
) -> Callable[[float, NDArray[np.float64]], NDArray[np.float64]]:
    """Speech-like mouth opening with cheeks (and brows) following at `gain_cheeks`, `lag_s` late."""

    def opening(t: float) -> float:
        return max(0.0, np.sin(2 * np.pi * 1.3 * t)) ** 2

    def deform(t: float, points: NDArray[np.float64]) -> NDArray[np.float64]:
        out = points.copy()
        lower = [i for i in MOUTH if out[i, 1] > 0.5]
        out[lower, 1] += 0.15 * gain_mouth * opening(t)
        out[list(CHEEKS), 1] -= 0.12 * gain_cheeks * opening(t - lag_s)
        out[list(BROWS), 1] -= 0.05 * gain_cheeks * opening(t - lag_s)
        return out

    return deform


def test_similarity_fit_recovers_a_known_3d_motion() -> None:
    source = base_face()
    target = 1.3 * source @ rotation(10, -5, 3).T + np.array([4.0, -2.0, 1.0])
    scale, rot, shift = similarity_fit(source, target)
    assert scale == pytest.approx(1.3, rel=1e-6)
    assert rotation_angle_deg(rot) == pytest.approx(
        rotation_angle_deg(rotation(10, -5, 3)), abs=1e-6
    )
    assert np.allclose(shift, [4.0, -2.0, 1.0])


def test_homography_explains_a_plane_but_not_a_turning_head() -> None:
    flat = project(base_face())
    h = np.array([[1.05, 0.1, 5.0], [-0.05, 0.95, 3.0], [1e-4, -2e-4, 1.0]])
    warped = np.column_stack([flat[:, :2], np.ones(MESH_POINTS)]) @ h.T
    warped = warped[:, :2] / warped[:, 2:]
    assert homography_residual(flat, warped) < 1e-6
    turned = project(base_face(), yaw=20)
    assert homography_residual(flat, turned) > 1.0
