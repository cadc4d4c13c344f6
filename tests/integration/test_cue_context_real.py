"""The context cue on real captures: pad/silent-face stills and the SiW-Mv2 demo crops."""

from __future__ import annotations

import pytest

from benchmarks.pad_real import siw_frames
from tests.shared import shared_path
from unmask.face import FaceAnalyzer
from unmask.liveness.context import context_cue
from unmask.liveness.observe import observe
from unmask.media import read_image
from unmask.types import CueScore, Frame

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def analyzer() -> FaceAnalyzer:
    return FaceAnalyzer()


def judge(frames: list[Frame], analyzer: FaceAnalyzer) -> CueScore:
    track = observe(frames, analyzer).main_track()
    assert track is not None
    return context_cue(track.views(), track.comotion.pairs)


def test_silent_face_tablet_bezel_is_found_and_the_live_room_passes(analyzer) -> None:
    folder = shared_path("pad", "silent-face")
    cues = {n: judge([read_image(folder / f"image_{n}.jpg")], analyzer) for n in ("T1", "F1", "F2")}
    # Measured: T1 0.80 (one pillar edge on the right), F2 0.05 (bezel top, left and right, two
    # corners, a dark band). F1, a print filling most of the frame, is a miss: only its top
    # border is in view, which looks like any edge in a room (0.66).
    assert cues["T1"].score is not None and cues["T1"].score >= 0.7
    assert cues["T1"].evidence["enclosing_quad_found"] is False
    assert cues["F2"].score is not None and cues["F2"].score <= 0.2
    assert cues["F2"].evidence["enclosing_quad_found"] is True
    assert cues["F1"].score is not None


def test_siw_tight_crops_are_inconclusive_not_guessed(analyzer) -> None:
    frames = list(siw_frames(shared_path("pad", "siw-mv2-demo", "spoof")))
    cue = judge(frames, analyzer)
    assert cue.score is None and "fills the frame" in (cue.reason or "")
