"""Recognition (ISO/IEC 19795-1) and whole-system (IAPAR) metrics on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_curve

from unmask.evaluation import BootstrapSpec, ScoreSet, evaluate


def _verification_set() -> ScoreSet:
    # genuine match scores 0.9 0.8 0.4, impostor 0.1 0.3 0.5 0.2 (all bona fide)
    rows = [
        ("a", "a", 0.9),
        ("b", "b", 0.8),
        ("c", "c", 0.4),
        ("a", "b", 0.1),
        ("b", "c", 0.3),
        ("c", "a", 0.5),
        ("a", "c", 0.2),
    ]
    return ScoreSet.from_columns(
        ["bona_fide"] * len(rows) + ["print"],
        [0.9] * len(rows) + [0.1],
        paths=[f"p{i}" for i in range(len(rows) + 1)],
        subjects=[r[0] for r in rows] + ["z"],
        targets=[r[1] for r in rows] + [None],
        match_scores=[r[2] for r in rows] + [np.nan],
    )


def test_fmr_fnmr_at_threshold_and_counts() -> None:
    rec = evaluate(_verification_set(), threshold=0.5, match_threshold=0.45).document["recognition"]
    assert rec["fmr"] == pytest.approx(1 / 4)  # 0.5 >= 0.45
    assert rec["fnmr"] == pytest.approx(1 / 3)  # 0.4 < 0.45
    assert (rec["errors"]["fmr"]["errors"], rec["errors"]["fmr"]["n"]) == (1, 4)
    assert rec["threshold_source"] == "argument"


def test_fnmr_at_fmr_matches_sklearn_and_flags_unresolvable_targets() -> None:
    rng = np.random.default_rng(11)
    n_gen, n_imp = 300, 3000
    genuine, impostor = rng.normal(2, 1, n_gen), rng.normal(0, 1, n_imp)
    subjects = [f"s{i % 40}" for i in range(n_gen + n_imp)]
    targets = subjects[:n_gen] + [f"s{(i + 1) % 40}" for i in range(n_imp)]
    scores = ScoreSet.from_columns(
        ["bona_fide"] * (n_gen + n_imp),
        np.ones(n_gen + n_imp),
        subjects=subjects,
        targets=targets,
        match_scores=np.r_[genuine, impostor],
    )
    document = evaluate(scores, threshold=0.5, match_threshold=1.0).document
    rec = document["recognition"]
    fpr, tpr, _ = roc_curve(np.r_[np.ones(n_gen), np.zeros(n_imp)], np.r_[genuine, impostor])
    for target in (1e-2, 1e-3):
        best = np.flatnonzero(fpr <= target)[-1]
        assert rec["fnmr_at_fmr"][f"{target:g}"] == pytest.approx(1 - tpr[best])
    assert rec["operating_points"]["0.001"]["resolvable"] is True  # 3000 >= 3 / 1e-3
    assert rec["operating_points"]["0.0001"]["resolvable"] is False
    assert document["counts"]["genuine_comparisons"] == n_gen


def test_recognition_threshold_defaults_to_its_eer_and_says_so() -> None:
    rec = evaluate(_verification_set(), threshold=0.5).document["recognition"]
    assert rec["threshold_source"] == "test_eer"
    assert rec["eer"] is not None


def test_no_recognition_data_gives_a_note() -> None:
    scores = ScoreSet.from_columns(["bona_fide", "print"], [0.9, 0.1])
    document = evaluate(scores, threshold=0.5).document
    assert document["recognition"]["threshold"] is None
    assert "note" in document["recognition"]
    assert document["system"]["iapar"] is None


def test_identification_cmc_fpir_fnir() -> None:
    # gallery {a, b, c}; probe p1 (a): a 0.9 best -> rank 1; probe p2 (b): c 0.7 > b 0.6 -> rank 2;
    # probe p3 (x, not enrolled): best 0.4; probe p4 (c): tie c 0.5 = a 0.5 -> rank 2 (pessimistic)
    rows = [
        ("p1", "a", "a", 0.9), ("p1", "a", "b", 0.2), ("p1", "a", "c", 0.1),
        ("p2", "b", "a", 0.1), ("p2", "b", "b", 0.6), ("p2", "b", "c", 0.7),
        ("p3", "x", "a", 0.4), ("p3", "x", "b", 0.3), ("p3", "x", "c", 0.2),
        ("p4", "c", "a", 0.5), ("p4", "c", "b", 0.1), ("p4", "c", "c", 0.5),
    ]  # fmt: skip
    scores = ScoreSet.from_columns(
        ["bona_fide"] * len(rows),
        np.ones(len(rows)),
        paths=[r[0] for r in rows],
        subjects=[r[1] for r in rows],
        targets=[r[2] for r in rows],
        match_scores=[r[3] for r in rows],
    )
    ident = evaluate(scores, threshold=0.5, match_threshold=0.35).document["recognition"][
        "identification"
    ]
    assert ident["gallery_size"] == 3
    assert ident["cmc"] == {"1": pytest.approx(1 / 3), "2": 1.0, "3": 1.0}
    assert ident["fnir"] == pytest.approx(2 / 3)  # p2 and p4 not first
    assert ident["fpir"] == 1.0  # p3's best 0.4 >= 0.35
    assert ident["errors"]["fpir"] == {"errors": 1, "n": 1}


def test_iapar_with_and_without_pad() -> None:
    # attacks on target "v": (pad score, match score)
    attacks = [(0.9, 0.9), (0.9, 0.1), (0.1, 0.9), (0.1, 0.1)]
    scores = ScoreSet.from_columns(
        ["bona_fide", "bona_fide", "mask_silicone", "mask_silicone", "print", "print"],
        [0.8, 0.7, *(a[0] for a in attacks)],
        subjects=["v", "w", "m1", "m2", "m3", "m4"],
        targets=["v", "v", "v", "v", "v", "v"],
        match_scores=[0.95, 0.2, *(a[1] for a in attacks)],
    )
    system = evaluate(scores, threshold=0.5, match_threshold=0.5, bootstrap=BootstrapSpec(50))
    document = system.document["system"]
    assert document["iapar"] == pytest.approx(1 / 4)
    assert document["iapar_without_pad"] == pytest.approx(2 / 4)
    assert document["per_species"]["mask_silicone"]["iapar"] == pytest.approx(1 / 2)
    assert document["per_species"]["print"]["iapar"] == 0.0
    assert document["errors"]["iapar"] == {"errors": 1, "n": 4}
    assert len(document["intervals"]["iapar"]) == 2
