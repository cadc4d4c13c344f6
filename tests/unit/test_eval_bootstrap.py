"""Subject-level bootstrap intervals: coverage of the point value, clustering, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from unmask.evaluation import BootstrapSpec, ScoreSet, evaluate
from unmask.evaluation.bootstrap import (
    binomial_interval,
    fixed_rate_interval,
    resample_counts,
    unit_codes,
)


def _clustered(seed: int = 0, subjects: int = 20, per_subject: int = 30) -> ScoreSet:
    """Each subject has its own offset, so presentations of one subject are strongly correlated."""
    rng = np.random.default_rng(seed)
    labels, scores, names = [], [], []
    for s in range(subjects):
        offset = rng.normal(0, 1.0)
        for label, centre in (("bona_fide", 1.0), ("print", -1.0)):
            labels += [label] * per_subject
            scores += list(centre + offset + rng.normal(0, 0.1, per_subject))
            names += [f"s{s}"] * per_subject
    return ScoreSet.from_columns(labels, scores, subjects=names)


def _width(interval: list[float]) -> float:
    return interval[1] - interval[0]


def test_intervals_contain_point_values_and_are_deterministic() -> None:
    spec = BootstrapSpec(replicates=300, seed=3)
    first = evaluate(_clustered(), threshold=0.0, bootstrap=spec).document["pad"]
    second = evaluate(_clustered(), threshold=0.0, bootstrap=spec).document["pad"]
    assert first["intervals"] == second["intervals"]
    for key in ("bpcer", "apcer_max", "eer"):
        low, high = first["intervals"][key]
        assert low <= first[key] <= high


def test_subject_bootstrap_is_wider_than_presentation_bootstrap_for_clustered_data() -> None:
    spec = BootstrapSpec(replicates=400, seed=1)
    clustered = _clustered()
    by_subject = evaluate(clustered, threshold=0.0, bootstrap=spec).document
    flat = ScoreSet.from_columns(list(clustered.labels), clustered.scores)
    by_presentation = evaluate(flat, threshold=0.0, bootstrap=spec).document
    assert by_subject["confidence"]["unit"] == "subject"
    assert by_presentation["confidence"]["unit"] == "presentation"
    assert _width(by_subject["pad"]["intervals"]["bpcer"]) > 2 * _width(
        by_presentation["pad"]["intervals"]["bpcer"]
    )


def test_presentation_multinomial_keeps_total() -> None:
    cells = np.array([0, 0, 1, 2, 2, 2])
    counts = resample_counts(cells, 3, None, BootstrapSpec(replicates=50))
    assert counts.shape == (50, 3)
    assert (counts.sum(axis=1) == 6).all()


def test_subject_resampling_moves_whole_subjects() -> None:
    # subject a has two rows in cell 0, subject b one row in cell 1: replicate counts in cell 0
    # can only be even
    cells = np.array([0, 0, 1])
    units = unit_codes(np.array(["a", "a", "b"], dtype=object))
    counts = resample_counts(cells, 2, units, BootstrapSpec(replicates=200))
    assert (counts[:, 0] % 2 == 0).all()
    assert set(np.unique(counts.sum(axis=1))) <= {2.0, 3.0, 4.0}


def test_rows_without_subject_are_their_own_units() -> None:
    codes = unit_codes(np.array(["x", None, "x", None], dtype=object))
    assert codes is not None
    assert codes[0] == codes[2] and len({codes[1], codes[3], codes[0]}) == 3
    assert unit_codes(np.array([None, None], dtype=object)) is None


def test_fixed_rate_interval_of_constant_errors_is_degenerate() -> None:
    assert fixed_rate_interval(np.ones(10, bool), None, BootstrapSpec(replicates=20)) == [1.0, 1.0]
    assert fixed_rate_interval(np.zeros(0, bool), None, BootstrapSpec()) is None


def test_large_grid_path_stays_close_to_exact_values() -> None:
    rng = np.random.default_rng(5)
    n = 6000  # more distinct scores than the grid: quantile grid path
    labels = rng.choice(["bona_fide", "print"], n)
    scores = np.where(labels == "bona_fide", rng.normal(1, 1, n), rng.normal(-1, 1, n))
    document = evaluate(
        ScoreSet.from_columns(list(labels), scores), threshold=0.0, bootstrap=BootstrapSpec(200)
    ).document["pad"]
    assert document["intervals"]["grid_thresholds"] < n
    low, high = document["intervals"]["eer"]
    assert low <= document["eer"] <= high


def test_binomial_interval_matches_rule_of_three_and_known_values() -> None:
    # zero errors in n: upper 95 % two-sided bound is 1 - 0.025 ** (1 / n) (about 3.7 / n)
    low, high = binomial_interval(0, 100)
    assert low == 0.0 and high == pytest.approx(1 - 0.025 ** (1 / 100))
    # 5 of 10: symmetric around one half
    low, high = binomial_interval(5, 10)
    assert low == pytest.approx(1 - high)
    assert binomial_interval(0, 0) is None
    assert binomial_interval(4, 4)[1] == 1.0


def test_few_subjects_raise_a_warning() -> None:
    scores = ScoreSet.from_columns(
        ["bona_fide", "print", "bona_fide", "print"], [0.9, 0.1, 0.8, 0.2], subjects=list("aabb")
    )
    confidence = evaluate(scores, bootstrap=BootstrapSpec(20)).document["confidence"]
    assert confidence["units"] == 2
    assert "unreliable" in confidence["warning"]
    assert (
        "warning"
        not in evaluate(_clustered(subjects=25), bootstrap=BootstrapSpec(20)).document["confidence"]
    )
