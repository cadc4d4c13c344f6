"""Channel cues: thermal, near-infrared and depth frames registered to the colour frames.

In-memory API: each channel is a 2-D array covering the same field of view as the colour frame,
at any resolution (a 160x120 thermal camera beside a 640x480 colour one is fine); face geometry
comes from the colour-frame `Face` and is scaled to the channel's size. Units:
- thermal: degrees Celsius (float);
- nir: reflectance at 850 nm under active illumination, 0-1 (a calibrated sensor; a raw one
  needs its gain divided out first);
- depth: millimetres from the camera, 0 or NaN where the sensor has no value.
What each can tell: depth separates planar prints and screens from anything face-shaped (masks
pass); thermal separates living skin (warm, warm inner eye corners, cool nose) from paper,
screens and mask shells (cooler, uniform, warm only at the eye holes); NIR separates skin from
screens (dark), paper and silicone or resin (brighter than skin), and shows the mask's eye holes
as real skin among another material. A channel that is absent is inconclusive, never a failure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from unmask.errors import InputError
from unmask.face.mesh import LEFT_EYE, MESH_POINTS, MOUTH, RIGHT_EYE
from unmask.liveness.sensors import CHANNEL_NAMES
from unmask.types import CueScore, Face

# Points of a face frame in inter-ocular units: u from the subject's right eye to the left eye,
# v perpendicular, towards the mouth; origin between the eyes.
FACE_POINTS: dict[str, tuple[float, float]] = {
    "right_canthus": (-0.22, 0.02),
    "left_canthus": (0.22, 0.02),
    "nose_tip": (0.0, 0.62),
    "right_cheek": (-0.55, 0.7),
    "left_cheek": (0.55, 0.7),
    "forehead": (0.0, -0.5),
    "right_below_eye": (-0.5, 0.2),
    "left_below_eye": (0.5, 0.2),
}
DISC_IOD = 0.06  # sampling disc radius
SKIN_C = (32.0, 37.5)
# Skin reflects 0.45-0.60 at 850 nm; the band is wider because an active-illumination image also
# carries inverse-square gain (a face at 40 cm reads brighter than at 60 cm) and shading.
SKIN_NIR = (0.35, 0.72)
MIN_IOD_PX = 6.0  # in the channel's own pixels
MAX_TRACK_SAMPLES = 10


def _sigmoid(x: float) -> float:
    return float(0.5 * (1.0 + np.tanh(0.5 * x)))


def _band_score(value: float, band: tuple[float, float], softness: float) -> float:
    """High inside `band`, falling smoothly outside it."""
    low, high = band
    return min(_sigmoid((value - low) / softness), _sigmoid((high - value) / softness))


def _face_frame(face: Face) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """(origin, u, v) in colour-frame pixels; u and v are one inter-ocular distance long."""
    if face.mesh is not None and np.asarray(face.mesh).shape == (MESH_POINTS, 3):
        mesh = np.asarray(face.mesh, dtype=np.float64)[:, :2]
        right, left = mesh[list(RIGHT_EYE)].mean(axis=0), mesh[list(LEFT_EYE)].mean(axis=0)
        mouth = mesh[list(MOUTH)].mean(axis=0)
    else:
        points = np.asarray(face.keypoints, dtype=np.float64)
        right, left, mouth = points[0], points[1], points[3]
    origin = (right + left) / 2
    u = left - right
    v = np.array([-u[1], u[0]])
    if np.dot(v, mouth - origin) < 0:
        v = -v
    return origin, u, v


def _scale(channel: NDArray[Any], frame_shape: tuple[int, int]) -> NDArray[np.float64]:
    height, width = frame_shape[:2]
    if height <= 0 or width <= 0:
        raise InputError(f"colour frame shape must be positive, got {frame_shape}")
    return np.array([channel.shape[1] / width, channel.shape[0] / height])


def sample_points(
    channel: NDArray[Any], face: Face, frame_shape: tuple[int, int]
) -> dict[str, float]:
    """Median channel value in a small disc at each FACE_POINTS place (NaN where nothing valid).

    Zero counts as invalid only for depth-like integer maps; NaN is always invalid.
    """
    values = np.asarray(channel, dtype=np.float64)
    if np.issubdtype(np.asarray(channel).dtype, np.integer):
        values = np.where(values > 0, values, np.nan)
    scale = _scale(channel, frame_shape)
    origin, u, v = _face_frame(face)
    radius = max(1.0, DISC_IOD * float(np.linalg.norm(u * scale)))
    out = {}
    reach = int(np.ceil(radius))
    for name, (a, b) in FACE_POINTS.items():
        cx, cy = (origin + a * u + b * v) * scale
        x0, y0 = max(int(np.floor(cx)) - reach, 0), max(int(np.floor(cy)) - reach, 0)
        x1 = min(int(np.ceil(cx)) + reach + 1, values.shape[1])
        y1 = min(int(np.ceil(cy)) + reach + 1, values.shape[0])
        yy, xx = np.mgrid[y0:y1, x0:x1]
        picked = values[y0:y1, x0:x1][(xx - cx) ** 2 + (yy - cy) ** 2 <= radius**2]
        picked = picked[np.isfinite(picked)]
        out[name] = float(np.median(picked)) if picked.size else float("nan")
    return out


def _check(
    channel: NDArray[Any] | None, name: str, face: Face, frame_shape: tuple[int, int]
) -> CueScore | None:
    """A CueScore saying why the channel cannot be judged, or None when it can."""
    if channel is None:
        return CueScore(name, None, reason=f"no {name} channel given")
    array = np.asarray(channel)
    if array.ndim != 2 or array.size == 0:
        raise InputError(f"{name} channel must be a 2-D array (H, W), got shape {array.shape}")
    _, u, _ = _face_frame(face)
    iod = float(np.linalg.norm(u * _scale(array, frame_shape)))
    if iod < MIN_IOD_PX:
        return CueScore(
            name, None, reason=f"face spans {iod:.1f} px of the {name} image: too small to sample"
        )
    return None


def depth_cue(depth: NDArray[Any] | None, face: Face, frame_shape: tuple[int, int]) -> CueScore:
    """Relief of the nose over the cheeks-and-forehead plane: about 15-40 mm on a face or mask,
    about 0 on a print or screen, however it is tilted."""
    refusal = _check(depth, "depth", face, frame_shape)
    if refusal is not None or depth is None:
        return refusal or CueScore("depth", None, reason="no depth channel given")
    points = sample_points(depth, face, frame_shape)
    support = ["right_cheek", "left_cheek", "forehead", "right_below_eye", "left_below_eye"]
    valid = [name for name in support if np.isfinite(points[name])]
    if len(valid) < 3 or not np.isfinite(points["nose_tip"]):
        return CueScore(
            "depth",
            None,
            reason="too few valid depth pixels on the face",
            evidence={"samples_mm": _rounded(points)},
        )
    # Plane through the support points in face-frame coordinates (least squares when over-determined).
    design = np.array([[FACE_POINTS[n][0], FACE_POINTS[n][1], 1.0] for n in valid])
    coef, *_ = np.linalg.lstsq(design, np.array([points[n] for n in valid]), rcond=None)
    a, b = FACE_POINTS["nose_tip"]
    relief = float(coef @ np.array([a, b, 1.0]) - points["nose_tip"])
    score = _sigmoid((relief - 8.0) / 2.0)
    evidence = {
        "nose_relief_mm": round(relief, 1),
        "face_distance_mm": round(float(np.nanmedian(list(points.values()))), 1),
        "samples_mm": _rounded(points),
    }
    return CueScore(
        "depth", round(score, 4), confidence=round(abs(2 * score - 1), 4), evidence=evidence
    )


def thermal_cue(thermal: NDArray[Any] | None, face: Face, frame_shape: tuple[int, int]) -> CueScore:
    """Living skin temperature and pattern: skin 32-37.5 C, inner eye corners warmest, nose cooler.

    A mask shell is cooler with eye holes far warmer than it (more than 2.5 C above the
    cheeks and forehead); paper sits near room temperature; a screen can be warm but lacks the
    pattern.
    """
    refusal = _check(thermal, "thermal", face, frame_shape)
    if refusal is not None or thermal is None:
        return refusal or CueScore("thermal", None, reason="no thermal channel given")
    t = sample_points(thermal, face, frame_shape)
    skin = float(np.nanmedian([t["right_cheek"], t["left_cheek"], t["forehead"]]))
    canthus = float(np.nanmax([t["right_canthus"], t["left_canthus"]]))
    if not (np.isfinite(skin) and np.isfinite(canthus)):
        return CueScore(
            "thermal",
            None,
            reason="no valid thermal pixels on the face",
            evidence={"samples_c": _rounded(t)},
        )
    canthus_excess = canthus - skin
    nose_drop = skin - t["nose_tip"] if np.isfinite(t["nose_tip"]) else 0.0
    parts = {
        "skin_temperature": _band_score(skin, SKIN_C, 0.5),
        # 0.2-2.5 C warmer corners: living; none: paper or screen; far more: holes in a cool shell.
        "canthus_pattern": min(
            _sigmoid((canthus_excess - 0.2) / 0.1), _sigmoid((2.5 - canthus_excess) / 0.3)
        ),
        "nose_cooler": _sigmoid((nose_drop - 0.2) / 0.15),
    }
    deciding = min(parts, key=lambda name: parts[name])
    score = parts[deciding]
    evidence = {
        "skin_c": round(skin, 2),
        "canthus_excess_c": round(canthus_excess, 2),
        "nose_drop_c": round(float(nose_drop), 2),
        "sub_scores": {name: round(value, 4) for name, value in parts.items()},
        "deciding": deciding,
        "samples_c": _rounded(t),
    }
    return CueScore(
        "thermal", round(score, 4), confidence=round(abs(2 * score - 1), 4), evidence=evidence
    )


def nir_cue(nir: NDArray[Any] | None, face: Face, frame_shape: tuple[int, int]) -> CueScore:
    """850 nm reflectance of the cheeks inside skin's band (0.35-0.72); the skin at the inner eye
    corners matching the cheeks (a mask's eye holes show skin among a brighter material); the
    nose tip brighter than the cheeks (shading of a 3-D face under the sensor's own light;
    prints and screens are flat). Screens are dark at 850 nm, paper bright."""
    refusal = _check(nir, "nir", face, frame_shape)
    if refusal is not None or nir is None:
        return refusal or CueScore("nir", None, reason="no nir channel given")
    r = sample_points(nir, face, frame_shape)
    # Cheeks, not forehead: hair and brows darken the forehead sample at 850 nm. The inner eye
    # corners lie inside any mask's eye hole, so they show the wearer's own skin.
    face_level = float(np.nanmedian([r["right_cheek"], r["left_cheek"]]))
    periocular = float(np.nanmedian([r["right_canthus"], r["left_canthus"]]))
    if not (np.isfinite(face_level) and np.isfinite(periocular)):
        return CueScore(
            "nir", None, reason="no valid NIR pixels on the face", evidence={"samples": _rounded(r)}
        )
    ratio = periocular / face_level if face_level > 0 else float("inf")
    parts = {
        "skin_reflectance": _band_score(face_level, SKIN_NIR, 0.02),
        "periocular_match": _sigmoid((ratio - 0.85) / 0.03),
    }
    # Under a light at the camera, the nose tip (closer, facing it) reads brighter than the
    # cheeks on anything face-shaped; a print or screen is flat, so it does not.
    relief = r["nose_tip"] / face_level if face_level > 0 and np.isfinite(r["nose_tip"]) else None
    if relief is not None:
        parts["shading_relief"] = _sigmoid((relief - 1.07) / 0.01)
    deciding = min(parts, key=lambda name: parts[name])
    score = parts[deciding]
    evidence = {
        "face_reflectance": round(face_level, 4),
        "canthus_over_cheeks": round(ratio, 3),
        "nose_over_cheeks": round(relief, 3) if relief is not None else None,
        "sub_scores": {name: round(value, 4) for name, value in parts.items()},
        "deciding": deciding,
        "samples": _rounded(r),
    }
    return CueScore(
        "nir", round(score, 4), confidence=round(abs(2 * score - 1), 4), evidence=evidence
    )


CUES = dict(zip(CHANNEL_NAMES, (thermal_cue, nir_cue, depth_cue), strict=True))


def channel_cues(
    faces: Face | Sequence[Face],
    frame_shape: tuple[int, int],
    channels: Mapping[str, NDArray[Any] | Sequence[NDArray[Any]] | None],
) -> dict[str, CueScore]:
    """Every channel cue for one face (one map per channel) or a track (one map per face).

    For a track, up to MAX_TRACK_SAMPLES evenly spaced faces are scored and the median score
    kept, so one bad frame does not decide. Channels not given come back inconclusive.
    """
    track = [faces] if isinstance(faces, Face) else list(faces)
    unknown = set(channels) - set(CUES)
    if unknown:
        raise InputError(f"unknown channel(s) {sorted(unknown)}: use {sorted(CUES)}")
    out = {}
    for name, cue in CUES.items():
        given = channels.get(name)
        if given is None or not track:
            out[name] = (
                cue(None, track[0], frame_shape)
                if track
                else CueScore(name, None, reason="no face")
            )
            continue
        maps = [given] if isinstance(given, np.ndarray) and given.ndim == 2 else list(given)
        if len(maps) != len(track):
            raise InputError(
                f"{name}: {len(maps)} maps for {len(track)} faces; give one map per face"
            )
        picks = np.unique(
            np.linspace(0, len(track) - 1, min(len(track), MAX_TRACK_SAMPLES)).round().astype(int)
        )
        scores = [cue(maps[i], track[i], frame_shape) for i in picks]
        out[name] = median_cue(name, scores)
    return out


def median_cue(name: str, scores: list[CueScore]) -> CueScore:
    """The median of a track's per-frame answers (first one if none is conclusive), so a single
    odd frame neither passes nor fails a track; shared by every per-frame cue."""
    conclusive = [s for s in scores if s.score is not None]
    if not conclusive:
        return scores[0]
    ordered = sorted(conclusive, key=lambda s: float(s.score or 0.0))
    middle = ordered[len(ordered) // 2]
    evidence = dict(middle.evidence)
    evidence["frames_scored"] = len(conclusive)
    evidence["score_range"] = [ordered[0].score, ordered[-1].score]
    return CueScore(name, middle.score, confidence=middle.confidence, evidence=evidence)


def _rounded(values: Mapping[str, float]) -> dict[str, float | None]:
    return {k: (round(v, 3) if np.isfinite(v) else None) for k, v in values.items()}
