"""The passive eyes cue on a REAL clip: the GRID speaker of bbaf2n.mpg blinks twice (at about
1.7 s and 2.0 s, seen frame by frame); the mesh's own lid points miss both, the refined eyelids
must not."""

from __future__ import annotations

from tests.shared import shared_path
from unmask.face import largest_face_per_frame
from unmask.liveness.eyes import eyes_cue


def test_the_eyes_cue_sees_real_blinks_through_the_refined_eyelids() -> None:
    path = shared_path("video", "grid", "bbaf2n.mpg")
    faces, _ = largest_face_per_frame(path)
    cue = eyes_cue([face for face in faces if face is not None])
    seen_by = cue.evidence["blinks_seen_by"]
    assert seen_by["mesh"] == 0
    assert seen_by["lids"] >= 1
    assert cue.evidence["blinks"] >= 1
    assert cue.score is not None and cue.score >= 0.5
