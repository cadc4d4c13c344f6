"""The `challenge` cue: did the face perform each scripted action, in its window, on cue?

Each action is read from the mesh as a change from the face's own baseline (the lead-in and the
frames outside the step's window), so neither the camera's angle nor the person's resting pose
matters:
- turn_left / turn_right: yaw from `pose_from_mesh` (yaw > 0 turns the nose to the image's
  right, the subject's own left in an unmirrored camera);
- look_up: pitch;
- come_closer: the eye-corner distance in pixels grows (the face nears the camera);
- blink_twice: two closures of blink length, from the eyelid aspect ratio or the eye
  opening's darkness (`unmask.liveness.eyes`);
- smile: the mouth widens and its corners rise, both against the eye-corner distance.
An action must reach its threshold inside its window (plus a short grace for the end of a
movement) and must rise by most of the threshold after the prompt appears: a recording that
happens to turn at about the right time still shows the turn started before the prompt.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from unmask.liveness.eyes import _merge, eye_aspect_ratio, find_blinks
from unmask.types import CueScore, Face

if TYPE_CHECKING:
    from unmask.liveness.challenge import ChallengeStep

CUE = "challenge"
# Change from baseline that counts as the action. The mesh reads about half of a lab head
# turn's yaw (a 20 degree turn of the lab's relief reads about 10): the thresholds sit below
# what a deliberate action gives and above involuntary motion (0.2-1.5 degree std).
THRESHOLDS = {
    "turn_left": 5.0,  # degrees of yaw
    "turn_right": 5.0,
    "look_up": 5.0,  # degrees of pitch
    "come_closer": 0.10,  # relative growth of the eye-corner distance
    "smile": 0.06,  # mouth widening plus corner lift, relative to the mouth's width
    "blink_twice": 2.0,  # blinks
}
UNITS = {
    "turn_left": "deg",
    "turn_right": "deg",
    "look_up": "deg",
    "come_closer": "ratio",
    "smile": "ratio",
    "blink_twice": "blinks",
}
# A blink asked for falls where it is expected, so one frame below the closed level counts
# even at 30 fps (the eyes cue, looking for spontaneous blinks anywhere, wants 40 ms).
SHORTEST_BLINK_S = 0.02
# Closures closer than this are one blink seen by two signals a frame apart, not two blinks.
BLINK_GAP_S = 0.1
GRACE_S = 0.4  # an action finishing just after its window still counts
ONSET_S = 0.15  # no one reacts to a prompt faster than this (simple reaction ~0.2 s)
RISE = 0.75  # share of the threshold the action must rise by after the prompt
MIN_COVER = 0.5  # share of a window's frames that must show the face
EYE_CORNERS = (33, 263)
MOUTH_CORNERS = (61, 291)
LIP_MIDDLE = (13, 14)  # inner upper and lower lip on the midline


def features(faces: Sequence[Face | None]) -> dict[str, NDArray[np.float64]]:
    """Per frame: yaw, pitch (degrees), eye-corner distance (px), mouth width and mouth-corner
    lift over the eye-corner distance, EAR; NaN where no mesh was found."""
    names = ("yaw", "pitch", "size", "mouth", "lift", "ear")
    out = {name: np.full(len(faces), np.nan) for name in names}
    for i, face in enumerate(faces):
        if face is None or face.mesh is None or face.pose is None:
            continue
        mesh = np.asarray(face.mesh, dtype=np.float64)
        eyes = float(np.linalg.norm(mesh[EYE_CORNERS[1], :2] - mesh[EYE_CORNERS[0], :2]))
        mouth = float(np.linalg.norm(mesh[MOUTH_CORNERS[1], :2] - mesh[MOUTH_CORNERS[0], :2]))
        out["yaw"][i] = face.pose.yaw
        out["pitch"][i] = face.pose.pitch
        out["size"][i] = eyes
        out["mouth"][i] = mouth / eyes if eyes > 0 else np.nan
        corners = mesh[list(MOUTH_CORNERS), 1].mean()
        out["lift"][i] = (mesh[list(LIP_MIDDLE), 1].mean() - corners) / eyes if eyes > 0 else np.nan
        out["ear"][i] = eye_aspect_ratio(mesh)
    return out


def blinks_in(
    times: NDArray[np.float64],
    ear: NDArray[np.float64],
    contrast: Sequence[float | None],
) -> list[tuple[float, float]]:
    """Blinks seen by the eyelid points or by the eye opening's darkness, counted once (closures
    under BLINK_GAP_S apart are one blink)."""
    seen = ~np.isnan(ear)
    mesh_blinks = find_blinks(ear[seen], times[seen], SHORTEST_BLINK_S) if seen.sum() >= 4 else []
    dark = np.array([c if c is not None else np.nan for c in contrast], dtype=np.float64)
    ok = ~np.isnan(dark)
    pixel_blinks = find_blinks(dark[ok], times[ok], SHORTEST_BLINK_S) if ok.sum() >= 4 else []
    blinks: list[tuple[float, float]] = []
    for start, duration in _merge(mesh_blinks, pixel_blinks):
        if blinks and start - sum(blinks[-1]) < BLINK_GAP_S:
            blinks[-1] = (blinks[-1][0], max(sum(blinks[-1]), start + duration) - blinks[-1][0])
        else:
            blinks.append((start, duration))
    return blinks


def change(kind: str, values: dict[str, NDArray[np.float64]], base: dict[str, float]) -> Any:
    """The action's signal as a change from baseline (NaN where unseen)."""
    if kind == "turn_left":
        return values["yaw"] - base["yaw"]
    if kind == "turn_right":
        return base["yaw"] - values["yaw"]
    if kind == "look_up":
        return values["pitch"] - base["pitch"]
    if kind == "come_closer":
        return values["size"] / base["size"] - 1.0
    # smile: the mouth widens and its corners rise (zygomaticus major, AU12)
    widening = values["mouth"] - base["mouth"]
    return (widening + values["lift"] - base["lift"]) / base["mouth"]


def judge_step(
    step: ChallengeStep,
    times: NDArray[np.float64],
    values: dict[str, NDArray[np.float64]],
    blinks: list[tuple[float, float]],
    others: NDArray[np.bool_],
) -> dict[str, Any]:
    """One step's evidence: peak change, when, whether it started after the prompt, passed."""
    threshold = THRESHOLDS[step.kind]
    window = (times >= step.start) & (times <= step.end + GRACE_S)
    seen = window & ~np.isnan(values["yaw"])
    inside = (times >= step.start) & (times <= step.end)
    report: dict[str, Any] = {
        "kind": step.kind,
        "window": [step.start, step.end],
        "threshold": threshold,
        "unit": UNITS[step.kind],
    }
    cover = float(seen[inside].mean()) if inside.any() else 0.0
    report["face_seen"] = round(cover, 3)
    if cover < MIN_COVER:
        return {**report, "passed": False, "margin": 0.0, "why": "face not seen in the window"}
    if step.kind == "blink_twice":
        starts = [s for s, _ in blinks if step.start + ONSET_S <= s <= step.end + GRACE_S]
        report["blinks_at"] = [round(s, 3) for s in starts]
        count = len(starts)
        passed = count >= threshold
        margin = 1.5 if passed else count / threshold  # a count is met or not: no near miss
        why = None if passed else f"{count} blink(s) seen in the window, 2 asked"
        return {**report, "peak": count, "passed": passed, "margin": margin, "why": why}
    baseline_frames = others & ~np.isnan(values["yaw"])
    if baseline_frames.sum() < 3:
        baseline_frames = ~np.isnan(values["yaw"])
    base = {name: float(np.nanmedian(v[baseline_frames])) for name, v in values.items()}
    signal = change(step.kind, values, base)
    peak_index = int(np.nanargmax(np.where(seen, signal, np.nan)))
    peak = float(signal[peak_index])
    early = seen & (times < step.start + ONSET_S)
    at_prompt = float(np.nanmedian(signal[early])) if early.any() else float("nan")
    report.update(
        {
            "peak": round(peak, 4),
            "peak_at": round(float(times[peak_index]), 3),
            "at_prompt": None if math.isnan(at_prompt) else round(at_prompt, 4),
        }
    )
    margin = peak / threshold
    if peak < threshold:
        return {**report, "passed": False, "margin": margin, "why": "not performed in the window"}
    if not math.isnan(at_prompt) and peak - at_prompt < RISE * threshold:
        return {
            **report,
            "passed": False,
            "margin": min(margin, 0.5),
            "why": "already under way when the prompt appeared",
        }
    return {**report, "passed": True, "margin": margin, "why": None}


def actions_cue(
    steps: Sequence[ChallengeStep],
    times: NDArray[np.float64],
    faces: Sequence[Face | None],
    contrast: Sequence[float | None],
) -> CueScore:
    """Score = the weakest step's margin through a logistic (1 at twice the threshold, 0.5 at
    it); a step not performed, or under way before its prompt, scores below 0.5."""
    values = features(faces)
    seen = ~np.isnan(values["yaw"])
    if not seen.any():
        return CueScore(CUE, None, reason="no face with a mesh: the actions cannot be read")
    blinks = blinks_in(times, values["ear"], contrast)
    reports = []
    for step in steps:
        others = np.ones(len(times), dtype=bool)
        others &= ~((times >= step.start) & (times <= step.end + GRACE_S))
        reports.append(judge_step(step, times, values, blinks, others))
    scores = [
        (0.5 + 0.5 * math.tanh(2.0 * (r["margin"] - 1.0)))
        if r["passed"]
        else min(0.45, 0.45 * r["margin"])
        for r in reports
    ]
    for report, score in zip(reports, scores, strict=True):
        report["margin"] = round(float(report["margin"]), 3)
        report["score"] = round(float(score), 4)
    failed = [r for r in reports if not r["passed"]]
    reason = (
        "; ".join(
            f"{r['kind']} {r['window'][0]:.1f}-{r['window'][1]:.1f} s: {r['why']}" for r in failed
        )
        if failed
        else None
    )
    return CueScore(
        CUE,
        round(float(min(scores)), 4),
        confidence=round(float(seen.mean()), 4),
        reason=reason,
        evidence={
            "steps": reports,
            "passed": len(reports) - len(failed),
            "asked": len(reports),
            "blinks_at": [round(s, 3) for s, _ in blinks],
        },
    )
