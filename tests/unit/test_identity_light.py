"""Lighting on a face: the side-asymmetry criterion, the lightness equalisation, and the
simulated side light, on pictures and meshes the tests make themselves."""

from __future__ import annotations

import numpy as np

from unmask.identity.lighting import MIDLINE, equalise, side_asymmetry
from unmask.identity.relight import mesh_normals, relight


def dome_mesh(centre: tuple[float, float] = (60.0, 60.0), radius: float = 40.0) -> np.ndarray:
    """468 points on a half sphere facing the camera (z grows away from it), the midline
    points on its vertical axis."""
    rng = np.random.default_rng(3)
    angle = rng.uniform(0, 2 * np.pi, 468)
    reach = radius * np.sqrt(rng.uniform(0, 0.95, 468))
    x, y = reach * np.cos(angle), reach * np.sin(angle)
    for index, height in zip(MIDLINE, (-0.8, 0.0, 0.8), strict=True):
        x[index], y[index] = 0.0, height * radius
    z = -np.sqrt(np.maximum(radius**2 - x**2 - y**2, 0.0))
    return np.c_[x + centre[0], y + centre[1], z].astype(np.float32)


def test_side_asymmetry_is_small_for_even_light_and_large_for_one_side():
    mesh = dome_mesh()
    even = np.full((120, 120, 3), 128, dtype=np.uint8)
    one_side = even.copy()
    one_side[:, :60] = 20
    assert side_asymmetry(even, mesh) < 0.01
    assert side_asymmetry(one_side, mesh) > 0.5


def test_mesh_normals_of_a_dome_point_outwards_and_towards_the_camera():
    mesh = dome_mesh()
    normals = mesh_normals(mesh)
    assert np.all(normals[:, 2] >= 0)
    right, left = mesh[:, 0] > 80, mesh[:, 0] < 40
    assert normals[right, 0].mean() > 0.4 and normals[left, 0].mean() < -0.4


def test_relight_brightens_the_side_the_light_comes_from():
    mesh = dome_mesh()
    grey = np.full((120, 120, 3), 128, dtype=np.uint8)
    from_right, from_left = relight(grey, mesh, 80.0), relight(grey, mesh, -80.0)
    face_left, face_right = (slice(40, 80), slice(25, 50)), (slice(40, 80), slice(70, 95))
    assert from_right[face_right].mean() > from_right[face_left].mean() + 60
    assert from_left[face_left].mean() > from_left[face_right].mean() + 60
    assert side_asymmetry(from_right, mesh) > 0.3


def test_equalise_lifts_a_shadowed_half_and_keeps_grey_grey():
    rng = np.random.default_rng(5)
    texture = rng.integers(0, 40, (150, 150), dtype=np.uint8)
    chip = np.repeat((texture + 100)[..., None], 3, axis=2).astype(np.uint8)
    chip[:, :75] //= 4
    even = equalise(chip)
    assert even[:, :75].std() > chip[:, :75].std()
    channels = even.astype(int)
    assert np.abs(channels[..., 0] - channels[..., 1]).max() <= 2
