"""Protocol readers on the real shared data, and metrics on real third-party scores."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_curve

from unmask.evaluation import BootstrapSpec, ScoreSet, evaluate, read_protocol

pytestmark = pytest.mark.integration


def test_nuaa(shared_data: Path) -> None:
    protocol = read_protocol("pad/nuaa", shared_data / "pad" / "nuaa")
    counts = protocol.label_counts()
    assert set(counts) == {"bona_fide", "print"}
    assert counts["bona_fide"] > 1000 and counts["print"] > 1000
    assert {e.subject for e in protocol} == {f"{i:04d}" for i in range(1, 10)}
    assert all(e.path.is_file() for e in protocol.entries[:50])


def test_silent_face(shared_data: Path) -> None:
    protocol = read_protocol("pad/silent-face", shared_data / "pad" / "silent-face")
    assert {e.path.name: e.label for e in protocol} == {
        "image_T1.jpg": "bona_fide",
        "image_F1.jpg": "print",
        "image_F2.jpg": "replay",
    }


def test_siw_mv2_demo(shared_data: Path) -> None:
    protocol = read_protocol("pad/siw-mv2-demo", shared_data / "pad" / "siw-mv2-demo")
    assert protocol.label_counts() == {"bona_fide": 25, "other": 25}
    assert all(e.path.suffix == ".png" for e in protocol)


def test_orl(shared_data: Path) -> None:
    protocol = read_protocol("faces/orl", shared_data / "faces" / "orl")
    assert len(protocol) == 400
    assert len({e.subject for e in protocol}) == 40


def test_deepface_pairs_and_their_published_scores(shared_data: Path) -> None:
    """Real scores: the pairs file ships VGG-Face cosine distances; evaluate them as matches."""
    folder = shared_data / "faces" / "deepface"
    protocol = read_protocol("faces/deepface", folder)
    assert len(protocol) == 280
    mated = [e.subject == e.target for e in protocol]
    assert sum(mated) == 140
    assert len({e.subject for e in protocol} | {e.target for e in protocol}) == 13
    assert all(e.path.is_file() for e in protocol)
    with (folder / "face-recognition-pivot.csv").open(newline="") as handle:
        distances = [float(row["VGG-Face_cosine"]) for row in csv.DictReader(handle)]
    similarity = -np.asarray(distances)  # distance: lower = same; unmask wants higher = same
    scores = ScoreSet.from_columns(
        ["bona_fide"] * len(protocol),
        np.ones(len(protocol)),
        paths=[str(e.path) for e in protocol],
        subjects=[e.subject for e in protocol],
        targets=[e.target for e in protocol],
        match_scores=similarity,
    )
    rec = evaluate(scores, threshold=0.5, bootstrap=BootstrapSpec(200)).document["recognition"]
    truth = np.asarray(mated, dtype=float)
    fpr, tpr, _ = roc_curve(truth, similarity, drop_intermediate=False)
    # the crossing of sklearn's curve with the diagonal, interpolated along its segment
    fa, fr = fpr[::-1], 1 - tpr[::-1]
    d = fa - fr
    k = int(np.argmax(d <= 0))
    lam = d[k - 1] / (d[k - 1] - d[k])
    assert rec["eer"] == pytest.approx(fa[k - 1] + lam * (fa[k] - fa[k - 1]))
    best = np.flatnonzero(fpr <= 1e-2)[-1]
    assert rec["fnmr_at_fmr"]["0.01"] == pytest.approx(1 - tpr[best])
    assert rec["errors"]["fmr"]["n"] == 140
    low, high = rec["intervals"]["eer"]
    assert low <= rec["eer"] <= high
