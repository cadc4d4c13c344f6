"""Error-rate curves and operating points shared by PAD and recognition metrics.

Conventions (one place, so PAD and recognition agree):
- a presentation is accepted when `score >= threshold`; ties at the threshold are accepted;
- "positives" are what should be accepted (bona fide, or genuine comparisons), "negatives"
  what should be rejected (attacks, or impostor comparisons);
- the candidate thresholds are every distinct score plus +inf (everything rejected), so each
  curve starts at (false accept 1, false reject 0) and ends at (0, 1);
- rates are exact step functions of the threshold; only the EER interpolates (see `eer`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


def candidate_thresholds(*score_arrays: FloatArray) -> FloatArray:
    """Distinct scores of all arrays, ascending, followed by +inf."""
    pooled = np.concatenate([np.asarray(a, dtype=np.float64) for a in score_arrays])
    return np.append(np.unique(pooled), np.inf)


def accepted_counts(scores: FloatArray, thresholds: FloatArray) -> NDArray[np.int64]:
    """How many `scores` are >= each threshold (vectorised by one sort and a binary search)."""
    ordered = np.sort(np.asarray(scores, dtype=np.float64))
    return ordered.size - np.searchsorted(ordered, thresholds, side="left")


def false_accept_rate(negatives: FloatArray, thresholds: FloatArray) -> FloatArray:
    """APCER / FMR: share of negatives accepted at each threshold (NaN when there are none)."""
    if negatives.size == 0:
        return np.full(thresholds.shape, np.nan)
    return accepted_counts(negatives, thresholds) / negatives.size


def false_reject_rate(positives: FloatArray, thresholds: FloatArray) -> FloatArray:
    """BPCER / FNMR: share of positives rejected at each threshold (NaN when there are none)."""
    if positives.size == 0:
        return np.full(thresholds.shape, np.nan)
    return 1.0 - accepted_counts(positives, thresholds) / positives.size


@dataclass(frozen=True)
class EqualErrorPoint:
    """The EER and the deployable threshold closest to it."""

    rate: float
    threshold: float


def eer(
    false_accept: FloatArray, false_reject: FloatArray, thresholds: FloatArray
) -> EqualErrorPoint:
    """Equal error rate of curves given on ascending thresholds (last axis).

    Definition, chosen for being threshold-free and symmetric in the two rates: walk the
    thresholds up to the first one where false accept <= false reject (index k). If they are
    equal there, that is the EER. Otherwise the curve crosses the diagonal between operating
    points k-1 and k; the EER is where the straight segment joining those two points (in linear
    rate coordinates, i.e. the DET/ROC drawn with straight lines) meets false accept = false
    reject. Ties in the scores need no special case: tied scores are one candidate threshold,
    so the curve jumps over them and the segment spans the jump.

    The threshold reported is the candidate (k-1 or k) with the smaller max(false accept,
    false reject), i.e. the minimax operating point, the higher threshold on a tie; it is a
    threshold a system can actually be set to, whose own rates may differ a little from the
    interpolated EER.
    """
    fa = np.asarray(false_accept, dtype=np.float64)
    fr = np.asarray(false_reject, dtype=np.float64)
    if np.isnan(fa).any() or np.isnan(fr).any():
        return EqualErrorPoint(rate=float("nan"), threshold=float("nan"))
    rate, index = eer_batch(fa[None, :], fr[None, :])
    return EqualErrorPoint(rate=float(rate[0]), threshold=float(thresholds[int(index[0])]))


def eer_batch(
    false_accept: FloatArray, false_reject: FloatArray
) -> tuple[FloatArray, NDArray[np.intp]]:
    """`eer` for many curves at once (rows), returning (rates, minimax threshold indices).

    Rows containing NaN (a class absent from a bootstrap replicate) give NaN.
    """
    fa = np.asarray(false_accept, dtype=np.float64)
    fr = np.asarray(false_reject, dtype=np.float64)
    diff = fa - fr
    crossed = diff <= 0
    k = np.argmax(crossed, axis=1)
    k = np.maximum(k, 1)
    rows = np.arange(fa.shape[0])
    d_before, d_at = diff[rows, k - 1], diff[rows, k]
    fa_before, fa_at = fa[rows, k - 1], fa[rows, k]
    denom = d_before - d_at
    with np.errstate(invalid="ignore", divide="ignore"):
        lam = np.where(denom > 0, d_before / np.where(denom > 0, denom, 1.0), 1.0)
    rate = np.where(d_at == 0, fa_at, fa_before + lam * (fa_at - fa_before))
    worst_before = np.maximum(fa_before, fr[rows, k - 1])
    worst_at = np.maximum(fa_at, fr[rows, k])
    index = np.where(worst_before < worst_at, k - 1, k)
    bad = np.isnan(diff).any(axis=1) | ~crossed.any(axis=1)
    rate = np.where(bad, np.nan, rate)
    return rate, index


def first_at_most(rate: FloatArray, target: float) -> NDArray[np.intp]:
    """Index of the lowest threshold whose non-increasing `rate` is <= target (last axis).

    This is how "BPCER at APCER = x" and "FNMR at FMR = x" pick their threshold: the most
    permissive threshold that keeps the false-accept rate within the target.
    """
    within = np.asarray(rate) <= target
    return np.argmax(within, axis=-1)


def last_at_most(rate: FloatArray, target: float) -> NDArray[np.intp]:
    """Index of the highest threshold whose non-decreasing `rate` is <= target (last axis).

    Used for "APCER at BPCER = x": the strictest threshold that keeps false rejects in budget.
    """
    within = np.asarray(rate) <= target
    size = within.shape[-1]
    return size - 1 - np.argmax(within[..., ::-1], axis=-1)


def score_eer(bona_fide: ArrayLike, attacks: ArrayLike) -> EqualErrorPoint:
    """The EER of two score samples (higher = bona fide), NaN when either is empty."""
    positives = np.asarray(bona_fide, dtype=np.float64)
    negatives = np.asarray(attacks, dtype=np.float64)
    if not positives.size or not negatives.size:
        return EqualErrorPoint(rate=float("nan"), threshold=float("nan"))
    thresholds = candidate_thresholds(positives, negatives)
    return eer(
        false_accept_rate(negatives, thresholds),
        false_reject_rate(positives, thresholds),
        thresholds,
    )
