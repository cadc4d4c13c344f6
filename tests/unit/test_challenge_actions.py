"""Known-answer tests of the action detectors on synthetic meshes with scripted actions."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.unit.test_cue_meshes import base_face, blinking, synth_track
from unmask.face.mesh import LEFT_EYE, RIGHT_EYE
from unmask.face.pose import pose_from_mesh
from unmask.liveness.actions import actions_cue
from unmask.liveness.challenge import ChallengeStep
from unmask.types import CueScore

WINDOW = ChallengeStep("turn_left", 1.0, 3.0)


def bump(onset: float, ramp: float = 0.3, hold: float = 0.8) -> Callable[[float], float]:
    """0 -> 1 -> 0: an action starting at `onset`."""

    def shape(t: float) -> float:
        rise = np.clip((t - onset) / ramp, 0, 1)
        fall = np.clip((onset + 2 * ramp + hold - t) / ramp, 0, 1)
        return float(min(rise, fall))

    return shape


def check(kind: str, **track: object) -> CueScore:
    faces = synth_track(seconds=4.0, fps=15.0, **track).faces  # type: ignore[arg-type]
    faces = tuple(dataclasses.replace(f, pose=pose_from_mesh(np.asarray(f.mesh))) for f in faces)
    times = np.array([f.timestamp for f in faces])
    step = dataclasses.replace(WINDOW, kind=kind)
    return actions_cue([step], times, list(faces))


def turning(degrees: float, onset: float = 1.5) -> Callable[[float], tuple[float, float, float]]:
    """The synthetic mesh's yaw > 0 swings the nose to the image's left (the subject's right)."""
    shape = bump(onset)
    return lambda t: (degrees * shape(t), 0.0, 0.0)


def widen_mouth(amount: float, onset: float = 1.5) -> Callable[[float, NDArray], NDArray]:
    shape = bump(onset)

    def deform(t: float, points: NDArray) -> NDArray:
        out = points.copy()
        half = 0.25 * (1 + amount * shape(t))
        out[61, :2], out[291, :2] = (-half, 0.5), (half, 0.5)
        return out

    return deform


def scale_face(amount: float, onset: float = 1.5) -> Callable[[float, NDArray], NDArray]:
    """The whole face grows (comes closer), mouth corners included."""
    shape = bump(onset)

    def deform(t: float, points: NDArray) -> NDArray:
        out = still_mouth(t, points)
        out[:, :2] *= 1 + amount * shape(t)
        return out

    return deform


def still_mouth(t: float, points: NDArray) -> NDArray:
    out = points.copy()
    out[61, :2], out[291, :2] = (-0.25, 0.5), (0.25, 0.5)
    return out


def test_turns_are_read_with_their_direction() -> None:
    right = check("turn_right", pose=turning(15))
    assert right.score is not None and right.score > 0.5
    step = right.evidence["steps"][0]
    assert step["passed"] and 1.5 < step["peak_at"] < 2.8
    assert step["peak"] > 10  # a 15 degree turn, read from the mesh
    wrong = check("turn_left", pose=turning(15))
    assert wrong.score is not None and wrong.score < 0.5
    assert "not performed" in wrong.reason
    left = check("turn_left", pose=turning(-15))
    assert left.score is not None and left.score > 0.5


def test_look_up_reads_pitch_and_ignores_a_still_face() -> None:
    up = check("look_up", pose=lambda t: (0.0, -12 * bump(1.5)(t), 0.0))
    down = check("look_up", pose=lambda t: (0.0, 12 * bump(1.5)(t), 0.0))
    still = check("look_up", pose=lambda t: (0.0, 0.0, 0.0))
    scores = {name: cue.score for name, cue in (("up", up), ("down", down), ("still", still))}
    # The mesh's pitch sign: exactly one of the two nods is "up".
    assert (scores["up"] > 0.5) != (scores["down"] > 0.5), scores
    assert scores["still"] < 0.5


def test_an_action_under_way_at_the_prompt_fails() -> None:
    early = check("turn_right", pose=turning(15, onset=0.8))
    step = early.evidence["steps"][0]
    assert step["peak"] > 10 and not step["passed"]
    assert step["why"] == "already under way when the prompt appeared"
    late = check("turn_right", pose=turning(15, onset=3.6))
    assert not late.evidence["steps"][0]["passed"]


def test_blink_twice_counts_blinks_in_the_window() -> None:
    two = check("blink_twice", openness=blinking((1.6, 2.2)), deform=still_mouth)
    one = check("blink_twice", openness=blinking((1.6,)), deform=still_mouth)
    outside = check("blink_twice", openness=blinking((0.3, 3.6)), deform=still_mouth)
    assert two.score is not None and two.score > 0.5
    assert len(two.evidence["steps"][0]["blinks_at"]) == 2
    assert one.score is not None and one.score < 0.5
    assert outside.score is not None and outside.score < 0.5


def test_smile_and_come_closer_are_relative_to_the_baseline() -> None:
    smile = check("smile", deform=widen_mouth(0.2))
    flat = check("smile", deform=still_mouth)
    assert smile.score is not None and smile.score > 0.5
    # The mouth (0.5 face units) widens by 0.1, read over the eye-corner distance.
    eyes = float(np.linalg.norm(base_face()[263, :2] - base_face()[33, :2]))
    assert smile.evidence["steps"][0]["peak"] == pytest.approx(0.1 / eyes, rel=0.25)
    assert flat.score is not None and flat.score < 0.5
    closer = check("come_closer", deform=scale_face(0.25))
    assert closer.score is not None and closer.score > 0.5
    assert closer.evidence["steps"][0]["peak"] == pytest.approx(0.25, abs=0.05)
    # Coming closer scales the mouth with the eyes: it is not a smile.
    assert check("smile", deform=scale_face(0.25)).score < 0.5


def test_no_face_is_inconclusive_and_missing_windows_fail() -> None:
    times = np.arange(0, 4, 1 / 15)
    nothing = actions_cue([WINDOW], times, [None] * len(times))
    assert nothing.score is None and "no face" in nothing.reason


def test_blinks_need_a_reopening_and_a_short_closure() -> None:
    # Eyes that hover around the closed level (0.5-0.6 of open) for a second never reopen
    # above REOPENED in between, so they count once at most; a 1 s closure is not a blink.
    hovering = check(
        "blink_twice",
        openness=lambda t: 0.52 + 0.06 * np.sin(2 * np.pi * 6 * t) if 1.5 <= t < 2.5 else 1.0,
        deform=still_mouth,
    )
    assert len(hovering.evidence["steps"][0]["blinks_at"]) <= 1
    shut = check("blink_twice", openness=blinking((1.5,), 1.0), deform=still_mouth)
    assert shut.evidence["steps"][0]["blinks_at"] == []


def test_the_iris_networks_eyelids_are_read_before_the_meshs() -> None:
    faces = synth_track(seconds=4.0, fps=15.0).faces
    times = np.array([f.timestamp for f in faces])
    closing = blinking((1.6, 2.2))
    refined = []
    for face in faces:
        mesh = np.asarray(face.mesh)
        lids = np.stack([mesh[list(RIGHT_EYE), :2], mesh[list(LEFT_EYE), :2]]).astype(np.float32)
        # The mesh's lids stay open; the refined ones close, about the eye's middle row.
        middle = lids[..., 1].mean(axis=1, keepdims=True)
        lids[..., 1] = middle + closing(face.timestamp) * (lids[..., 1] - middle)
        refined.append(dataclasses.replace(face, pose=pose_from_mesh(mesh), eyelids=lids))
    step = dataclasses.replace(WINDOW, kind="blink_twice")
    assert actions_cue([step], times, refined).evidence["steps"][0]["blinks_at"] == [
        pytest.approx(1.6, abs=0.07),
        pytest.approx(2.2, abs=0.07),
    ]
    mesh_only = [dataclasses.replace(f, eyelids=None) for f in refined]
    assert actions_cue([step], times, mesh_only).evidence["steps"][0]["blinks_at"] == []


def test_a_spontaneous_smile_fading_before_the_asked_one_is_not_held_against_the_person() -> None:
    fading, asked = bump(0.7, hold=0.2), bump(1.8)

    def deform(t: float, points: NDArray) -> NDArray:
        out = points.copy()
        half = 0.25 * (1 + 0.2 * max(fading(t), asked(t)))
        out[61, :2], out[291, :2] = (-half, 0.5), (half, 0.5)
        return out

    smiled = check("smile", deform=deform)
    assert smiled.score is not None and smiled.score > 0.5, smiled.reason
    held = check("smile", deform=widen_mouth(0.2, onset=0.6))
    assert held.evidence["steps"][0]["why"] == "already under way when the prompt appeared"
