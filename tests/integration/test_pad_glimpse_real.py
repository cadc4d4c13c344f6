"""Faces glimpsed for a fraction of a second in a real video (two hamilton tracks of 0.1 s or
less) carry a still's evidence; the colour-video table, set against masks on clips the motion
cue judged, refuses them at every level and says what was missing, while the tracks it could
judge are decided on their evidence: with the fused score the weakest case against one species,
every one of them passes `medium` (one, a 0.6 s track, did not while the motion of replayed
faces had set that threshold)."""

from __future__ import annotations

import pytest

from tests.shared import shared_path
from unmask.liveness.engine import LivenessEngine
from unmask.liveness.fusion import TEMPORAL_CUES

pytestmark = pytest.mark.integration


def test_glimpsed_real_faces_are_refused_for_want_of_time() -> None:
    engine = LivenessEngine(level="low")
    report = engine.assess(shared_path("video", "hamilton_clip.mp4"))
    fusion = engine.model.fusion
    untimed = [t for t in report.tracks if fusion.untimed(t.verdict.cues)]
    timed = [t for t in report.tracks if not fusion.untimed(t.verdict.cues)]
    assert untimed and timed
    for track in untimed:
        assert all(track.verdict.cues[n].score is None for n in TEMPORAL_CUES)
        for level in ("low", "medium"):
            decision, _, reason, _ = fusion.decide(track.verdict.cues, level)
            assert decision == "inconclusive", reason
            assert "one of pulse, motion" in (reason or "")
    for track in timed:
        decision, _, reason, _ = fusion.decide(track.verdict.cues, "medium")
        assert decision == "bona_fide", (track.verdict.track_id, reason)
