"""Eyes cue: do the eyes live, and do they sit in a face or behind a mask's eye holes?

- Blinks, from the eye aspect ratio (EAR) of the mesh eyelid points, from the iris network's
  refined eyelids (the mesh's own lid points barely move when a real eye closes: on REAL GRID
  clips its EAR never fell below 0.89 of its level through 9 visible blinks, while the refined
  lid gap fell to 0.21-0.41) and, when frames are given, from the eye opening's darkness
  against the skin around it: a print or a rigid replay never blinks; people blink every
  2-10 s for 100-400 ms.
- Iris movement relative to the eye corners: gaze shifts that a print cannot make.
- Eye-hole boundary (needs the frame pixels): a mask's eye hole is a closed edge around the
  eye where painted material meets the wearer's skin; we look for a ring around each eye whose
  inside and outside differ in lightness or colour consistently all the way round, which
  eyebrows and socket shading (one-sided, gradual) do not produce.
A mask wearer's real eyes blink and move, so blinks only rule out prints and replays; the
eye-hole ring is what speaks against a mask. Absence of a ring is weak evidence, presence is strong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from unmask.face.mesh import (
    LEFT_EAR,
    LEFT_EYE,
    LEFT_EYE_OUTLINE,
    LEFT_INNER_CORNER,
    LEFT_OUTER_CORNER,
    MESH_POINTS,
    RIGHT_EAR,
    RIGHT_EYE,
    RIGHT_EYE_OUTLINE,
    RIGHT_INNER_CORNER,
    RIGHT_OUTER_CORNER,
)
from unmask.liveness.actions import EYE_CORNERS, eye_openness
from unmask.types import CueScore, Face, Frame, Track

CUE = "eyes"
MIN_FRAMES = 8
CLOSED_FRACTION = 0.6  # EAR below this share of the open-eye EAR counts as closed
BLINK_SECONDS = (0.04, 0.7)
NO_BLINK_SECONDS = 8.0  # this long without a blink is unusual for a living person
GAZE_RANGE = 0.04  # iris shift (share of eye width) that counts as eye movement
# Ring sizes in eye half-widths and height-to-width ratios: an eye hole is 1.4-2 eye widths wide
# and 2.5-4 eye heights tall (the lab's ranges), so flatter than a circle; the smallest ring
# still clears the eye opening itself, whose own dark outline would otherwise count as a ring.
RING_RADII = np.linspace(1.3, 2.3, 11)
RING_ASPECTS = (0.4, 0.55, 0.7, 0.85)
RING_ANGLES = 72
RING_HALF_PX = 16.0  # eye half-width the eye region is rescaled to before measuring
RING_STEP = 0.06  # half the ring's probe width, in eye half-widths
# Ring strength (edge step over texture) marking an eye hole; real faces measured 0.4-2.6.
RING_THRESHOLD = 3.5
MAX_RING_FRAMES = 5
MIN_EYE_PX = 12.0  # narrower eyes are too few pixels for a darkness reading to mean a blink


def _sigmoid(x: float) -> float:
    return float(0.5 * (1.0 + np.tanh(0.5 * x)))


def _with_mesh(faces: Sequence[Face]) -> list[Face]:
    return [f for f in faces if f.mesh is not None and np.asarray(f.mesh).shape == (MESH_POINTS, 3)]


def eye_aspect_ratio(mesh: NDArray[np.floating]) -> float:
    """Mean EAR of both eyes: eyelid opening over eye width (about 0.25-0.35 open, ~0.05 closed)."""
    ratios = []
    for outer, up1, up2, inner, low1, low2 in (RIGHT_EAR, LEFT_EAR):
        p = np.asarray(mesh, dtype=np.float64)[:, :2]
        vertical = np.linalg.norm(p[up1] - p[low2]) + np.linalg.norm(p[up2] - p[low1])
        width = np.linalg.norm(p[outer] - p[inner])
        ratios.append(float(vertical / (2.0 * width)) if width > 0 else 0.0)
    return float(np.mean(ratios))


def find_blinks(
    openness: NDArray[np.float64],
    times: NDArray[np.float64],
    shortest: float = BLINK_SECONDS[0],
) -> list[tuple[float, float]]:
    """(start time, duration) of each closure of blink length in any eye-openness signal (EAR,
    or the eye's dark-interior contrast); long closures are not blinks, nor closures shorter
    than `shortest` seconds."""
    open_level = float(np.percentile(openness, 90))
    closed = openness < CLOSED_FRACTION * open_level
    step = float(np.median(np.diff(times))) if len(times) > 1 else 0.0
    blinks, start = [], None
    for i, shut in enumerate(np.append(closed, False)):
        if shut and start is None:
            start = i
        elif not shut and start is not None:
            duration = float(times[i - 1] - times[start]) + step
            touches_end = start == 0 or i == len(closed)
            if shortest <= duration <= BLINK_SECONDS[1] and not touches_end:
                blinks.append((float(times[start]), duration))
            start = None
    return blinks


def eye_contrast(image: NDArray[np.uint8], mesh: NDArray[np.floating]) -> float | None:
    """How much darker the eye opening is than the skin around it, as a share of that skin.

    An open eye shows a dark iris, pupil and lash line; a closed one shows eyelid skin. This
    reads a blink from pixels, which catches closures that the mesh's eyelid points under-track
    (the landmark network regularises towards open eyes). None when an eye leaves the frame or
    is narrower than MIN_EYE_PX.
    """
    points = np.asarray(mesh, dtype=np.float64)[:, :2]
    values = []
    for outline in (RIGHT_EYE_OUTLINE, LEFT_EYE_OUTLINE):
        polygon = points[list(outline)]
        width = float(np.ptp(polygon[:, 0]))
        x0, y0 = np.floor(polygon.min(axis=0) - 0.4 * width).astype(int)
        x1, y1 = np.ceil(polygon.max(axis=0) + 0.4 * width).astype(int)
        if width < MIN_EYE_PX or x0 < 0 or y0 < 0 or x1 > image.shape[1] or y1 > image.shape[0]:
            return None
        grey = cv2.cvtColor(np.ascontiguousarray(image[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)
        inside = np.zeros(grey.shape, dtype=np.uint8)
        cv2.fillPoly(inside, [np.round(polygon - (x0, y0)).astype(np.int32)], 1)
        around = (
            cv2.dilate(inside, np.ones((5, 5), np.uint8), iterations=max(1, int(0.15 * width))) == 0
        )
        if not inside.any() or not around.any():
            return None
        skin = float(np.median(grey[around]))
        values.append((skin - float(grey[inside > 0].mean())) / max(skin, 1.0))
    return float(np.mean(values))


def _merge(*sources: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Blinks found by several signals, counting overlapping ones once."""
    merged: list[tuple[float, float]] = []
    for start, duration in sorted(b for blinks in sources for b in blinks):
        if merged and start <= merged[-1][0] + merged[-1][1]:
            last_start, last_duration = merged[-1]
            merged[-1] = (last_start, max(last_duration, start + duration - last_start))
        else:
            merged.append((start, duration))
    return merged


def gaze_range(faces: Sequence[Face]) -> float | None:
    """Spread (5-95 %) of the iris centre along the eye axis, in eye widths; None without iris."""
    positions = []
    for face in faces:
        if face.iris is None or face.mesh is None:
            continue
        iris = np.asarray(face.iris, dtype=np.float64)
        mesh = np.asarray(face.mesh, dtype=np.float64)[:, :2]
        # One face axis for both eyes, so a conjugate gaze shift adds up instead of cancelling.
        axis = mesh[LEFT_OUTER_CORNER] - mesh[RIGHT_OUTER_CORNER]
        axis = axis / (float(np.linalg.norm(axis)) or 1.0)
        shifts = []
        for centre, (outer, inner) in zip(
            iris[:, 0],
            ((RIGHT_OUTER_CORNER, RIGHT_INNER_CORNER), (LEFT_OUTER_CORNER, LEFT_INNER_CORNER)),
            strict=True,
        ):
            width = float(np.linalg.norm(mesh[inner] - mesh[outer]))
            if width > 0:
                shifts.append(float(np.dot(centre - (mesh[inner] + mesh[outer]) / 2, axis)) / width)
        if shifts:
            positions.append(float(np.mean(shifts)))
    if len(positions) < MIN_FRAMES:
        return None
    return float(np.percentile(positions, 95) - np.percentile(positions, 5))


def _sample(
    channel: NDArray[np.float32], xs: NDArray[np.float64], ys: NDArray[np.float64]
) -> NDArray[np.float64]:
    mapped = cv2.remap(
        channel,
        xs.astype(np.float32).reshape(1, -1),
        ys.astype(np.float32).reshape(1, -1),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REFLECT,
    )
    return np.asarray(mapped, dtype=np.float64).ravel()


def _eye_region_lab(
    image: NDArray[np.uint8], points: NDArray[np.float64], half: float
) -> tuple[list[NDArray[np.float32]], NDArray[np.float64]]:
    """Lab channels of the region around both eyes, rescaled so an eye half-width is
    RING_HALF_PX; the ring measure then sees the same texture scale at any face size."""
    eyes = points[list(RIGHT_EYE + LEFT_EYE)]
    margin = (RING_RADII[-1] + 4 * RING_STEP) * half + 2
    x0, y0 = np.floor(eyes.min(axis=0) - margin).astype(int)
    x1, y1 = np.ceil(eyes.max(axis=0) + margin).astype(int)
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, image.shape[1]), min(y1, image.shape[0])
    scale = RING_HALF_PX / half
    region = image[y0:y1, x0:x1]
    size = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
    method = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    lab = cv2.cvtColor(cv2.resize(region, size, interpolation=method), cv2.COLOR_RGB2LAB)
    channels = [np.ascontiguousarray(lab[..., c], dtype=np.float32) for c in range(3)]
    return channels, (points - np.array([x0, y0], dtype=np.float64)) * scale


def _ring_strength(
    channels: list[NDArray[np.float32]], centre: NDArray[np.float64], unit: NDArray[np.float64]
) -> float:
    """Strongest ring over RING_RADII for one eye and one ring shape (`unit`: angle -> offset)."""
    # Every probe point of every ring size at once: (sizes, 4 probes, angles) -> one remap.
    offsets = RING_RADII[:, None] + RING_STEP * np.array([-3.0, -1.0, 1.0, 3.0])[None, :]
    probes = centre + offsets[..., None, None] * RING_HALF_PX * unit[None, None, :, :]
    strength = np.zeros(len(RING_RADII))
    for channel in channels:
        values = _sample(channel, probes[..., 0].ravel(), probes[..., 1].ravel())
        far_in, near_in, near_out, far_out = np.moveaxis(values.reshape(probes.shape[:3]), 1, 0)
        # A step at this radius, minus the local trend: smooth shading changes as much
        # just inside and just outside the ring as across it, and so cancels.
        step = (near_out - near_in) - 0.5 * ((far_out - near_out) + (near_in - far_in))
        along = np.abs(np.diff(near_out, axis=1, append=near_out[:, :1]))
        strength += np.abs(np.median(step, axis=1)) / (np.median(along, axis=1) + 1.0)
    return float(strength.max())


def eye_hole_ring(image: NDArray[np.uint8], mesh: NDArray[np.floating]) -> float | None:
    """Strongest closed-ring edge around the eyes, as edge step over texture (about 0 = none);
    None when the eyes are too small (under 3 px half-width), outside the image, or flat.

    For each eye and ring size, Lab values just outside and just inside the ring are compared at
    every angle; the median step (consistent all round) is divided by the median change between
    neighbouring angles (texture along the ring). The largest value over sizes, averaged over
    both eyes, is returned: a mask's eye hole gives one ring size with a strong, consistent step.
    """
    points = np.asarray(mesh, dtype=np.float64)[:, :2]
    corners = ((RIGHT_OUTER_CORNER, RIGHT_INNER_CORNER), (LEFT_OUTER_CORNER, LEFT_INNER_CORNER))
    half = float(np.mean([np.linalg.norm(points[o] - points[i]) for o, i in corners])) / 2.0
    eyes = points[list(RIGHT_EYE + LEFT_EYE)]
    inside_image = (
        (eyes >= 0).all()
        and (eyes[:, 0] < image.shape[1]).all()
        and (eyes[:, 1] < image.shape[0]).all()
    )
    if half < 3.0 or not inside_image:
        return None
    channels, points = _eye_region_lab(image, points, half)
    if float(channels[0].std()) < 2.0:
        return None  # a flat (black, clipped) region: the eyes are not really visible
    angles = np.linspace(0, 2 * np.pi, RING_ANGLES, endpoint=False)
    per_eye = []
    for contour, (outer, inner) in zip((RIGHT_EYE, LEFT_EYE), corners, strict=True):
        centre = points[list(contour)].mean(axis=0)
        direction = (points[inner] - points[outer]) / (
            float(np.linalg.norm(points[inner] - points[outer])) or 1.0
        )
        normal = np.array([-direction[1], direction[0]])
        best = 0.0
        for aspect in RING_ASPECTS:
            unit = np.outer(np.cos(angles), direction) + aspect * np.outer(np.sin(angles), normal)
            best = max(best, _ring_strength(channels, centre, unit))
        per_eye.append(best)
    return float(np.mean(per_eye))


def _lid_blinks(faces: Sequence[Face]) -> list[tuple[float, float]]:
    """Blinks in the refined eyelids' gap over the inter-ocular distance, read over the faces
    the face stage gave eyelids (all of them when it ran the iris network)."""
    lidded = [f for f in faces if f.eyelids is not None]
    if len(lidded) < MIN_FRAMES:
        return []
    gaps = []
    for face in lidded:
        mesh = np.asarray(face.mesh, dtype=np.float64)[:, :2]
        interocular = float(np.linalg.norm(mesh[EYE_CORNERS[1]] - mesh[EYE_CORNERS[0]]))
        gaps.append(eye_openness(face, interocular) if interocular > 0 else np.nan)
    series = np.asarray(gaps)
    kept = np.isfinite(series)
    if kept.sum() < MIN_FRAMES:
        return []
    times = np.array([f.timestamp for f in lidded], dtype=np.float64)
    return find_blinks(series[kept], times[kept])


def eyes_cue(
    track: Track | Sequence[Face],
    frames: Sequence[Frame] | None = None,
    contrast: Mapping[int, float | None] | None = None,
) -> CueScore:
    """Score the eyes of a track (or a single face with its frame, for stills).

    Sub-scores: blinks (seen -> high; none in NO_BLINK_SECONDS -> low), gaze (moving iris ->
    high), eye-hole ring (strong ring -> very low; none -> mildly high). The lowest decides.
    `frames` are matched to faces by frame index; without them the ring is not measured.
    `contrast` (frame index -> `eye_contrast`) is the eye darkness measured while frames passed,
    for callers that keep only a few frames; without it, it is read from `frames`.
    """
    faces = _with_mesh(track.faces if isinstance(track, Track) else tuple(track))
    if not faces:
        return CueScore(CUE, None, reason="no face with a landmark mesh: eyes cannot be located")
    times = np.array([f.timestamp for f in faces], dtype=np.float64)
    seconds = float(times[-1] - times[0])
    evidence: dict[str, Any] = {"frames": len(faces), "seconds": round(seconds, 3)}
    parts: dict[str, float] = {}
    by_index = {frame.index: frame for frame in frames or ()}
    if len(faces) >= MIN_FRAMES:
        ear = np.array([eye_aspect_ratio(np.asarray(f.mesh)) for f in faces])
        mesh_blinks = find_blinks(ear, times)
        lid_blinks = _lid_blinks(faces)
        evidence["ear_open"] = round(float(np.percentile(ear, 90)), 4)
        evidence["ear_min"] = round(float(ear.min()), 4)
        pixel_blinks: list[tuple[float, float]] = []
        if contrast is None:
            contrast = {
                f.frame_index: eye_contrast(by_index[f.frame_index].image, np.asarray(f.mesh))
                for f in faces
                if f.frame_index in by_index
            }
        seen = [(f.timestamp, contrast[f.frame_index]) for f in faces if f.frame_index in contrast]
        darkness = [(t, c) for t, c in seen if c is not None]
        if len(darkness) >= MIN_FRAMES:
            series = np.array([c for _, c in darkness])
            pixel_blinks = find_blinks(series, np.array([t for t, _ in darkness]))
            evidence["eye_contrast_open"] = round(float(np.percentile(series, 90)), 4)
            evidence["eye_contrast_min"] = round(float(series.min()), 4)
        blinks = _merge(mesh_blinks, lid_blinks, pixel_blinks)
        evidence["blinks"] = len(blinks)
        evidence["blinks_seen_by"] = {
            "mesh": len(mesh_blinks),
            "lids": len(lid_blinks),
            "pixels": len(pixel_blinks),
        }
        evidence["blink_durations_s"] = [round(d, 3) for _, d in blinks]
        if blinks:
            parts["blinks"] = 0.8
        elif seconds >= NO_BLINK_SECONDS:
            parts["blinks"] = 0.2
        spread = gaze_range(faces)
        if spread is not None:
            evidence["gaze_range_eye_widths"] = round(spread, 4)
            if spread >= GAZE_RANGE:
                parts["gaze"] = 0.7
    ring_faces = [f for f in faces if f.frame_index in by_index]
    if ring_faces:
        ranked = sorted(
            ring_faces, key=lambda f: f.quality.score if f.quality else f.score, reverse=True
        )
        measured = [
            eye_hole_ring(by_index[f.frame_index].image, np.asarray(f.mesh))
            for f in ranked[:MAX_RING_FRAMES]
        ]
        rings = [value for value in measured if value is not None]
        if rings:
            ring = float(np.median(rings))
            evidence["eye_hole_ring"] = round(ring, 3)
            parts["eye_hole_ring"] = 0.05 + 0.55 * _sigmoid((RING_THRESHOLD - ring) / 0.3)
        else:
            evidence["eye_hole_ring"] = None
            evidence["eye_hole_ring_reason"] = "eyes too small, outside the frame, or not visible"
    if not parts:
        return CueScore(
            CUE,
            None,
            reason=f"no blink, gaze shift or frame pixels in {seconds:.1f} s: too short to judge the eyes",
            evidence=evidence,
        )
    evidence["sub_scores"] = {name: round(value, 4) for name, value in parts.items()}
    deciding = min(parts, key=lambda name: parts[name])
    evidence["deciding"] = deciding
    score = parts[deciding]
    confidence = abs(2.0 * score - 1.0) * min(
        1.0, max(seconds, 1.0) / NO_BLINK_SECONDS + 0.5 * (deciding == "eye_hole_ring")
    )
    return CueScore(
        CUE, round(score, 4), confidence=round(min(confidence, 1.0), 4), evidence=evidence
    )
