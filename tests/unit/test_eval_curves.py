"""Error curves and EER against scikit-learn's ROC and hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_curve

from unmask.evaluation.curves import (
    candidate_thresholds,
    eer,
    false_accept_rate,
    false_reject_rate,
    first_at_most,
    last_at_most,
    score_eer,
)


def _brute_force_eer(fa: np.ndarray, fr: np.ndarray) -> float:
    """Where the polyline through (fr, fa) points meets fa == fr, by scanning every segment."""
    for i in range(len(fa) - 1):
        d0, d1 = fa[i] - fr[i], fa[i + 1] - fr[i + 1]
        if d0 == 0:
            return float(fa[i])
        if d0 > 0 > d1 or d1 == 0:
            t = d0 / (d0 - d1)
            return float(fa[i] + t * (fa[i + 1] - fa[i]))
    raise AssertionError("no crossing")


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("decimals", [1, 2, 6])
def test_rates_match_sklearn_roc_including_ties(seed: int, decimals: int) -> None:
    rng = np.random.default_rng(seed)
    bona = np.round(rng.normal(1.0, 1.0, 300), decimals)
    attack = np.round(rng.normal(-0.5, 1.0, 400), decimals)
    y = np.r_[np.ones(bona.size), np.zeros(attack.size)]
    fpr, tpr, thr = roc_curve(y, np.r_[bona, attack], drop_intermediate=False)
    finite = np.isfinite(thr)
    np.testing.assert_allclose(false_accept_rate(attack, thr[finite]), fpr[finite])
    np.testing.assert_allclose(false_reject_rate(bona, thr[finite]), 1 - tpr[finite])
    # sklearn's thresholds are exactly our candidates (every distinct score)
    ours = candidate_thresholds(bona, attack)
    np.testing.assert_array_equal(np.sort(thr[finite]), ours[:-1])


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_eer_matches_segment_intersection_on_sklearn_curve(seed: int) -> None:
    rng = np.random.default_rng(seed)
    bona = np.round(rng.normal(1.0, 1.0, 200), 1)
    attack = np.round(rng.normal(-0.5, 1.2, 150), 1)
    y = np.r_[np.ones(bona.size), np.zeros(attack.size)]
    fpr, tpr, _ = roc_curve(y, np.r_[bona, attack], drop_intermediate=False)
    # sklearn orders thresholds descending; our walk goes ascending
    expected = _brute_force_eer(fpr[::-1], (1 - tpr)[::-1])
    thresholds = candidate_thresholds(bona, attack)
    point = eer(
        false_accept_rate(attack, thresholds), false_reject_rate(bona, thresholds), thresholds
    )
    assert point.rate == pytest.approx(expected, abs=1e-12)


def test_hand_computed_eer_exact_crossing() -> None:
    bona = np.array([0.6, 0.7, 0.8, 0.9])
    attack = np.array([0.1, 0.2, 0.3, 0.65])
    t = candidate_thresholds(bona, attack)
    # at t = 0.65: one attack (0.65) accepted -> APCER 1/4; bona 0.6 rejected -> BPCER 1/4
    point = eer(false_accept_rate(attack, t), false_reject_rate(bona, t), t)
    assert point.rate == pytest.approx(0.25)
    assert point.threshold == pytest.approx(0.65)


def test_hand_computed_eer_interpolates_between_points() -> None:
    bona = np.array([0.5, 0.8])
    attack = np.array([0.2, 0.6])
    t = candidate_thresholds(bona, attack)  # 0.2, 0.5, 0.6, 0.8, inf
    fa = false_accept_rate(attack, t)  # 1, .5, .5, 0, 0
    fr = false_reject_rate(bona, t)  # 0, 0, .5, .5, 1
    np.testing.assert_allclose(fa, [1, 0.5, 0.5, 0, 0])
    np.testing.assert_allclose(fr, [0, 0, 0.5, 0.5, 1])
    point = eer(fa, fr, t)
    assert point.rate == pytest.approx(0.5)  # touches the diagonal at t = 0.6


def test_all_tied_scores_give_eer_one_half() -> None:
    bona = np.full(5, 0.5)
    attack = np.full(7, 0.5)
    t = candidate_thresholds(bona, attack)  # 0.5, inf: (fa 1, fr 0) then (0, 1)
    assert eer(false_accept_rate(attack, t), false_reject_rate(bona, t), t).rate == pytest.approx(
        0.5
    )


def test_perfect_separation_gives_zero_eer() -> None:
    bona = np.array([2.0, 3.0])
    attack = np.array([0.0, 1.0])
    t = candidate_thresholds(bona, attack)
    point = eer(false_accept_rate(attack, t), false_reject_rate(bona, t), t)
    assert point.rate == 0.0
    assert point.threshold == 2.0


def test_all_accepted_and_all_rejected_ends() -> None:
    bona = np.array([0.3, 0.4])
    attack = np.array([0.1, 0.35])
    t = candidate_thresholds(bona, attack)
    fa, fr = false_accept_rate(attack, t), false_reject_rate(bona, t)
    assert (fa[0], fr[0]) == (1.0, 0.0)  # lowest threshold: everything accepted
    assert (fa[-1], fr[-1]) == (0.0, 1.0)  # +inf: everything rejected


def test_empty_class_gives_nan_rates_and_eer() -> None:
    t = candidate_thresholds(np.array([0.5]), np.array([]))
    assert np.isnan(false_accept_rate(np.array([]), t)).all()
    assert np.isnan(
        eer(false_accept_rate(np.array([]), t), false_reject_rate(np.array([0.5]), t), t).rate
    )


def test_operating_point_search() -> None:
    fa = np.array([1.0, 0.5, 0.2, 0.05, 0.0])
    fr = np.array([0.0, 0.01, 0.1, 0.3, 1.0])
    assert int(first_at_most(fa, 0.2)) == 2
    assert int(first_at_most(fa, 0.01)) == 4
    assert int(last_at_most(fr, 0.1)) == 2
    assert int(last_at_most(fr, 0.0)) == 0


def test_score_eer_of_two_samples() -> None:
    separated = score_eer([0.9, 0.8, 0.7], [0.1, 0.2, 0.3])
    assert separated.rate == 0.0 and 0.3 < separated.threshold <= 0.7
    overlapping = score_eer([0.6, 0.4], [0.5, 0.3])
    assert overlapping.rate == pytest.approx(0.5)
    assert np.isnan(score_eer([], [0.2]).rate)
