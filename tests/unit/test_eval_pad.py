"""PAD metrics (ISO/IEC 30107-3) on hand-computed cases, species edge cases, thresholds."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_curve

from unmask.errors import ProtocolError
from unmask.evaluation import ScoreSet, evaluate


def _set(rows: list[tuple[str, float]], subjects: list[str] | None = None) -> ScoreSet:
    return ScoreSet.from_columns([r[0] for r in rows], [r[1] for r in rows], subjects=subjects)


HAND = [
    ("bona_fide", 0.9),
    ("bona_fide", 0.8),
    ("bona_fide", 0.6),
    ("bona_fide", 0.4),
    ("print", 0.1),
    ("print", 0.5),
    ("replay", 0.2),
    ("replay", 0.7),
    ("replay", 0.3),
    ("replay", 0.95),
]


def test_apcer_per_species_max_and_bpcer_at_threshold() -> None:
    pad = evaluate(_set(HAND), threshold=0.5).document["pad"]
    # accepted when score >= 0.5: print 0.5 (1 of 2), replay 0.7, 0.95 (2 of 4), bona 0.4 rejected
    assert pad["apcer"] == {"print": 0.5, "replay": 0.5}
    assert pad["apcer_max"] == 0.5
    assert pad["bpcer"] == 0.25
    assert pad["errors"]["bpcer"]["errors"] == 1 and pad["errors"]["bpcer"]["n"] == 4
    assert pad["errors"]["apcer"]["replay"]["errors"] == 2
    assert pad["apcer_pooled"] == pytest.approx(3 / 6)
    assert pad["acer"] == pytest.approx((0.5 + 0.25) / 2)
    assert pad["hter"] == pytest.approx((0.5 + 0.25) / 2)
    assert pad["threshold_source"] == "argument"
    assert set(pad["non_standard"]) == {"acer", "hter"}


def test_tie_at_threshold_is_accepted() -> None:
    pad = evaluate(_set([("bona_fide", 0.5), ("print", 0.5)]), threshold=0.5).document["pad"]
    assert pad["bpcer"] == 0.0
    assert pad["apcer"]["print"] == 1.0


def test_worst_species_decides_bpcer_at_apcer() -> None:
    pad = evaluate(_set(HAND), threshold=0.5).document["pad"]
    # APCER_max <= 10 % needs every attack rejected: threshold above 0.95 -> all bona rejected
    assert pad["bpcer_at_apcer"]["0.1"] == 1.0
    point = pad["operating_points"]["bpcer_at_apcer"]["0.1"]
    assert point["threshold"] == np.inf and point["apcer_max"] == 0.0
    # without the 0.95 replay: at t = 0.3 replay is 2/3 (too high), at t = 0.4 print 1/2 and
    # replay 1/3, so APCER_max <= 50 % first holds at 0.4, where no bona fide is rejected yet;
    # at APCER <= 40 % the worst species (print, 1/2) forces t = 0.6 and BPCER 1/4
    rows = [r for r in HAND if r[1] != 0.95]
    pad = evaluate(_set(rows), threshold=0.5, apcer_targets=(0.5, 0.4)).document["pad"]
    assert pad["operating_points"]["bpcer_at_apcer"]["0.5"]["threshold"] == pytest.approx(0.4)
    assert pad["bpcer_at_apcer"]["0.5"] == 0.0
    assert pad["operating_points"]["bpcer_at_apcer"]["0.4"]["threshold"] == pytest.approx(0.6)
    assert pad["bpcer_at_apcer"]["0.4"] == pytest.approx(0.25)


def test_apcer_at_bpcer() -> None:
    pad = evaluate(_set(HAND), threshold=0.5, bpcer_targets=(0.25, 0.0)).document["pad"]
    # BPCER <= 25 %: highest such threshold is 0.6 (rejects only 0.4); APCER_max there: replay 2/4
    assert pad["operating_points"]["apcer_at_bpcer"]["0.25"]["threshold"] == pytest.approx(0.6)
    assert pad["apcer_at_bpcer"]["0.25"] == 0.5
    # BPCER = 0 allows at most t = 0.4: print 1/2, replay 2/4 accepted
    assert pad["apcer_at_bpcer"]["0"] == 0.5


def test_one_species_matches_sklearn() -> None:
    rng = np.random.default_rng(7)
    bona, attack = np.round(rng.normal(1, 1, 500), 2), np.round(rng.normal(-1, 1, 500), 2)
    scores = ScoreSet.from_columns(["bona_fide"] * 500 + ["print"] * 500, np.r_[bona, attack])
    pad = evaluate(scores, threshold=0.0, apcer_targets=(0.05,)).document["pad"]
    fpr, tpr, _ = roc_curve(np.r_[np.ones(500), np.zeros(500)], np.r_[bona, attack])
    # lowest threshold with FPR <= 5 %: sklearn lists thresholds descending
    ok = np.flatnonzero(fpr <= 0.05)
    best = ok[-1]
    assert pad["bpcer_at_apcer"]["0.05"] == pytest.approx(1 - tpr[best])
    assert pad["apcer_max"] == pad["apcer"]["print"] == pad["apcer_pooled"]


def test_expected_species_absent_is_reported_empty_and_ignored_by_max() -> None:
    pad = evaluate(_set(HAND), threshold=0.5, expected_species=["mask_silicone"]).document["pad"]
    assert pad["apcer"]["mask_silicone"] is None
    assert pad["errors"]["apcer"]["mask_silicone"]["n"] == 0
    assert pad["eer_per_species"]["mask_silicone"] is None
    assert pad["apcer_max"] == 0.5


def test_unscored_rows_are_counted_not_guessed() -> None:
    scores = ScoreSet.from_columns(["bona_fide", "print", "print"], [0.9, np.nan, 0.1])
    document = evaluate(scores, threshold=0.5).document
    assert document["counts"]["unscored"] == 1
    assert document["pad"]["errors"]["apcer"]["print"]["n"] == 1


def test_all_accepted_and_all_rejected_thresholds() -> None:
    low = evaluate(_set(HAND), threshold=-1.0).document["pad"]
    assert low["apcer_max"] == 1.0 and low["bpcer"] == 0.0
    high = evaluate(_set(HAND), threshold=2.0).document["pad"]
    assert high["apcer_max"] == 0.0 and high["bpcer"] == 1.0


def test_no_attacks_with_threshold_gives_bpcer_only() -> None:
    pad = evaluate(_set([("bona_fide", 0.2), ("bona_fide", 0.8)]), threshold=0.5).document["pad"]
    assert pad["bpcer"] == 0.5
    assert pad["apcer_max"] is None and pad["eer"] is None
    assert pad["bpcer_at_apcer"]["0.01"] is None


def test_one_class_without_threshold_gives_no_pad_figures_but_a_note() -> None:
    document = evaluate(_set([("bona_fide", 0.2), ("bona_fide", 0.8)])).document
    assert document["pad"]["threshold"] is None
    assert "only one class" in document["pad"]["note"]
    assert document["system"]["iapar"] is None


def test_dev_threshold_needs_both_classes() -> None:
    dev = _set([("bona_fide", 0.2), ("bona_fide", 0.8)])
    with pytest.raises(ProtocolError, match="development set needs"):
        evaluate(_set(HAND), dev=dev)


def test_threshold_sources_and_dev_applied_unchanged() -> None:
    dev = _set([("bona_fide", 0.7), ("bona_fide", 0.9), ("print", 0.1), ("print", 0.3)])
    test = _set(HAND)
    from_dev = evaluate(test, dev=dev).document["pad"]
    assert from_dev["threshold_source"] == "dev_eer"
    assert from_dev["threshold"] == pytest.approx(0.7)  # dev separates perfectly from 0.7 up
    assert from_dev["apcer"]["replay"] == 0.5  # 0.7 and 0.95 accepted on test
    assert "dev_operating_points" in from_dev
    assert evaluate(test).document["pad"]["threshold_source"] == "test_eer"
    assert evaluate(test, dev=dev, threshold=0.2).document["pad"]["threshold_source"] == "argument"


def test_dev_operating_points_measure_on_test() -> None:
    dev = _set([("bona_fide", 0.7), ("bona_fide", 0.9), ("print", 0.1), ("print", 0.3)])
    points = evaluate(_set(HAND), dev=dev, apcer_targets=(0.01,)).document["pad"][
        "dev_operating_points"
    ]
    point = points["0.01"]
    assert point["threshold"] == pytest.approx(0.7)
    assert point["apcer"] == {"print": 0.0, "replay": 0.5}
    assert point["bpcer"] == pytest.approx(0.5)
