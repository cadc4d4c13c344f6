"""The `challenge` cue: did the face perform each scripted action, in its window, on cue?

Each action is read from the mesh as a change from the face's own baseline (the lead-in and the
frames outside the step's window), so neither the camera's angle nor the person's resting pose
matters:
- turn_left / turn_right: yaw from `pose_from_mesh` (yaw > 0 turns the nose to the image's
  right, the subject's own left in an unmirrored camera);
- look_up: pitch;
- come_closer: the eye-corner distance in pixels grows (the face nears the camera);
- blink_twice: two closures of blink length of the eyelid gap (the iris network's eyelids, over
  the inter-ocular distance), against the person's open eyes in the lead-in, with hysteresis;
- smile: the mouth widens and its corners rise, both over the eye-corner distance.
An action must reach its threshold inside its window (plus a short grace for the end of a
movement) and must rise by the whole threshold after the prompt appears: a recording that
happens to turn at about the right time still shows the turn started before the prompt.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from unmask.face.mesh import LEFT_EYE, LIP_MIDDLE, MOUTH_CORNERS, RIGHT_EYE
from unmask.types import CueScore, Face

if TYPE_CHECKING:
    from unmask.liveness.challenge import ChallengeStep

CUE = "challenge"
# Change from baseline that counts as the action. Pose and size: 1.5 times the largest
# involuntary change over a step-long window of 11 seated speakers (REAL, GRID: yaw 3.2 deg,
# pitch 4.2 deg, eye-corner distance +3.6 %); smile: the 5th percentile of posed smiles (REAL,
# FRL London smiling against neutral photos of 102 people), since talking moves the mouth as
# much as a smile (GRID: up to 0.13) and no threshold separates the two. Reproduce with
# `benchmarks/challenge.py real`; docs/challenge.md tells the rest.
THRESHOLDS = {
    "turn_left": 5.0,  # degrees of yaw
    "turn_right": 5.0,
    "look_up": 6.5,  # degrees of pitch
    "come_closer": 0.055,  # relative growth of the eye-corner distance
    "smile": 0.02,  # mouth widening plus corner lift, over the inter-ocular distance
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
# Eye openness relative to the person's own open eyes: an eye is closed below CLOSED and open
# again only above REOPENED (hysteresis: noise around one level cannot count twice). On GRID
# (REAL) blinks fall to 0.21-0.41 of the open level and the same 9 blinks are found for any
# CLOSED from 0.55 to 0.65 (0.7 loses one and adds a false one); the upper end, since blinks
# seen at lower resolution read shallower (the lab's: 0.5-0.65).
CLOSED = 0.65
REOPENED = 0.8
LONGEST_BLINK_S = 0.7  # a longer closure is eyes shut, not a blink
BASELINE_S = 0.5  # the lead-in before the first prompt gives the resting face
GRACE_S = 0.4  # an action finishing just after its window still counts
ONSET_S = 0.15  # no one reacts to a prompt faster than this (simple reaction ~0.2 s)
MIN_COVER = 0.5  # share of a window's frames that must show the face
EYE_CORNERS = (33, 263)
# Upper and lower lid points facing each other, as positions in RIGHT_EYE / LEFT_EYE order
# (160-144, 159-145, 158-153 on the right eye).
LID_PAIRS = ((11, 3), (12, 4), (13, 5))


def lid_points(face: Face) -> NDArray[np.float64]:
    """(2, 16, 2) eyelid contours: the iris network's where the face stage ran it (they follow
    a closing lid), else the face mesh's own eye points."""
    if face.eyelids is not None:
        return np.asarray(face.eyelids, dtype=np.float64)[..., :2]
    mesh = np.asarray(face.mesh, dtype=np.float64)[:, :2]
    return np.stack([mesh[list(RIGHT_EYE)], mesh[list(LEFT_EYE)]])


def eye_openness(face: Face, interocular: float) -> float:
    """Mean lid gap of both eyes over the inter-ocular distance (eye-corner distance)."""
    lids = lid_points(face)
    gaps = [np.linalg.norm(lids[e, up] - lids[e, low]) for e in (0, 1) for up, low in LID_PAIRS]
    return float(np.mean(gaps)) / interocular


def features(faces: Sequence[Face | None]) -> dict[str, NDArray[np.float64]]:
    """Per frame: yaw, pitch (degrees), eye-corner distance (px), mouth width and mouth-corner
    lift over the eye-corner distance, eye openness; NaN where no mesh was found."""
    names = ("yaw", "pitch", "size", "mouth", "lift", "open")
    out = {name: np.full(len(faces), np.nan) for name in names}
    for i, face in enumerate(faces):
        if face is None or face.mesh is None or face.pose is None:
            continue
        mesh = np.asarray(face.mesh, dtype=np.float64)
        eyes = float(np.linalg.norm(mesh[EYE_CORNERS[1], :2] - mesh[EYE_CORNERS[0], :2]))
        if eyes <= 0:
            continue
        mouth = float(np.linalg.norm(mesh[MOUTH_CORNERS[1], :2] - mesh[MOUTH_CORNERS[0], :2]))
        out["yaw"][i] = face.pose.yaw
        out["pitch"][i] = face.pose.pitch
        out["size"][i] = eyes
        out["mouth"][i] = mouth / eyes
        corners = mesh[list(MOUTH_CORNERS), 1].mean()
        out["lift"][i] = (mesh[list(LIP_MIDDLE), 1].mean() - corners) / eyes
        out["open"][i] = eye_openness(face, eyes)
    return out


def resting(values: NDArray[np.float64], times: NDArray[np.float64], lead_in: float) -> float:
    """The person's own level: the median over the lead-in before the first prompt (at least
    three frames), else over every frame."""
    seen = ~np.isnan(values)
    first = seen & (times < lead_in)
    return float(np.median(values[first if first.sum() >= 3 else seen]))


def find_blinks(
    openness: NDArray[np.float64], times: NDArray[np.float64], open_level: float
) -> list[tuple[float, float]]:
    """(start, duration) of each closure: openness falls under CLOSED of the open level and
    rises back over REOPENED of it within LONGEST_BLINK_S. Frames without a face are skipped."""
    blinks: list[tuple[float, float]] = []
    start: float | None = None
    for t, value in zip(times, openness / open_level, strict=True):
        if np.isnan(value):
            continue
        if start is None and value < CLOSED:
            start = float(t)
        elif start is not None and value > REOPENED:
            if t - start <= LONGEST_BLINK_S:
                blinks.append((start, float(t) - start))
            start = None
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
    # smile: the mouth widens and its corners rise (zygomaticus major, AU12), both already
    # over the inter-ocular distance, so neither face size nor distance matters
    return values["mouth"] - base["mouth"] + values["lift"] - base["lift"]


def judge_step(
    step: ChallengeStep,
    times: NDArray[np.float64],
    values: dict[str, NDArray[np.float64]],
    blinks: list[tuple[float, float]],
    others: NDArray[np.bool_],
) -> dict[str, Any]:
    """One step's evidence: peak change, when, whether it rose after the prompt, passed."""
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
    # The lowest point between the earliest possible reaction and the peak: an action begun
    # before the prompt (a recording) rises little from it; a spontaneous expression that
    # fades before the asked one rises does not count against the person.
    before = seen & (times >= step.start + ONSET_S) & (times <= times[peak_index])
    low = float(np.nanmin(signal[before])) if before.any() else peak
    early = seen & (times < step.start + ONSET_S)
    at_prompt = float(np.nanmedian(signal[early])) if early.any() else float("nan")
    report.update(
        {
            "peak": round(peak, 4),
            "peak_at": round(float(times[peak_index]), 3),
            "at_prompt": None if math.isnan(at_prompt) else round(at_prompt, 4),
            "rise": round(peak - low, 4),
        }
    )
    margin = peak / threshold
    if peak < threshold:
        return {**report, "passed": False, "margin": margin, "why": "not performed in the window"}
    if peak - low < threshold:
        return {
            **report,
            "passed": False,
            "margin": min(margin, 0.5),
            "why": "already under way when the prompt appeared",
        }
    return {**report, "passed": True, "margin": margin, "why": None}


def actions_cue(
    steps: Sequence[ChallengeStep], times: NDArray[np.float64], faces: Sequence[Face | None]
) -> CueScore:
    """Score = the weakest step's margin through a logistic (1 at twice the threshold, 0.5 at
    it); a step not performed, or under way before its prompt, scores below 0.5."""
    values = features(faces)
    seen = ~np.isnan(values["yaw"])
    if not seen.any():
        return CueScore(CUE, None, reason="no face with a mesh: the actions cannot be read")
    lead_in = min((step.start for step in steps), default=BASELINE_S)
    open_level = resting(values["open"], times, lead_in)
    blinks = find_blinks(values["open"], times, open_level)
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
            "eye_openness_open": round(open_level, 4),
            "eye_openness_min": round(float(np.nanmin(values["open"])), 4),
        },
    )
