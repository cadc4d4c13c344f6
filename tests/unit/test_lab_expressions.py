"""Lab expressions and blinks must be large enough for the PAD cues to see them.

The motion cue counts non-rigid mesh motion beyond 2 % of the outer-eye-corner distance (IOD) as
expression; lab expressions once moved the measured mouth, cheeks and brows by under 1.5 %, so
every lab face looked still. Each expression at full activation is applied to a bundled portrait
and the mesh is measured the way the motion cue measures it (mean point displacement of a
region, in IOD). Blinks once only tinted the eye; a closed lid must now cover the eye opening
so that its pixels read closed to the eyes cue.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from unmask.lab import load_identities
from unmask.lab.living import Geometry, close_lids, eyelids
from unmask.lab.motion import EXPRESSIONS, HeadMotion
from unmask.media import frame_from_array

face = pytest.importorskip("unmask.face")
regions = pytest.importorskip("unmask.face.mesh")
eyes = pytest.importorskip("unmask.liveness.eyes")


def mesh_of(image: np.ndarray) -> np.ndarray:
    faces = face.FaceAnalyzer(mesh=True, iris=False).analyze(frame_from_array(image))
    assert faces and faces[0].mesh is not None, "no face mesh found"
    best = max(faces, key=lambda f: f.box.area)
    return np.asarray(best.mesh, dtype=np.float64)[:, :2]


@pytest.fixture(scope="module")
def deformations() -> dict[str, dict[str, float]]:
    people, _ = load_identities(None)
    photo = people["eileen_collins"][0]
    shape = photo.image.shape[:2]
    geometry = Geometry.build(photo.layout, shape)
    still = np.zeros(1)
    motion = HeadMotion(still, still, still, still, still, np.ones(1))
    neutral = mesh_of(photo.image)
    iod = float(
        np.linalg.norm(neutral[regions.RIGHT_OUTER_CORNER] - neutral[regions.LEFT_OUTER_CORNER])
    )
    parts = {"mouth": regions.MOUTH, "cheeks": regions.CHEEKS, "brows": regions.BROWS}
    out = {}
    for k, name in enumerate(EXPRESSIONS):
        weights = np.zeros(len(EXPRESSIONS))
        weights[k] = 1.0
        map_x, map_y = geometry.maps(motion, 0, weights)
        warped = cv2.remap(photo.image, map_x, map_y, cv2.INTER_LINEAR, cv2.BORDER_REFLECT)
        moved = np.linalg.norm(mesh_of(warped) - neutral, axis=1) / iod
        out[name] = {part: float(moved[list(index)].mean()) for part, index in parts.items()}
    return out


def test_a_smile_moves_mouth_and_cheeks_beyond_the_motion_cue_threshold(
    deformations: dict[str, dict[str, float]],
) -> None:
    assert deformations["smile"]["mouth"] > 0.03
    assert deformations["smile"]["cheeks"] > 0.012


def test_a_brow_raise_lifts_the_brows_beyond_the_threshold(
    deformations: dict[str, dict[str, float]],
) -> None:
    assert deformations["brow_raise"]["brows"] > 0.036
    assert deformations["brow_raise"]["mouth"] < 0.02


def test_an_open_mouth_moves_mouth_and_cheeks_together(
    deformations: dict[str, dict[str, float]],
) -> None:
    assert deformations["mouth_open"]["mouth"] > 0.05
    assert deformations["mouth_open"]["cheeks"] > 0.12 * deformations["mouth_open"]["mouth"]


def test_a_closed_lid_makes_the_eye_read_closed() -> None:
    people, _ = load_identities(None)
    photo = people["eileen_collins"][0]
    image = photo.image.astype(np.float32)
    mesh = mesh_of(photo.image)
    closed = close_lids(image, eyelids(image, photo.layout), 1.0)
    open_contrast = eyes.eye_contrast(photo.image, mesh)
    closed_contrast = eyes.eye_contrast(np.clip(closed, 0, 255).astype(np.uint8), mesh)
    assert open_contrast is not None and closed_contrast is not None
    assert closed_contrast < eyes.CLOSED_FRACTION * open_contrast
