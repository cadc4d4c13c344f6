"""Channel cues on synthetic thermal, NIR and depth maps with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from unmask.errors import InputError
from unmask.liveness.channels import channel_cues, depth_cue, nir_cue, thermal_cue
from unmask.types import Box, Face

FRAME = (480, 640)
RIGHT_EYE, LEFT_EYE, NOSE, MOUTH = (280.0, 220.0), (360.0, 220.0), (320.0, 270.0), (320.0, 300.0)
IOD = 80.0


def face() -> Face:
    keypoints = np.array(
        [RIGHT_EYE, LEFT_EYE, NOSE, MOUTH, (240.0, 240.0), (400.0, 240.0)], dtype=np.float32
    )
    return Face(box=Box(250, 170, 140, 170), score=0.99, keypoints=keypoints)


def grid(scale: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Pixel centres of a map `scale` times coarser than the colour frame, in colour pixels."""
    yy, xx = np.mgrid[0 : FRAME[0] // scale, 0 : FRAME[1] // scale].astype(np.float64)
    return (xx + 0.5) * scale, (yy + 0.5) * scale


def blob(
    xx: NDArray[np.float64], yy: NDArray[np.float64], at: tuple[float, float], sigma: float
) -> NDArray[np.float64]:
    return np.exp(-((xx - at[0]) ** 2 + (yy - at[1]) ** 2) / (2 * sigma**2))


def head(xx: NDArray[np.float64], yy: NDArray[np.float64]) -> NDArray[np.float64]:
    return (((xx - 320) / 90) ** 2 + ((yy - 250) / 120) ** 2 < 1).astype(np.float64)


def relief_depth(scale: int = 2) -> NDArray[np.uint16]:
    xx, yy = grid(scale)
    curve = 30 * (((xx - 320) / 90) ** 2 + ((yy - 250) / 120) ** 2)
    nose = 25 * blob(xx, yy, NOSE, 14)
    depth = np.where(head(xx, yy) > 0, 600 + curve - nose, 2000)
    return np.round(depth).astype(np.uint16)


def planar_depth(scale: int = 2, tilt_deg: float = 15.0) -> NDArray[np.uint16]:
    xx, yy = grid(scale)
    plane = 550 + np.tan(np.radians(tilt_deg)) * (xx - 320) * 0.8
    return np.round(np.where(head(xx, yy) > 0, plane, 2000)).astype(np.uint16)


def living_thermal(scale: int = 4, skin: float = 34.5) -> NDArray[np.float32]:
    xx, yy = grid(scale)
    temp = 23 + head(xx, yy) * (skin - 23)
    for eye in (RIGHT_EYE, LEFT_EYE):
        inner = (eye[0] + (320 - eye[0]) * 0.45, eye[1] + 2)
        temp += 0.9 * blob(xx, yy, inner, 0.08 * IOD) * head(xx, yy)
    temp -= 2.0 * blob(xx, yy, NOSE, 0.2 * IOD) * head(xx, yy)
    return temp.astype(np.float32)


def mask_thermal(scale: int = 4) -> NDArray[np.float32]:
    xx, yy = grid(scale)
    living = living_thermal(scale)
    holes = sum(blob(xx, yy, eye, 0.35 * IOD) > 0.3 for eye in (RIGHT_EYE, LEFT_EYE)).astype(
        np.float64
    )
    shell = np.where(head(xx, yy) > 0, 29.5, living)
    return (holes * living + (1 - holes) * shell).astype(np.float32)


def nir_map(
    face_refl: float, hole_refl: float | None = None, scale: int = 2, relief: bool = True
) -> NDArray[np.float32]:
    """Reflectance on a head-shaped region; `relief` brightens the nose as a light at the camera
    does on a 3-D face, flat prints and screens have none."""
    xx, yy = grid(scale)
    refl = 0.4 + head(xx, yy) * (face_refl - 0.4)
    if relief:
        refl *= 1.0 + 0.2 * blob(xx, yy, NOSE, 14)
    if hole_refl is not None:
        for eye in (RIGHT_EYE, LEFT_EYE):
            hole = ((xx - eye[0]) / (0.45 * IOD)) ** 2 + ((yy - eye[1] - 5) / (0.3 * IOD)) ** 2 < 1
            refl[hole] = hole_refl
    return refl.astype(np.float32)


def test_depth_relief_passes_and_tilted_plane_fails() -> None:
    relief = depth_cue(relief_depth(), face(), FRAME)
    plane = depth_cue(planar_depth(), face(), FRAME)
    assert relief.score is not None and relief.score > 0.9, relief.evidence
    assert plane.score is not None and plane.score < 0.1, plane.evidence
    assert relief.evidence["nose_relief_mm"] > 15 and abs(plane.evidence["nose_relief_mm"]) < 3


def test_depth_holes_make_it_inconclusive() -> None:
    empty = np.zeros((240, 320), dtype=np.uint16)
    assert depth_cue(empty, face(), FRAME).score is None


def test_thermal_living_pattern_passes_and_mask_and_paper_fail() -> None:
    living = thermal_cue(living_thermal(), face(), FRAME)
    mask = thermal_cue(mask_thermal(), face(), FRAME)
    paper = thermal_cue(np.full((120, 160), 24.0, dtype=np.float32), face(), FRAME)
    warm_screen = thermal_cue(np.full((120, 160), 34.0, dtype=np.float32), face(), FRAME)
    assert living.score is not None and living.score > 0.8, living.evidence
    assert mask.score is not None and mask.score < 0.2, mask.evidence
    assert mask.evidence["canthus_excess_c"] > 2.5
    assert paper.score is not None and paper.score < 0.1
    assert warm_screen.score is not None and warm_screen.score < 0.2, warm_screen.evidence


def test_nir_skin_passes_and_screen_paper_silicone_fail() -> None:
    skin = nir_cue(nir_map(0.52), face(), FRAME)
    screen = nir_cue(nir_map(0.06, relief=False), face(), FRAME)
    paper = nir_cue(nir_map(0.82, relief=False), face(), FRAME)
    skin_toned_paper = nir_cue(nir_map(0.55, relief=False), face(), FRAME)
    silicone = nir_cue(nir_map(0.63, hole_refl=0.5), face(), FRAME)
    assert skin.score is not None and skin.score > 0.8, skin.evidence
    assert skin_toned_paper.evidence["deciding"] == "shading_relief"
    for attack in (screen, paper, silicone, skin_toned_paper):
        assert attack.score is not None and attack.score < 0.2, attack.evidence
    assert silicone.evidence["deciding"] == "periocular_match"


def test_absent_channels_are_inconclusive_and_bad_ones_refused() -> None:
    cues = channel_cues(face(), FRAME, {"depth": relief_depth()})
    assert cues["depth"].score is not None
    assert cues["thermal"].score is None and "no thermal" in (cues["thermal"].reason or "")
    assert cues["nir"].score is None
    with pytest.raises(InputError, match="unknown channel"):
        channel_cues(face(), FRAME, {"radar": relief_depth()})
    with pytest.raises(InputError, match="2-D"):
        depth_cue(np.zeros((4, 4, 3)), face(), FRAME)
    tiny = thermal_cue(np.full((6, 8), 34.0), face(), FRAME)
    assert tiny.score is None and "too small" in (tiny.reason or "")


def test_track_takes_the_median_over_frames() -> None:
    faces = [face()] * 5
    maps = [living_thermal()] * 4 + [np.full((120, 160), 24.0, dtype=np.float32)]
    cue = channel_cues(faces, FRAME, {"thermal": maps})["thermal"]
    assert cue.score is not None and cue.score > 0.8
    assert cue.evidence["frames_scored"] == 5
    with pytest.raises(InputError, match="one map per face"):
        channel_cues(faces, FRAME, {"thermal": maps[:2]})
