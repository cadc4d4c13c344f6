"""Motion cue on synthetic meshes whose answer is known by construction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray
from test_cue_meshes import base_face, make_face, project, synth_track, talking

from unmask.face.mesh import LOWER_LIP_INNER, UPPER_LIP_INNER
from unmask.liveness.motion import (
    DEFORM_IOD,
    LIP_GAP_IOD,
    LIP_GAP_MAX_ROTATION_DEG,
    LIP_GAP_SCALE_IOD,
    facing_frames,
    motion_cue,
)
from unmask.types import Track


def test_natural_talking_face_is_bona_fide() -> None:
    cue = motion_cue(synth_track(deform=talking(gain_cheeks=0.5)))
    assert cue.score is not None and cue.score > 0.8, cue.evidence
    assert cue.evidence["deformation_iod_p90"]["mouth"] > 0.04


def lips_parting(gap: float) -> Callable[[float, NDArray[np.float64]], NDArray[np.float64]]:
    """Speech seen only at the inner lips: the lower lip's inner point drops `gap` face units
    (about IOD units) per syllable while the other 40 mouth points stay put."""

    def deform(t: float, points: NDArray[np.float64]) -> NDArray[np.float64]:
        out = points.copy()
        out[UPPER_LIP_INNER, :2] = (0.0, 0.48)
        out[LOWER_LIP_INNER, :2] = (0.0, 0.49 + gap * max(0.0, np.sin(2 * np.pi * 2.0 * t)) ** 2)
        return out

    return deform


def small_turns(t: float) -> tuple[float, float, float]:
    return 3 * np.sin(2 * np.pi * 0.4 * t), 1.5 * np.sin(2 * np.pi * 0.3 * t), 0.0


def test_lips_parting_in_speech_count_as_expression() -> None:
    cue = motion_cue(synth_track(pose=small_turns, deform=lips_parting(0.08)))
    assert cue.evidence["deformation_iod_p90"]["mouth"] < DEFORM_IOD
    assert cue.evidence["lip_gap_range_iod"] > LIP_GAP_IOD + 4 * LIP_GAP_SCALE_IOD
    assert cue.score is not None and cue.score > 0.9, cue.evidence


def test_lips_barely_moving_stay_no_expression() -> None:
    still_lips = motion_cue(synth_track(pose=small_turns, deform=lips_parting(0.01)))
    assert still_lips.evidence["lip_gap_range_iod"] < LIP_GAP_IOD
    assert still_lips.score == motion_cue(synth_track(pose=small_turns, deform=None)).score


def test_a_mask_passing_on_a_third_of_the_speech_stays_attack_leaning() -> None:
    mask = motion_cue(synth_track(seconds=10.0, pose=small_turns, deform=lips_parting(0.03)))
    assert LIP_GAP_IOD - 4 * LIP_GAP_SCALE_IOD < mask.evidence["lip_gap_range_iod"] < LIP_GAP_IOD
    assert mask.score is not None and mask.score < 0.2, mask.evidence


def test_turning_does_not_open_the_lips() -> None:
    nodding = motion_cue(synth_track(pose=lambda t: (0.0, 12 * np.sin(2 * np.pi * 0.5 * t), 0.0)))
    assert nodding.evidence["lip_gap_range_iod"] < LIP_GAP_IOD


def test_lips_are_not_read_through_large_turns() -> None:
    turning = motion_cue(synth_track(deform=lips_parting(0.08)))
    assert turning.evidence["rotation_deg_p90"] > LIP_GAP_MAX_ROTATION_DEG
    assert turning.score == motion_cue(synth_track(deform=None)).score


def test_rigid_shell_turning_for_long_is_an_attack() -> None:
    cue = motion_cue(synth_track(seconds=10.0, fps=10.0, deform=None))
    assert cue.score is not None and cue.score < 0.15, cue.evidence
    assert cue.evidence["deciding"] == "deformation"
    assert cue.evidence["sub_scores"]["planarity"] > 0.9  # a 3-D shell: parallax, not a plane


def test_no_expression_in_a_short_clip_only_leans_towards_attack() -> None:
    short = motion_cue(synth_track(seconds=1.5, deform=None)).score
    longer = motion_cue(synth_track(seconds=4.0, deform=None)).score
    assert short is not None and longer is not None
    assert 0.3 < short < 0.5 and longer < short


def test_silicone_mask_with_weak_late_cheeks_is_an_attack() -> None:
    cue = motion_cue(synth_track(deform=talking(gain_cheeks=0.05, lag_s=0.25)))
    assert cue.score is not None and cue.score < 0.3, cue.evidence
    assert cue.evidence["deciding"] in {"cheek_coupling", "cheek_timing"}


def test_late_cheeks_alone_are_flagged() -> None:
    cue = motion_cue(synth_track(deform=talking(gain_cheeks=0.5, lag_s=0.25)))
    assert cue.evidence["cheek_lag_s"] > 0.15
    assert cue.score is not None and cue.score < 0.3


def test_print_tilting_as_a_plane_is_caught_by_planarity() -> None:
    flat = project(base_face())
    rng = np.random.default_rng(3)
    faces = []
    for i, t in enumerate(np.arange(0, 3, 1 / 30)):
        tilt = np.radians(15 * np.sin(2 * np.pi * 0.4 * t))
        # A card turning about its vertical axis, seen in perspective: x foreshortens, far side shrinks.
        x = flat[:, 0] - 320
        depth = 1.0 + x * np.sin(tilt) / 900.0
        mesh = flat.copy()
        mesh[:, 0] = 320 + x * np.cos(tilt) / depth
        mesh[:, 1] = 240 + (flat[:, 1] - 240) / depth
        mesh[:, :2] += rng.normal(0, 0.3, (len(mesh), 2))
        faces.append(make_face(mesh, float(t), i))
    cue = motion_cue(Track(1, tuple(faces)))
    assert cue.score is not None and cue.score < 0.2, cue.evidence
    assert cue.evidence["deciding"] == "planarity"
    assert cue.evidence["plane_vs_3d_ratio"] < 0.8


def test_still_face_is_inconclusive() -> None:
    cue = motion_cue(synth_track(pose=lambda t: (0.0, 0.0, 0.0), deform=None))
    assert cue.score is None and "still" in (cue.reason or "")


def test_short_or_meshless_tracks_are_inconclusive() -> None:
    short = synth_track(seconds=0.2)
    assert motion_cue(short).score is None
    meshless = Track(2, tuple(replace(face, mesh=None) for face in synth_track().faces))
    cue = motion_cue(meshless)
    assert cue.score is None and "too short" in (cue.reason or "")
    assert motion_cue([]).score is None


def with_guessed_depth(track: Track, flatness: float) -> Track:
    """The track as a face mesh model sees it: the same 2-D points, but a depth guessed from
    one view, here the face's relief scaled by `flatness` (a flatter face than the head is)."""
    faces = []
    for face in track.faces:
        mesh = np.array(face.mesh, dtype=np.float64)
        middle = mesh[:, 2].mean()
        mesh[:, 2] = middle + flatness * (mesh[:, 2] - middle)
        faces.append(replace(face, mesh=mesh.astype(np.float32)))
    return replace(track, faces=tuple(faces))


def turning_now_and_then(t: float) -> tuple[float, float, float]:
    """Facing the camera for 1 s, then a 15 deg turn and back, as a pose step asks."""
    return 15.0 * max(0.0, np.sin(np.pi * (t - 1.0) / 1.5)) if 1.0 <= t <= 2.5 else 0.0, 0.0, 0.0


def test_a_rigid_head_turning_reads_no_deformation_through_its_guessed_depth() -> None:
    shell = with_guessed_depth(synth_track(seconds=4.0, pose=turning_now_and_then), 0.5)
    cue = motion_cue(shell)
    facing = cue.evidence["deformation_frames"]
    assert cue.evidence["rotation_deg_p90"] > 10 and facing < len(shell.faces)
    assert max(cue.evidence["deformation_iod_p90"].values()) < DEFORM_IOD / 4, cue.evidence
    assert cue.score is not None and cue.score < 0.5, cue.evidence


def test_an_expression_while_facing_the_camera_is_still_read_between_turns() -> None:
    face = with_guessed_depth(
        synth_track(seconds=4.0, pose=turning_now_and_then, deform=talking(gain_cheeks=0.5)),
        0.5,
    )
    cue = motion_cue(face)
    assert cue.evidence["deformation_iod_p90"]["mouth"] > DEFORM_IOD
    assert cue.score is not None and cue.score > 0.8, cue.evidence


def test_a_head_that_mostly_looks_elsewhere_is_read_on_every_frame() -> None:
    assert facing_frames(np.linspace(20.0, 6.0, 30), 1 / 15).all()
    assert facing_frames(np.r_[np.full(8, 2.0), np.full(22, 15.0)], 1 / 15).all()
    some = facing_frames(np.r_[np.full(10, 2.0), np.full(20, 15.0)], 1 / 15)
    assert some.sum() == 10 and some[:10].all()
    # 12 facing frames at 30 fps last 0.4 s: too short to read an expression on their own
    assert facing_frames(np.r_[np.full(12, 2.0), np.full(8, 15.0)], 1 / 30).all()
