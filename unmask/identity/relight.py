"""SIMULATED side lighting of a real face photo, shaded from the face's own 468-point mesh.

Used to measure how recognition holds up when a face is lit from one side (see
benchmarks/recognition_light.py); what it makes is a simulation, never real data. Each mesh
point's normal comes from the mesh triangulated in the image plane; a distant light at
`azimuth` degrees (positive: from the image's right) shades it Lambertian-style, the shading is
interpolated over the face and continued as a ramp over the rest of the picture, and the photo
is multiplied by it in linear light. What it leaves out: cast shadows (the nose's on the cheek),
specular highlights and the light's colour.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

SRGB_GAMMA = 2.2


def mesh_normals(mesh: NDArray[np.float32]) -> NDArray[np.float64]:
    """Unit normals, facing the camera, in (x right, y up, z towards the camera)."""
    from scipy.spatial import Delaunay

    xy = mesh[:, :2].astype(np.float64)
    points = np.c_[xy[:, 0], -xy[:, 1], -mesh[:, 2].astype(np.float64)]
    triangles = Delaunay(xy).simplices
    faces = np.cross(
        points[triangles[:, 1]] - points[triangles[:, 0]],
        points[triangles[:, 2]] - points[triangles[:, 0]],
    )
    faces *= np.where(faces[:, 2:3] < 0, -1.0, 1.0)
    normals = np.zeros_like(points)
    for corner in range(3):
        np.add.at(normals, triangles[:, corner], faces)
    return normals / np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-9)


def shading_map(
    shape: tuple[int, int], mesh: NDArray[np.float32], azimuth: float, elevation: float = 0.0
) -> NDArray[np.float32]:
    """Per-pixel light falling on the picture (0 dark to 1 fully lit)."""
    from scipy.interpolate import LinearNDInterpolator

    height, width = shape
    a, e = np.radians(azimuth), np.radians(elevation)
    light = np.array([np.sin(a) * np.cos(e), np.sin(e), np.cos(a) * np.cos(e)])
    shade = np.clip(mesh_normals(mesh) @ light, 0.0, 1.0)
    xy = mesh[:, :2].astype(np.float64)
    ys, xs = np.mgrid[0:height, 0:width]
    inside = LinearNDInterpolator(xy, shade)(xs, ys)
    # Hair, neck and background: a vertical cylinder around the face, so the shading runs on
    # past the mesh's edge instead of stopping at it.
    centre, half = xy[:, 0].mean(), max(float(np.ptp(xy[:, 0])) / 2.0, 1.0)
    across = np.clip((xs - centre) / (1.2 * half), -1.0, 1.0)
    cylinder = np.clip(across * light[0] + np.sqrt(1.0 - across**2) * light[2], 0.0, 1.0)
    weight = cv2.GaussianBlur((~np.isnan(inside)).astype(np.float32), (0, 0), half / 8.0)
    shading = weight * np.nan_to_num(inside) + (1.0 - weight) * cylinder
    return cv2.GaussianBlur(shading.astype(np.float32), (0, 0), max(1.0, half / 30.0))


def relight(
    image: NDArray[np.uint8],
    mesh: NDArray[np.float32],
    azimuth: float,
    *,
    ambient: float = 0.03,
    elevation: float = 0.0,
    gain: float = 1.4,
) -> NDArray[np.uint8]:
    """The photo as if lit by one distant light from `azimuth` degrees, plus `ambient`."""
    shading = ambient + (1.0 - ambient) * shading_map(image.shape[:2], mesh, azimuth, elevation)
    linear = (image.astype(np.float32) / 255.0) ** SRGB_GAMMA
    lit = np.clip(linear * (gain * shading)[..., None], 0.0, 1.0) ** (1.0 / SRGB_GAMMA)
    return (lit * 255.0 + 0.5).astype(np.uint8)
