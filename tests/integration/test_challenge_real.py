"""The blink detector on a REAL clip: a GRID speaker who blinks twice (seen frame by frame: the
lids close at about 1.7 s and again at 2.0 s of bbaf2n.mpg). The iris network's eyelids find both
blinks; the face mesh's own lid points, which barely move when a real eye closes, find none."""

from __future__ import annotations

import dataclasses

import pytest

from tests.shared import shared_path
from unmask.face import largest_face_per_frame
from unmask.liveness.actions import features, find_blinks, resting


def test_a_real_double_blink_is_found_from_the_refined_eyelids() -> None:
    path = shared_path("video", "grid", "bbaf2n.mpg")
    faces, t = largest_face_per_frame(path)
    refined = features(faces)["open"]
    blinks = find_blinks(refined, t, resting(refined, t, 0.5))
    assert [start for start, _ in blinks] == [
        pytest.approx(1.72, abs=0.1),
        pytest.approx(2.0, abs=0.1),
    ]
    mesh_only = features([f and dataclasses.replace(f, eyelids=None) for f in faces])["open"]
    assert find_blinks(mesh_only, t, resting(mesh_only, t, 0.5)) == []
