"""PAD metrics of ISO/IEC 30107-3 from bona fide and attack scores.

APCER is computed per PAI species and summarised by its maximum (the standard's worst case:
a system is as weak as its weakest species). "BPCER at APCER = x" uses that worst-species
APCER. Pooled-attack figures (`eer`, HTER) are reported too because papers use them, but the
pooled APCER hides a weak species behind an easy one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from unmask.evaluation.bootstrap import (
    DEFAULT_CONFIDENCE,
    BootstrapSpec,
    binomial_interval,
    interval,
    resample_counts,
)
from unmask.evaluation.curves import (
    FloatArray,
    candidate_thresholds,
    eer,
    eer_batch,
    false_accept_rate,
    false_reject_rate,
    first_at_most,
    last_at_most,
)

DEFAULT_APCER_TARGETS = (0.01, 0.05, 0.10)
DEFAULT_BPCER_TARGETS = (0.01, 0.05, 0.10)
DEFAULT_GRID_SIZE = 2000

NON_STANDARD = {
    "acer": "ACER = (APCER_max + BPCER) / 2 at the threshold; deprecated by ISO/IEC 30107-3, "
    "kept for comparison with OULU-NPU style papers",
    "hter": "HTER = (pooled APCER + BPCER) / 2 at the threshold; a verification-era summary "
    "that pools species, not an ISO/IEC 30107-3 metric",
}


@dataclass(frozen=True, eq=False)
class PadSamples:
    """Scores split by class: bona fide, and each attack species (possibly empty)."""

    bona_fide: FloatArray
    species: Mapping[str, FloatArray]
    bona_units: NDArray[np.int64] | None = None
    species_units: Mapping[str, NDArray[np.int64]] | None = None

    @property
    def attacks(self) -> FloatArray:
        if not self.species:
            return np.empty(0)
        return np.concatenate(list(self.species.values()))

    @property
    def present_species(self) -> list[str]:
        return [name for name, scores in self.species.items() if scores.size]


@dataclass(frozen=True, eq=False)
class PadCurves:
    """APCER (per species, worst, pooled) and BPCER at every candidate threshold."""

    thresholds: FloatArray
    bpcer: FloatArray
    apcer: Mapping[str, FloatArray]
    apcer_max: FloatArray
    apcer_pooled: FloatArray

    @classmethod
    def from_samples(cls, samples: PadSamples) -> PadCurves:
        thresholds = candidate_thresholds(samples.bona_fide, samples.attacks)
        apcer = {name: false_accept_rate(s, thresholds) for name, s in samples.species.items()}
        present = [apcer[name] for name in samples.present_species]
        apcer_max = (
            np.max(np.vstack(present), axis=0) if present else np.full(thresholds.shape, np.nan)
        )
        return cls(
            thresholds=thresholds,
            bpcer=false_reject_rate(samples.bona_fide, thresholds),
            apcer=apcer,
            apcer_max=apcer_max,
            apcer_pooled=false_accept_rate(samples.attacks, thresholds),
        )

    def eer_point(self) -> tuple[float, float]:
        point = eer(self.apcer_pooled, self.bpcer, self.thresholds)
        return point.rate, point.threshold

    def threshold_at_apcer(self, target: float) -> float:
        """Lowest threshold whose worst-species APCER is within `target`."""
        return float(self.thresholds[int(first_at_most(self.apcer_max, target))])


def _rate(
    scores: FloatArray, threshold: float, *, accept_is_error: bool, confidence: float
) -> dict[str, Any]:
    """Errors, count, rate and the exact binomial interval of one rate at a threshold."""
    n = int(scores.size)
    accepted = int(np.count_nonzero(scores >= threshold))
    errors = accepted if accept_is_error else n - accepted
    return {
        "errors": errors,
        "n": n,
        "value": errors / n if n else None,
        "binomial_interval": binomial_interval(errors, n, confidence),
    }


def _key(target: float) -> str:
    return f"{target:g}"


def pad_metrics(
    samples: PadSamples,
    threshold: float,
    *,
    spec: BootstrapSpec | None = None,
    apcer_targets: Sequence[float] = DEFAULT_APCER_TARGETS,
    bpcer_targets: Sequence[float] = DEFAULT_BPCER_TARGETS,
    grid_size: int = DEFAULT_GRID_SIZE,
) -> dict[str, Any]:
    """All PAD figures at `threshold` and at the standard operating points, with counts.

    With `spec`, each figure also gets a bootstrap interval (see `bootstrap`), computed on a
    threshold grid; the point values are always exact.
    """
    curves = PadCurves.from_samples(samples)
    level = spec.confidence if spec is not None else DEFAULT_CONFIDENCE
    have_both = samples.bona_fide.size > 0 and bool(samples.present_species)
    apcer_counts = {
        name: _rate(scores, threshold, accept_is_error=True, confidence=level)
        for name, scores in samples.species.items()
    }
    bpcer_count = _rate(samples.bona_fide, threshold, accept_is_error=False, confidence=level)
    pooled_count = _rate(samples.attacks, threshold, accept_is_error=True, confidence=level)
    present = {name: c for name, c in apcer_counts.items() if c["n"]}
    worst = max(present, key=lambda name: present[name]["value"]) if present else None
    apcer_max = present[worst]["value"] if worst else None
    bpcer = bpcer_count["value"]
    eer_rate, eer_threshold = curves.eer_point() if have_both else (None, None)
    document: dict[str, Any] = {
        "threshold": float(threshold),
        "apcer": {name: count["value"] for name, count in apcer_counts.items()},
        "apcer_max": apcer_max,
        "apcer_max_species": worst,
        "apcer_pooled": pooled_count["value"],
        "bpcer": bpcer,
        "bpcer_at_apcer": {},
        "apcer_at_bpcer": {},
        "eer": eer_rate,
        "eer_threshold": eer_threshold,
        "eer_per_species": {},
        "acer": _mean(apcer_max, bpcer),
        "hter": _mean(pooled_count["value"], bpcer),
        "non_standard": NON_STANDARD,
        "operating_points": {"bpcer_at_apcer": {}, "apcer_at_bpcer": {}},
        "errors": {"apcer": apcer_counts, "apcer_pooled": pooled_count, "bpcer": bpcer_count},
    }
    for name, scores in samples.species.items():
        document["eer_per_species"][name] = (
            eer(curves.apcer[name], curves.bpcer, curves.thresholds).rate
            if scores.size and samples.bona_fide.size
            else None
        )
    for target in apcer_targets:
        point = None
        if have_both:
            k = int(first_at_most(curves.apcer_max, target))
            point = {
                "threshold": float(curves.thresholds[k]),
                "apcer_max": float(curves.apcer_max[k]),
                "bpcer": float(curves.bpcer[k]),
            }
        document["bpcer_at_apcer"][_key(target)] = point["bpcer"] if point else None
        document["operating_points"]["bpcer_at_apcer"][_key(target)] = point
    for target in bpcer_targets:
        point = None
        if have_both:
            k = int(last_at_most(curves.bpcer, target))
            point = {
                "threshold": float(curves.thresholds[k]),
                "apcer_max": float(curves.apcer_max[k]),
                "bpcer": float(curves.bpcer[k]),
            }
        document["apcer_at_bpcer"][_key(target)] = point["apcer_max"] if point else None
        document["operating_points"]["apcer_at_bpcer"][_key(target)] = point
    if spec is not None and have_both:
        document["intervals"] = _pad_intervals(
            samples, threshold, spec, apcer_targets, bpcer_targets, grid_size
        )
    return document


def _mean(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else (a + b) / 2.0


def bootstrap_grid(samples: PadSamples, threshold: float, grid_size: int) -> FloatArray:
    """Thresholds the replicates are evaluated on: every distinct score when few, else quantiles.

    Quantiles are taken of each class separately so the tails that decide APCER = 1 % keep
    resolution; -inf/+inf close the curve and the operating threshold is always included.
    """
    attacks = samples.attacks
    distinct = np.unique(np.concatenate([samples.bona_fide, attacks]))
    if distinct.size > grid_size:
        half = max(grid_size // 2, 2)
        levels = np.linspace(0.0, 1.0, half)
        distinct = np.unique(
            np.concatenate([np.quantile(samples.bona_fide, levels), np.quantile(attacks, levels)])
        )
    return np.unique(np.concatenate([[-np.inf], distinct, [threshold, np.inf]]))


def _pad_intervals(
    samples: PadSamples,
    threshold: float,
    spec: BootstrapSpec,
    apcer_targets: Sequence[float],
    bpcer_targets: Sequence[float],
    grid_size: int,
) -> dict[str, Any]:
    grid = bootstrap_grid(samples, threshold, grid_size)
    names = list(samples.species)
    classes = [samples.bona_fide, *(samples.species[name] for name in names)]
    width = grid.size + 1
    cells = np.concatenate(
        [
            c * width + np.searchsorted(grid, scores, side="right")
            for c, scores in enumerate(classes)
        ]
    )
    units = None
    if samples.bona_units is not None and samples.species_units is not None:
        units = np.concatenate([samples.bona_units, *(samples.species_units[n] for n in names)])
    counts = resample_counts(cells, len(classes) * width, units, spec)
    counts = counts.reshape(spec.replicates, len(classes), width)
    suffix = np.cumsum(counts[:, :, ::-1], axis=2)[:, :, ::-1]
    totals = suffix[:, :, 0]
    accepted = suffix[:, :, 1 : grid.size + 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        rates = accepted / totals[:, :, None]
        bpcer = 1.0 - rates[:, 0, :]
        apcer = rates[:, 1:, :]
        pooled = accepted[:, 1:, :].sum(axis=1) / totals[:, 1:].sum(axis=1)[:, None]
    apcer_max = _nanmax(apcer)
    k_t = int(np.searchsorted(grid, threshold))
    rows = np.arange(spec.replicates)
    out: dict[str, Any] = {
        "apcer": {name: interval(apcer[:, j, k_t], spec) for j, name in enumerate(names)},
        "apcer_max": interval(apcer_max[:, k_t], spec),
        "apcer_pooled": interval(pooled[:, k_t], spec),
        "bpcer": interval(bpcer[:, k_t], spec),
        "acer": interval((apcer_max[:, k_t] + bpcer[:, k_t]) / 2.0, spec),
        "hter": interval((pooled[:, k_t] + bpcer[:, k_t]) / 2.0, spec),
        "eer": interval(eer_batch(pooled, bpcer)[0], spec),
        "eer_per_species": {
            name: interval(eer_batch(apcer[:, j, :], bpcer)[0], spec)
            for j, name in enumerate(names)
        },
        "bpcer_at_apcer": {},
        "apcer_at_bpcer": {},
    }
    undefined = np.isnan(apcer_max).all(axis=1) | np.isnan(bpcer).any(axis=1)
    for target in apcer_targets:
        k = first_at_most(np.nan_to_num(apcer_max, nan=np.inf), target)
        values = np.where(undefined, np.nan, bpcer[rows, k])
        out["bpcer_at_apcer"][_key(target)] = interval(values, spec)
    for target in bpcer_targets:
        k = last_at_most(np.nan_to_num(bpcer, nan=np.inf), target)
        values = np.where(undefined, np.nan, apcer_max[rows, k])
        out["apcer_at_bpcer"][_key(target)] = interval(values, spec)
    out["grid_thresholds"] = int(grid.size)
    return out


def _nanmax(apcer: NDArray[np.float64]) -> NDArray[np.float64]:
    """Worst species per replicate and threshold; a species drawn empty does not count."""
    filled = np.where(np.isnan(apcer), -np.inf, apcer)
    worst = filled.max(axis=1)
    return np.where(np.isinf(worst), np.nan, worst)
