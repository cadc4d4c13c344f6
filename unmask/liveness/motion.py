"""Motion cue: does the face deform like a living face, or move as a plane or a rigid shell?

From the 468-point mesh of a track we fit the rigid (3-D similarity) head motion on points that
move with the skull, then measure what the rigid motion does not explain:
- planarity: on the points that do not take part in expressions, we compare how well a 2-D
  homography (a plane seen by a camera) and a rigid 3-D view of the face explain each frame.
  A print or screen turning in depth fits the plane better (ratio <= 0.67); a head turning in
  depth shows parallax that only the 3-D view explains (ratio >= 1.25). A still face fits both
  about equally and says nothing;
- non-rigid residual in mouth, cheeks and brows (read on the frames facing the reference pose,
  where the mesh's guessed depth cannot make a head turn look like one), and the play of the
  inner-lip gap (speech): a rigid mask or a print has none beyond landmark jitter; a living face
  may also show none for a while, so the absence of expression only counts as strongly as its
  duration makes it unlikely for a living face;
- mask signatures when the wearer moves the mouth: cheeks that follow too little (coupling),
  or late (lag), compared with the mouth; how much more smoothly they change (roughness) is
  reported as evidence only.
Too short or too still a track is inconclusive: a still face proves nothing either way.
Thresholds are physical rules of thumb in units of the inter-ocular distance (IOD), to be
calibrated by fusion; every measurement is in the evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from unmask.face.mesh import (
    BROWS,
    CHEEKS,
    EYELIDS,
    LEFT_OUTER_CORNER,
    LOWER_LIP_INNER,
    MESH_POINTS,
    MOUTH,
    RIGHT_OUTER_CORNER,
    RIGID_ANCHORS,
    UPPER_LIP_INNER,
)
from unmask.liveness.features.geometry import (
    homography_residual,
    rotation_angle_deg,
    similarity_fit,
    weak_perspective_fit,
)
from unmask.types import CueScore, Face, Track

CUE = "motion"
MIN_FRAMES = 8
MIN_SECONDS = 0.5
DEFORM_IOD = 0.02  # non-rigid motion beyond this share of the IOD counts as expression
LIP_GAP_IOD = 0.04
LIP_GAP_SCALE_IOD = 0.005
"""Speech opens and closes the lips. The inner-lip gap is read in the face's own frame: the
lower lip's offset from the upper along the face's vertical, minus what the rigid head view
predicts, so turning or nodding does not open it. Its 10-90 % range over the clip scores as
speech on a logistic centred at 0.04 of the outer-eye-corner distance (about 4 mm) with a
0.005 scale: SIMULATED silicone masks, which pass on 20-60 % of their wearer's expressions,
low-passed, reached 0.030 over 10 s (build seed 3000, 8 calibration clips; a centre at 0.03
gave that mask 0.51 and raised the colour `medium` threshold from 0.86 to 0.96), and there
this gives 0.13. The mouth's mean residual misses speech: averaged over some 40 mouth points,
most on the outer lip line that barely moves, it stayed at 0.016-0.018 IOD on three of eleven
REAL GRID talkers (3 s) whose gap ranged 0.030-0.067 (all eleven 0.030-0.098); SIMULATED
prints, rigid and silicone masks of the build seed (17 clips) ranged 0.006-0.023 over 3 s."""
LIP_GAP_NOISE = 6.0
"""A gap range under this many landmark-noise units could be jitter alone (two points' noise
spans about 3 units between its 10th and 90th percentiles)."""
LIP_GAP_MAX_ROTATION_DEG = 5.0
"""Above this much head rotation (90th percentile) the gap is not read: the lips' depth is the
mesh's guess, and an error of 0.1 IOD in it moves their projected gap by 0.1 sin(rotation),
under 0.01 IOD below 5 deg but 0.02-0.03 IOD at the 10-20 deg of a head-turn challenge, the
size of speech itself (SIMULATED rigid masks answering pose challenges, 11-16 deg, reached
0.035-0.054). The GRID talkers turned 1.4-4 deg."""
DEFORM_MAX_ROTATION_DEG = LIP_GAP_MAX_ROTATION_DEG
"""Deformation is read on the frames turned less than this from the reference pose (on every
frame when those are too few: `facing_frames`), for the reason above: the whole mesh's depth is
a guess, and on a turned head its error leaves residuals the size of an expression. SIMULATED
rigid masks answering pose challenges (build seed 3100, 11-16 deg) read 0.019-0.040
IOD over all frames and 0.006-0.013 over the frames within 5 deg; the living faces answering
the same challenges read 0.014-0.037 there, and REAL GRID talkers (under 5 deg) are unchanged.
A rigid mask that turned its head as asked had passed `medium` on it (fresh seed 5454). A head
that mostly looks elsewhere is read on every frame, as before: the 8 of 56 frames of a REAL
stage track (hamilton, 28 deg) that faced the camera showed too little of its singing to count,
and it was refused; so was a 0.63 s one whose 12 facing frames (0.4 s) showed less of it. The
masks answering challenges faced it in 70-90 of 98 frames (15 fps), the living faces in 45 or
more."""
FACING_SHARE = 1.0 / 3.0
EXPRESSION_GAP_S = 4.0  # mean time between expressions of a user facing a kiosk (assumption)
STILL_ROTATION_DEG = 2.0
STILL_TRANSLATION_IOD = 0.05
# Plane-vs-head RMS ratio beyond which one model is believed. Asymmetric: landmark jitter alone
# lets the 8-parameter homography beat the 6-parameter head a little (lab bona fide clips with
# under 1 deg of head rotation reached 0.78), so the plane must win by more before it accuses.
HEAD_WINS = 1.25
PLANE_WINS = 0.67
MAX_LAG_S = 0.5


def _sigmoid(x: float) -> float:
    return float(0.5 * (1.0 + np.tanh(0.5 * x)))


def _meshes(faces: Sequence[Face]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    usable = [
        f for f in faces if f.mesh is not None and np.asarray(f.mesh).shape == (MESH_POINTS, 3)
    ]
    meshes = np.array([np.asarray(f.mesh, dtype=np.float64) for f in usable]).reshape(
        -1, MESH_POINTS, 3
    )
    times = np.array([f.timestamp for f in usable], dtype=np.float64)
    return meshes, times


def _template(meshes: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per-point median of all meshes aligned rigidly to the first: a neutral reference face."""
    anchors = list(RIGID_ANCHORS)
    aligned = []
    for mesh in meshes:
        scale, rotation, translation = similarity_fit(mesh[anchors], meshes[0][anchors])
        aligned.append((scale * (rotation @ mesh.T)).T + translation)
    return np.asarray(np.median(np.array(aligned), axis=0))


def _lag_seconds(lead: NDArray[np.float64], follow: NDArray[np.float64], dt: float) -> float:
    """Delay of `follow` behind `lead` at the cross-correlation peak (positive = follows late)."""
    a, b = lead - lead.mean(), follow - follow.mean()
    if a.std() < 1e-12 or b.std() < 1e-12:
        return 0.0
    max_shift = max(1, int(round(MAX_LAG_S / dt)))
    shifts = range(-max_shift, max_shift + 1)
    corr = [
        float(np.dot(a[max(0, -s) : len(a) - max(0, s)], b[max(0, s) : len(b) - max(0, -s)]))
        for s in shifts
    ]
    return float(list(shifts)[int(np.argmax(corr))] * dt)


def _relative_roughness(
    series: NDArray[np.float64], reference: NDArray[np.float64]
) -> float | None:
    """Frame-to-frame change over overall spread of `series`, relative to `reference`'s.

    A mask low-passes the deformation it passes on, so its cheeks change more smoothly than the
    wearer's mouth; a living face's cheeks are about as rough as its mouth. Evidence only: it is
    not yet checked on enough real data to score with.
    """
    if len(series) < 4 or series.std() < 1e-9 or reference.std() < 1e-9:
        return None
    rough = np.diff(series).std() / series.std()
    reference_rough = np.diff(reference).std() / reference.std()
    return round(float(rough / reference_rough), 3) if reference_rough > 0 else None


def facing_frames(angles: NDArray[np.float64], frame_s: float) -> NDArray[np.bool_]:
    """The frames deformation is read on: those within DEFORM_MAX_ROTATION_DEG of the reference
    pose, or every frame when they would not make a readable track of their own (MIN_FRAMES
    lasting MIN_SECONDS) or are fewer than FACING_SHARE of the frames (a head that mostly looks
    elsewhere: its few facing frames are no sample of its expressions)."""
    facing = angles < DEFORM_MAX_ROTATION_DEG
    count = int(facing.sum())
    enough = count >= max(MIN_FRAMES, FACING_SHARE * len(angles)) and count * frame_s >= MIN_SECONDS
    return facing if enough else np.ones(len(angles), dtype=bool)


def measure_motion(faces: Sequence[Face]) -> dict[str, Any]:
    """Raw motion measurements of a face sequence (all distances in IOD units)."""
    meshes, times = _meshes(faces)
    template = _template(meshes)
    iod = (
        float(np.linalg.norm(template[RIGHT_OUTER_CORNER, :2] - template[LEFT_OUTER_CORNER, :2]))
        or 1.0
    )
    anchors = list(RIGID_ANCHORS)
    regions = {"mouth": list(MOUTH), "cheeks": list(CHEEKS), "brows": list(BROWS)}
    residual: dict[str, list[float]] = {name: [] for name in (*regions, "anchors")}
    expressive = set(MOUTH) | set(CHEEKS) | set(BROWS) | set(EYELIDS)
    stable = [i for i in range(MESH_POINTS) if i not in expressive]
    angles, shifts, plane_rms, rigid_rms, lip_gap = [], [], [], [], []
    centre = template[:, :2].mean(axis=0)
    for mesh in meshes:
        camera, translation, rotation = weak_perspective_fit(template[anchors], mesh[anchors, :2])
        predicted = template @ camera.T + translation
        error = np.linalg.norm(mesh[:, :2] - predicted, axis=1) / iod
        residual["anchors"].append(float(np.median(error[anchors])))
        for name, index in regions.items():
            residual[name].append(float(np.mean(error[index])))
        seen = mesh[LOWER_LIP_INNER, :2] - mesh[UPPER_LIP_INNER, :2]
        rigid = predicted[LOWER_LIP_INNER] - predicted[UPPER_LIP_INNER]
        down = camera[:, 1] / max(float(np.linalg.norm(camera[:, 1])), 1e-9)
        lip_gap.append(float((seen - rigid) @ down) / iod)
        angles.append(rotation_angle_deg(rotation))
        shifts.append(float(np.linalg.norm(predicted.mean(axis=0) - centre)) / iod)
        plane_rms.append(homography_residual(template[stable], mesh[stable]) / iod)
        rigid_rms.append(
            float(np.sqrt(np.mean(np.sum((mesh[stable, :2] - predicted[stable]) ** 2, axis=1))))
            / iod
        )
    dt = float(np.median(np.diff(times))) if len(times) > 1 else 0.0
    facing = facing_frames(np.array(angles), dt)
    # Jitter is measured on the same frames: on turned frames the guessed depth inflates the
    # anchors' residual too.
    noise = float(np.median(np.array(residual["anchors"])[facing]))
    excess = {name: np.maximum(np.array(residual[name]) - noise, 0.0) for name in regions}
    grid = np.arange(times[0], times[-1] + 1e-9, dt) if dt > 0 else times
    mouth = np.interp(grid, times, excess["mouth"])
    cheeks = np.interp(grid, times, excess["cheeks"])
    peak = {name: float(np.percentile(series[facing], 90)) for name, series in excess.items()}
    return {
        "frames": len(meshes),
        "seconds": round(float(times[-1] - times[0]), 3) if len(times) else 0.0,
        "iod_px": round(iod, 1),
        "landmark_noise_iod": round(noise, 4),
        "rotation_deg_p90": round(float(np.percentile(angles, 90)), 2),
        "translation_iod_p90": round(float(np.percentile(shifts, 90)), 4),
        "deformation_iod_p90": {name: round(value, 4) for name, value in peak.items()},
        "deformation_frames": int(facing.sum()),
        "lip_gap_range_iod": round(
            float(np.percentile(lip_gap, 90) - np.percentile(lip_gap, 10)), 4
        ),
        "plane_fit_rms_iod": round(float(np.mean(plane_rms)), 4),
        "rigid_3d_fit_rms_iod": round(float(np.mean(rigid_rms)), 4),
        "plane_vs_3d_ratio": round(
            float(np.mean(plane_rms)) / max(float(np.mean(rigid_rms)), 1e-9), 3
        ),
        "cheek_mouth_coupling": round(peak["cheeks"] / peak["mouth"], 3)
        if peak["mouth"] > 0
        else None,
        "cheek_lag_s": round(_lag_seconds(mouth, cheeks, dt), 3) if dt > 0 else None,
        "cheek_roughness_vs_mouth": _relative_roughness(cheeks, mouth),
    }


def motion_cue(track: Track | Sequence[Face]) -> CueScore:
    """Score a track: low for planar or rigid-only motion or lagging cheeks, high for a face that
    deforms naturally; None when the track is too short, lacks meshes, or is too still."""
    faces = track.faces if isinstance(track, Track) else tuple(track)
    meshes, times = _meshes(faces)
    seconds = float(times[-1] - times[0]) if len(times) else 0.0
    if len(meshes) < MIN_FRAMES or seconds < MIN_SECONDS:
        return CueScore(
            CUE,
            None,
            reason=f"too short: {len(meshes)} frames with a mesh over {seconds:.2f} s "
            f"(need {MIN_FRAMES} over {MIN_SECONDS} s)",
            evidence={"frames": len(meshes), "seconds": round(seconds, 3)},
        )
    m = measure_motion(faces)
    deform = max(m["deformation_iod_p90"].values())
    noise = m["landmark_noise_iod"]
    moving = (
        m["rotation_deg_p90"] >= STILL_ROTATION_DEG
        or m["translation_iod_p90"] >= STILL_TRANSLATION_IOD
    )
    lip_gap = m["lip_gap_range_iod"]
    readable = lip_gap >= LIP_GAP_NOISE * noise and m["rotation_deg_p90"] < LIP_GAP_MAX_ROTATION_DEG
    speech = _sigmoid((lip_gap - LIP_GAP_IOD) / LIP_GAP_SCALE_IOD) if readable else 0.0
    expressive = deform >= max(DEFORM_IOD, 3.0 * noise)
    ratio = max(m["plane_vs_3d_ratio"], 1e-6)
    planarity_informative = ratio >= HEAD_WINS or ratio <= PLANE_WINS
    if not moving and not expressive and speech < 0.5 and not planarity_informative:
        return CueScore(
            CUE, None, reason="too still: no head motion or expression to judge", evidence=m
        )
    parts: dict[str, float] = {}
    if planarity_informative:
        parts["planarity"] = _sigmoid(float(np.log(ratio / np.sqrt(HEAD_WINS * PLANE_WINS))) / 0.1)
    if expressive:
        parts["deformation"] = _sigmoid((deform - DEFORM_IOD) / (0.25 * DEFORM_IOD))
    else:
        # No expression yet. A living face shows one every EXPRESSION_GAP_S on average, so the
        # chance of none in `seconds` is exp(-seconds / gap); a rigid mask or print never shows
        # one. With even prior odds that makes P(bona fide | none seen) as below: about 0.44 at
        # 1 s, 0.32 at 3 s, 0.08 at 10 s. A still face is weak evidence that grows with time.
        stay = float(np.exp(-seconds / EXPRESSION_GAP_S))
        parts["deformation"] = stay / (1.0 + stay)
    parts["deformation"] = max(parts["deformation"], speech)
    mouth = m["deformation_iod_p90"]["mouth"]
    if mouth >= 2 * DEFORM_IOD and m["cheek_mouth_coupling"] is not None:
        parts["cheek_coupling"] = _sigmoid((m["cheek_mouth_coupling"] - 0.12) / 0.03)
        if m["cheek_lag_s"] is not None:
            parts["cheek_timing"] = _sigmoid((0.12 - abs(m["cheek_lag_s"])) / 0.03)
    m["sub_scores"] = {name: round(value, 4) for name, value in parts.items()}
    deciding = min(parts, key=lambda name: parts[name])
    score = parts[deciding]
    m["deciding"] = deciding
    confidence = abs(2.0 * score - 1.0) * min(1.0, seconds / 3.0)
    return CueScore(CUE, round(score, 4), confidence=round(confidence, 4), evidence=m)
