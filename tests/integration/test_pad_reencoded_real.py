"""A real video re-encoded as users re-encode footage (H.264, CRF 18) keeps its living faces off
the attack list: re-encoding once turned a one-frame hamilton track into an "attack" on
evidence that summed to -0.04 (fusion.ATTACK_EVIDENCE)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.shared import shared_path
from unmask.lab.store import write_video
from unmask.liveness.engine import LivenessEngine
from unmask.media import read_video

pytestmark = pytest.mark.integration


def test_reencoded_real_video_calls_no_living_face_an_attack(tmp_path: Path) -> None:
    frames = list(read_video(shared_path("video", "hamilton_clip.mp4")))
    fps = (len(frames) - 1) / (frames[-1].timestamp - frames[0].timestamp)
    copy = tmp_path / "hamilton_crf18.mp4"
    write_video(copy, (f.image for f in frames), fps, "h264", 18)
    report = LivenessEngine(level="medium").assess(copy)
    verdicts = [t.verdict for t in report.tracks]
    assert verdicts
    assert all(v.decision != "attack" for v in verdicts), [(v.decision, v.reason) for v in verdicts]
    longest = max(report.tracks, key=lambda t: t.frames)
    assert longest.verdict.decision == "bona_fide", longest.verdict.reason
