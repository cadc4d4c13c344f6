"""Subject-level bootstrap: resample people, not presentations.

Presentations of one subject are correlated (same face, same session, same mask), so treating
them as independent makes intervals far too narrow. Each replicate draws subjects with
replacement and keeps all of their presentations. Rows without a subject are their own unit.

Vectorised by counting instead of re-sorting: every metric here depends on the scores only
through how many presentations of each class fall between consecutive thresholds of a fixed
grid. So each unit becomes a sparse row of cell counts (class x grid bin), and a replicate's
counts are `weights @ counts`, where `weights` are multinomial draws of how often each unit was
picked. When no row has a subject, drawing presentations with replacement is exactly a
multinomial draw over the cells, which needs no per-presentation work at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.stats import beta

DEFAULT_REPLICATES = 1000
DEFAULT_CONFIDENCE = 0.95
_MAX_WEIGHT_CELLS = 20_000_000


@dataclass(frozen=True)
class BootstrapSpec:
    """How intervals are made: replicates, confidence level, seed (fixed, so runs reproduce)."""

    replicates: int = DEFAULT_REPLICATES
    confidence: float = DEFAULT_CONFIDENCE
    seed: int = 0

    def percentiles(self) -> tuple[float, float]:
        tail = (1.0 - self.confidence) / 2.0 * 100.0
        return tail, 100.0 - tail


def present_mask(column: NDArray[np.object_]) -> NDArray[np.bool_]:
    """Which entries of an optional-string column are set (vectorised `is not None`)."""
    return np.asarray(column != None, dtype=bool)  # noqa: E711 (elementwise on an array)


def unit_codes(subjects: NDArray[np.object_]) -> NDArray[np.int64] | None:
    """Integer unit per row (subject, or the row itself when it has none); None if no subjects."""
    present = present_mask(subjects)
    if not present.any():
        return None
    codes = np.empty(len(subjects), dtype=np.int64)
    _, named = np.unique(subjects[present].astype(str), return_inverse=True)
    codes[present] = named
    n_named = int(named.max()) + 1 if named.size else 0
    codes[~present] = n_named + np.arange(int((~present).sum()))
    return codes


def resample_counts(
    cells: NDArray[np.int64],
    n_cells: int,
    units: NDArray[np.int64] | None,
    spec: BootstrapSpec,
) -> NDArray[np.float64]:
    """Replicate counts per cell, shape (replicates, n_cells).

    `cells[i]` is the cell of row i; `units[i]` its resampling unit (None: rows are units).
    """
    rng = np.random.default_rng(spec.seed)
    if units is None:
        totals = np.bincount(cells, minlength=n_cells).astype(np.float64)
        n = int(totals.sum())
        if n == 0:
            return np.zeros((spec.replicates, n_cells))
        return rng.multinomial(n, totals / n, size=spec.replicates).astype(np.float64)
    _, units = np.unique(units, return_inverse=True)
    n_units = int(units.max()) + 1
    per_unit = sparse.csr_matrix(
        (np.ones(cells.size), (units, cells)), shape=(n_units, n_cells)
    ).T.tocsr()
    out = np.empty((spec.replicates, n_cells))
    chunk = max(1, min(spec.replicates, _MAX_WEIGHT_CELLS // max(n_units, 1)))
    uniform = np.full(n_units, 1.0 / n_units)
    for start in range(0, spec.replicates, chunk):
        stop = min(spec.replicates, start + chunk)
        weights = rng.multinomial(n_units, uniform, size=stop - start).astype(np.float64)
        out[start:stop] = (per_unit @ weights.T).T
    return out


def interval(samples: NDArray[np.float64], spec: BootstrapSpec) -> list[float] | None:
    """Percentile interval of replicate values (NaN replicates, e.g. a class drawn empty, dropped)."""
    finite = samples[np.isfinite(samples)]
    if finite.size == 0:
        return None
    low, high = np.percentile(finite, spec.percentiles())
    return [float(low), float(high)]


def intervals(samples: NDArray[np.float64], spec: BootstrapSpec) -> list[list[float] | None]:
    """`interval` for each column of a (replicates, k) array."""
    return [interval(samples[:, j], spec) for j in range(samples.shape[1])]


def fixed_rate_interval(
    errors: NDArray[np.bool_], units: NDArray[np.int64] | None, spec: BootstrapSpec
) -> list[float] | None:
    """Interval of a rate at a fixed threshold: share of rows where `errors` is true."""
    if errors.size == 0:
        return None
    counts = resample_counts(errors.astype(np.int64), 2, units, spec)
    with np.errstate(invalid="ignore", divide="ignore"):
        rates = counts[:, 1] / counts.sum(axis=1)
    return interval(rates, spec)


def binomial_interval(
    errors: int, n: int, confidence: float = DEFAULT_CONFIDENCE
) -> list[float] | None:
    """Clopper-Pearson (exact) interval of errors / n, treating presentations as independent.

    Shown beside the subject bootstrap because it stays informative where the bootstrap
    degenerates (zero errors, or a handful of subjects); it ignores correlation within a
    subject, so it is a lower bound on the real uncertainty, never a substitute.
    """
    if n == 0:
        return None
    tail = (1.0 - confidence) / 2.0
    low = 0.0 if errors == 0 else float(beta.ppf(tail, errors, n - errors + 1))
    high = 1.0 if errors == n else float(beta.ppf(1.0 - tail, errors + 1, n - errors))
    return [low, high]
