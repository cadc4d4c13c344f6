"""Eyes cue on synthetic blink sequences, gaze, and rendered eye regions with and without a
mask's eye-hole edge."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
from numpy.typing import NDArray
from test_cue_meshes import blinking, synth_track

from unmask.face.mesh import (
    LEFT_EYE,
    LEFT_INNER_CORNER,
    LEFT_OUTER_CORNER,
    RIGHT_EYE,
    RIGHT_INNER_CORNER,
    RIGHT_OUTER_CORNER,
)
from unmask.liveness.eyes import eye_aspect_ratio, eye_hole_ring, eyes_cue, find_blinks
from unmask.types import Face, Frame, Track

STILL = {"pose": lambda t: (0.0, 0.0, 0.0)}


def render(face: Face, mask_hole: bool, seed: int = 0, closed: bool = False) -> NDArray[np.uint8]:
    """A skin-textured face with dark eyes, brows and socket shading; with `mask_hole`, the skin
    outside an ellipse around each eye is a paler, pinker painted material with a sharp edge;
    `closed` paints eyelid skin over the eyes whatever the mesh says (a blink the mesh missed)."""
    rng = np.random.default_rng(seed)
    h, w = 480, 640
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    grain = cv2.GaussianBlur(rng.normal(0, 1, (h, w)), (0, 0), 1.0)[..., None]
    skin = np.array([190.0, 140.0, 115.0])
    image = np.broadcast_to(skin, (h, w, 3)).copy()
    mesh = np.asarray(face.mesh, dtype=np.float64)[:, :2]
    material = np.ones((h, w), dtype=bool)
    for contour, outer, inner in (
        (RIGHT_EYE, RIGHT_OUTER_CORNER, RIGHT_INNER_CORNER),
        (LEFT_EYE, LEFT_OUTER_CORNER, LEFT_INNER_CORNER),
    ):
        cx, cy = mesh[list(contour)].mean(axis=0)
        half = np.linalg.norm(mesh[outer] - mesh[inner]) / 2
        socket = np.exp(-(((xx - cx) / (1.6 * half)) ** 2 + ((yy - cy) / (1.0 * half)) ** 2))
        image *= (1.0 - 0.15 * socket)[..., None]
        brow = np.exp(
            -(((xx - cx) / (1.3 * half)) ** 2 + ((yy - cy + 1.2 * half) / (0.15 * half)) ** 2)
        )
        image *= (1.0 - 0.5 * brow)[..., None]
        eye = ((xx - cx) / half) ** 2 + ((yy - cy) / (0.35 * half)) ** 2 < 1
        if not closed:
            image[eye] = (60, 45, 40)
        material &= ((xx - cx) / (1.7 * half)) ** 2 + ((yy - cy) / (1.2 * half)) ** 2 > 1
    if mask_hole:
        # only the face area around the eyes is mask; its paint is lighter and pinker
        image[material] = image[material] * np.array([1.08, 1.0, 1.06]) + np.array([8.0, 0.0, 6.0])
    image += 5.0 * grain
    return np.clip(image, 0, 255).astype(np.uint8)


def test_ear_falls_when_eyelids_close() -> None:
    open_face = synth_track(seconds=0.1, **STILL).faces[0]
    shut_face = synth_track(seconds=0.1, openness=lambda t: 0.1, **STILL).faces[0]
    assert eye_aspect_ratio(np.asarray(open_face.mesh)) > 3 * eye_aspect_ratio(
        np.asarray(shut_face.mesh)
    )


def test_blinks_are_counted_with_their_durations() -> None:
    track = synth_track(seconds=6.0, openness=blinking((1.0, 3.5), 0.2), **STILL)
    cue = eyes_cue(track)
    assert cue.evidence["blinks"] == 2
    assert all(0.15 <= d <= 0.3 for d in cue.evidence["blink_durations_s"])
    assert cue.score is not None and cue.score >= 0.7


def test_a_long_closure_is_not_a_blink() -> None:
    ear = np.array([0.3] * 10 + [0.05] * 60 + [0.3] * 10)
    assert find_blinks(ear, np.arange(len(ear)) / 30.0) == []


def test_no_blink_for_ten_seconds_looks_like_a_print() -> None:
    cue = eyes_cue(synth_track(seconds=10.0, fps=10.0, **STILL))
    assert cue.evidence["blinks"] == 0
    assert cue.score is not None and cue.score < 0.3


def test_short_blinkless_track_without_pixels_is_inconclusive() -> None:
    cue = eyes_cue(synth_track(seconds=2.0, **STILL))
    assert cue.score is None and "too short" in (cue.reason or "")
    assert eyes_cue([]).score is None
    meshless = [replace(f, mesh=None) for f in synth_track(seconds=1.0).faces]
    assert "mesh" in (eyes_cue(meshless).reason or "")


def test_a_blink_the_mesh_misses_is_seen_in_the_pixels() -> None:
    track = synth_track(seconds=3.0, fps=15.0, **STILL)  # eyelid points never move
    shown = {shut: render(track.faces[0], mask_hole=False, closed=shut) for shut in (False, True)}
    frames = [Frame(shown[1.0 <= f.timestamp < 1.2], index=f.frame_index) for f in track.faces]
    without = eyes_cue(track)
    with_pixels = eyes_cue(track, frames)
    assert without.evidence["blinks"] == 0
    assert with_pixels.evidence["blinks"] == 1
    assert with_pixels.evidence["blinks_seen_by"] == {"mesh": 0, "lids": 0, "pixels": 1}


def test_gaze_shifts_are_seen() -> None:
    moving = eyes_cue(synth_track(seconds=2.0, gaze=lambda t: 0.5 * np.sin(2 * np.pi * t), **STILL))
    fixed = eyes_cue(synth_track(seconds=2.0, gaze=lambda t: 0.0, **STILL))
    assert moving.evidence["gaze_range_eye_widths"] > 0.2
    assert fixed.evidence["gaze_range_eye_widths"] < 0.04
    assert moving.score is not None and moving.score > 0.5
    assert fixed.score is None


def test_eye_hole_edge_is_found_on_a_mask_and_not_on_skin() -> None:
    face = synth_track(seconds=0.1, **STILL).faces[0]
    mesh = np.asarray(face.mesh)
    bare = eye_hole_ring(render(face, mask_hole=False), mesh)
    masked = eye_hole_ring(render(face, mask_hole=True), mesh)
    assert masked > 2 * bare, (bare, masked)


def test_mask_with_blinking_real_eyes_is_still_an_attack() -> None:
    track = synth_track(seconds=4.0, fps=15.0, openness=blinking((1.0,), 0.2), **STILL)
    frames_mask = [
        Frame(render(f, mask_hole=True, seed=f.frame_index), index=f.frame_index)
        for f in track.faces[:5]
    ]
    frames_bare = [
        Frame(render(f, mask_hole=False, seed=f.frame_index), index=f.frame_index)
        for f in track.faces[:5]
    ]
    mask = eyes_cue(track, frames_mask)
    bare = eyes_cue(track, frames_bare)
    assert mask.evidence["blinks"] == 1
    assert (
        mask.score is not None and mask.score < 0.2 and mask.evidence["deciding"] == "eye_hole_ring"
    ), mask.evidence
    assert bare.score is not None and bare.score > 0.5, bare.evidence


def test_single_still_face_uses_the_ring_only() -> None:
    face = synth_track(seconds=0.1, **STILL).faces[0]
    cue = eyes_cue(Track(1, (face,)), [Frame(render(face, mask_hole=True), index=face.frame_index)])
    assert cue.score is not None and cue.score < 0.2
    assert "blinks" not in cue.evidence


def test_a_blink_the_mesh_misses_is_seen_in_the_refined_eyelids() -> None:
    """The iris network's eyelids close while the mesh's lid points stay put (as on real GRID
    clips): the cue counts the blink from the lids."""
    track = synth_track(seconds=3.0, fps=15.0, **STILL)
    faces = []
    for face in track.faces:
        mesh = np.asarray(face.mesh, dtype=np.float32)[:, :2]
        lids = np.stack([mesh[list(RIGHT_EYE)], mesh[list(LEFT_EYE)]])
        if 1.0 <= face.timestamp < 1.2:
            centre = lids.mean(axis=1, keepdims=True)
            lids[..., 1] = centre[..., 1] + 0.1 * (lids[..., 1] - centre[..., 1])
        faces.append(replace(face, eyelids=lids))
    cue = eyes_cue(faces)
    assert cue.evidence["blinks_seen_by"] == {"mesh": 0, "lids": 1, "pixels": 0}
    assert cue.evidence["blinks"] == 1
    assert eyes_cue(track).evidence["blinks_seen_by"]["lids"] == 0
