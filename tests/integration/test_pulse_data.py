"""Pulse on the real shared data: welltory (contact PPG with chest-strap truth), bias-eval-india
(skin crops with almost no pulse), hamilton_clip (real faces, H.264)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.shared import shared_path
from unmask.cli.main import main
from unmask.pulse import FULL_FRAME, SKIN_REGIONS, estimate_best, estimate_pulse, read_rgb_csv
from unmask.pulse.video import full_frame_traces

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("subject", ["subject_01", "subject_06", "subject_14"])
def test_welltory_rate_matches_the_chest_strap(subject: str) -> None:
    folder = shared_path("pulse", "welltory", subject)
    truth = 60000.0 / float(np.loadtxt(folder / "RR.txt").mean())
    estimate = estimate_best(read_rgb_csv(folder / "PPG.csv"), ("red", "green", "pos", "chrom"))
    assert estimate.heart_rate_bpm == pytest.approx(truth, abs=1.0)


@pytest.mark.parametrize("clip", ["video10_forehead.avi", "video1_rightcheek.avi"])
def test_india_skin_crops_give_no_confident_noise(clip: str) -> None:
    trace = full_frame_traces(shared_path("pulse", "bias-eval-india", clip))[FULL_FRAME]
    for method in ("green", "pos", "chrom"):
        estimate = estimate_pulse(trace, method)
        assert estimate.heart_rate_bpm is None, f"{method} reported {estimate.heart_rate_bpm}"
        assert estimate.reason is not None and estimate.reason.startswith("no reliable pulse")
        assert estimate.spectrum_summary["peaks"]


def test_hamilton_tracks_are_sampled_and_judged_honestly(
    capsys: pytest.CaptureFixture[str],
) -> None:
    video = shared_path("video", "hamilton_clip.mp4")
    assert main(["pulse", str(video), "--json"]) == 0
    (document,) = json.loads(capsys.readouterr().out)["results"]
    tracks = document["tracks"]
    assert tracks and document["roi"] == "face"
    longest = max(tracks, key=lambda t: t["frames"])
    assert all(longest["regions"][name]["mean_pixels"] > 20 for name in SKIN_REGIONS)
    for track in tracks:
        cue = track["liveness"]
        assert cue["score"] is None and cue["reason"], f"track {track['track']}: {cue}"
