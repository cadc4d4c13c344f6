"""Point-set alignment used by the motion and eye cues."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def similarity_fit(
    source: NDArray[np.floating], target: NDArray[np.floating]
) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
    """Least-squares similarity (Umeyama): target ~ scale * R @ source + t, for 2-D or 3-D points.

    Returns (scale, R, t). Reflections are excluded, so a mirrored point set is not explained.
    """
    src = np.asarray(source, dtype=np.float64)
    dst = np.asarray(target, dtype=np.float64)
    mu_s, mu_d = src.mean(axis=0), dst.mean(axis=0)
    cs, cd = src - mu_s, dst - mu_d
    cov = cd.T @ cs / len(src)
    u, singular, vt = np.linalg.svd(cov)
    sign = np.ones(len(singular))
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[-1] = -1.0
    rotation = u @ np.diag(sign) @ vt
    variance = (cs**2).sum() / len(src)
    scale = float((singular * sign).sum() / variance) if variance > 0 else 1.0
    translation = mu_d - scale * rotation @ mu_s
    return scale, rotation, translation


def rotation_angle_deg(rotation: NDArray[np.float64]) -> float:
    """Angle of a 3-D rotation matrix, in degrees."""
    cosine = np.clip((np.trace(rotation) - 1.0) / 2.0, -1.0, 1.0)
    return float(np.degrees(np.arccos(cosine)))


def weak_perspective_fit(
    model: NDArray[np.floating], observed_xy: NDArray[np.floating]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Best scaled-orthographic camera viewing 3-D `model` points as 2-D `observed_xy`.

    Only image positions are trusted: a mesh's z is the network's guess, and on a tilted print it
    need not turn with the paper. The affine camera is solved by least squares, then its two rows
    are made orthogonal and equally long, so foreshortening can only come from turning the 3-D
    model, which brings the parallax a plane lacks. Returns (camera (2, 3), translation (2,),
    rotation (3, 3)); any model point p projects to camera @ p + translation.
    """
    pts = np.asarray(model, dtype=np.float64)
    obs = np.asarray(observed_xy, dtype=np.float64)[:, :2]
    mean_p, mean_o = pts.mean(axis=0), obs.mean(axis=0)
    affine, *_ = np.linalg.lstsq(pts - mean_p, obs - mean_o, rcond=None)
    u, singular, vt = np.linalg.svd(affine.T, full_matrices=False)
    rows = u @ vt
    rotation = np.vstack([rows, np.cross(rows[0], rows[1])])
    camera = singular.mean() * rows
    return camera, mean_o - camera @ mean_p, rotation


def homography_residual(source: NDArray[np.floating], target: NDArray[np.floating]) -> float:
    """RMS error of the best 2-D homography (DLT, normalised) mapping source xy to target xy.

    Points on a plane seen by a camera map exactly by a homography; a 3-D face turning in depth
    does not (parallax), which is how a print or screen gives itself away.
    """
    src = np.asarray(source, dtype=np.float64)[:, :2]
    dst = np.asarray(target, dtype=np.float64)[:, :2]
    ts = _normaliser(src)
    td = _normaliser(dst)
    a = _apply(ts, src)
    b = _apply(td, dst)
    x, y, u, v = a[:, 0], a[:, 1], b[:, 0], b[:, 1]
    zero, one = np.zeros_like(x), np.ones_like(x)
    rows = np.concatenate(
        [
            np.column_stack([-x, -y, -one, zero, zero, zero, u * x, u * y, u]),
            np.column_stack([zero, zero, zero, -x, -y, -one, v * x, v * y, v]),
        ]
    )
    _, _, vt = np.linalg.svd(rows, full_matrices=False)
    h = np.linalg.inv(td) @ vt[-1].reshape(3, 3) @ ts
    mapped = _apply(h, src)
    return float(np.sqrt(np.mean(np.sum((mapped - dst) ** 2, axis=1))))


def _normaliser(points: NDArray[np.float64]) -> NDArray[np.float64]:
    """Hartley normalisation: centre on the mean, mean distance sqrt(2), for a stable DLT."""
    centre = points.mean(axis=0)
    spread = np.sqrt(np.mean(np.sum((points - centre) ** 2, axis=1))) or 1.0
    s = np.sqrt(2.0) / spread
    return np.array([[s, 0, -s * centre[0]], [0, s, -s * centre[1]], [0, 0, 1.0]])


def _apply(h: NDArray[np.float64], points: NDArray[np.float64]) -> NDArray[np.float64]:
    homogeneous = np.column_stack([points, np.ones(len(points))]) @ h.T
    return np.asarray(homogeneous[:, :2] / homogeneous[:, 2:3])
