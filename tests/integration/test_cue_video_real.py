"""Motion and eyes cues on real bona fide video (video/hamilton_clip.mp4): no attack signature."""

from __future__ import annotations

import pytest

from tests.shared import shared_path
from unmask.face import FaceAnalyzer, analyze_stream
from unmask.face.tracker import IouTracker
from unmask.liveness.eyes import RING_THRESHOLD, eyes_cue
from unmask.liveness.motion import motion_cue
from unmask.media import read_video
from unmask.types import Frame

pytestmark = pytest.mark.integration


def test_talking_real_face_deforms_and_shows_no_eye_hole() -> None:
    clip = shared_path("video", "hamilton_clip.mp4")
    frames: dict[int, Frame] = {}
    tracker = IouTracker()
    for frame, _ in analyze_stream(read_video(clip, max_seconds=5.0), FaceAnalyzer(), tracker):
        frames[frame.index] = frame
    track = max(tracker.tracks(), key=lambda t: len(t.faces))
    assert len(track.faces) >= 30
    motion = motion_cue(track)
    assert motion.score is not None and motion.score > 0.5, motion.evidence
    assert max(motion.evidence["deformation_iod_p90"].values()) > 0.02
    eyes = eyes_cue(track, [frames[f.frame_index] for f in track.faces])
    assert eyes.evidence["eye_hole_ring"] < RING_THRESHOLD, eyes.evidence
    assert eyes.score is not None and eyes.score >= 0.5
