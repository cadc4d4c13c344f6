"""`unmask scan` on the shared data's real footage: hamilton's shots and identities, and the
small faces of street_crowd that only tiling finds."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.shared import shared_path
from unmask.identity import Gallery, ProbeMaker, Template
from unmask.media import iter_frames
from unmask.scan.runner import ScanOptions, run_scan
from unmask.scan.worker import analyzer_for

pytestmark = pytest.mark.integration

# Shot boundaries read by eye (benchmarks/data/hamilton_tracks.json): 0.67 s, 2.74 s, 7.04 s.
HAMILTON_CUTS = (0.667, 2.736, 7.04)


def test_hamilton_tracks_stay_within_shots_and_the_singer_is_named(tmp_path: Path) -> None:
    clip = shared_path("video", "hamilton_clip.mp4")
    gallery = tmp_path / "g.sqlite"
    with Gallery(gallery, create=True) as store:
        for name in ("lin-manuel-miranda", "alex-lacamoire"):
            probe = ProbeMaker().single(shared_path("video", f"hamilton_ref_{name}.png"))
            store.enroll(name, [Template(probe.embedding, name)])
    result = run_scan([str(clip)], ScanOptions(out=tmp_path / "out", db=str(gallery)))
    entry = result.entries[0]
    assert entry["error"] is None
    assert entry["cuts"] == pytest.approx(HAMILTON_CUTS, abs=0.05)
    edges = (0.0, *HAMILTON_CUTS, 99.0)
    for track in entry["tracks"]:
        shot = next(i for i in range(4) if edges[i] <= track["first_seen"] < edges[i + 1])
        assert track["last_seen"] < edges[shot + 1], track  # no track crosses a cut
    singer = [t for t in entry["tracks"] if 2.7 < t["first_seen"] < 3.0]
    assert len(singer) == 1 and singer[0]["last_seen"] > 6.9  # one track for the whole shot
    assert singer[0]["id"] == "lin-manuel-miranda"
    assert all(t["liveness"]["decision"] != "attack" for t in entry["tracks"])


def test_street_crowd_tiles_find_more_faces_per_frame() -> None:
    """The scan's analyzer with and without --small-faces on real 1080p crowd frames."""
    clip = shared_path("video", "street_crowd.mp4")
    frames = list(iter_frames(clip, max_seconds=0.1))
    plain = sum(len(analyzer_for(None).analyze(frame)) for frame in frames)
    tiled = sum(len(analyzer_for(240).analyze(frame)) for frame in frames)
    assert len(frames) >= 2 and tiled >= 2 * max(plain, len(frames))
