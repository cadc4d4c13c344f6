"""Recognition metrics of ISO/IEC 19795-1: verification (FMR/FNMR) and identification.

Only bona fide presentations count here: recognition error rates describe the recogniser on
real faces; attacks are the business of PAD and of the system figures (IAPAR).

A verification comparison is a bona fide row with a `match_score` against `target`: mated
(genuine) when `subject == target`, non-mated (impostor) otherwise. Identification reads the
same rows grouped by probe (`path`): a probe compared with several gallery identities has one
row per identity; the gallery is every identity that appears as a target.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from unmask.evaluation.bootstrap import BootstrapSpec, fixed_rate_interval, unit_codes
from unmask.evaluation.curves import FloatArray
from unmask.evaluation.pad import PadSamples, pad_metrics
from unmask.evaluation.scores import ScoreSet

DEFAULT_FMR_TARGETS = (1e-2, 1e-3, 1e-4)
CMC_MAX_RANK = 20


@dataclass(frozen=True, eq=False)
class Comparisons:
    """Mated (genuine) and non-mated (impostor) comparison scores with their bootstrap units."""

    genuine: FloatArray
    impostor: FloatArray
    genuine_units: NDArray[np.int64] | None
    impostor_units: NDArray[np.int64] | None

    @classmethod
    def from_scores(cls, scores: ScoreSet) -> Comparisons:
        usable = (
            scores.is_bona_fide
            & ~np.isnan(scores.match_scores)
            & scores.has_subject
            & scores.has_target
        )
        mated = usable & (scores.subjects == scores.targets)
        impostor = usable & ~mated
        units = scores.units
        return cls(
            genuine=scores.match_scores[mated],
            impostor=scores.match_scores[impostor],
            genuine_units=None if units is None else units[mated],
            impostor_units=None if units is None else units[impostor],
        )

    @property
    def usable(self) -> bool:
        return self.genuine.size > 0 and self.impostor.size > 0

    def as_pad_samples(self) -> PadSamples:
        """Same arithmetic as PAD: genuine play bona fide, impostors the single attack class."""
        return PadSamples(
            bona_fide=self.genuine,
            species={"impostor": self.impostor},
            bona_units=self.genuine_units,
            species_units=None
            if self.impostor_units is None
            else {"impostor": self.impostor_units},
        )


def verification_metrics(
    comparisons: Comparisons,
    threshold: float,
    *,
    spec: BootstrapSpec | None = None,
    fmr_targets: Sequence[float] = DEFAULT_FMR_TARGETS,
) -> dict[str, Any]:
    """FMR, FNMR at `threshold`, EER and FNMR at fixed FMRs, with counts and intervals.

    FNMR at FMR = x is reported even when there are too few impostor comparisons to observe
    an FMR of x; `resolvable` says whether n_impostor >= 3 / x (the rule of three: with no
    error in n trials, 3 / n is the 95 % upper bound on the rate).
    """
    pad = pad_metrics(
        comparisons.as_pad_samples(),
        threshold,
        spec=spec,
        apcer_targets=fmr_targets,
        bpcer_targets=(),
    )
    n_impostor = int(comparisons.impostor.size)
    operating = {
        key: None
        if point is None
        else {
            "threshold": point["threshold"],
            "fmr": point["apcer_max"],
            "fnmr": point["bpcer"],
            "resolvable": n_impostor >= 3.0 / float(key),
        }
        for key, point in pad["operating_points"]["bpcer_at_apcer"].items()
    }
    document: dict[str, Any] = {
        "threshold": float(threshold),
        "fmr": pad["apcer"]["impostor"],
        "fnmr": pad["bpcer"],
        "eer": pad["eer"],
        "eer_threshold": pad["eer_threshold"],
        "fnmr_at_fmr": pad["bpcer_at_apcer"],
        "operating_points": operating,
        "errors": {"fmr": pad["errors"]["apcer"]["impostor"], "fnmr": pad["errors"]["bpcer"]},
    }
    if "intervals" in pad:
        intervals = pad["intervals"]
        document["intervals"] = {
            "fmr": intervals["apcer"]["impostor"],
            "fnmr": intervals["bpcer"],
            "eer": intervals["eer"],
            "fnmr_at_fmr": intervals["bpcer_at_apcer"],
        }
    return document


def identification_metrics(
    scores: ScoreSet, threshold: float, *, spec: BootstrapSpec | None = None
) -> dict[str, Any] | None:
    """FPIR, FNIR (rank 1, at `threshold`) and the CMC; None when no probe has several candidates.

    Rank of a mated probe = 1 + number of other gallery identities scoring at least as high as
    the mated one (ties count against the system). A mated probe is missed (FNIR) when its mate
    is not ranked first or scores below the threshold; a non-mated probe (subject not in the
    gallery) is a false positive (FPIR) when its best candidate reaches the threshold.
    """
    usable = np.flatnonzero(
        scores.is_bona_fide
        & ~np.isnan(scores.match_scores)
        & scores.has_subject
        & scores.has_target
    )
    if np.unique(scores.paths[usable]).size == usable.size:
        return None  # every probe compared with one identity: verification only
    candidates: dict[str, dict[str, float]] = defaultdict(dict)
    subject_of: dict[str, str] = {}
    for i in usable:
        target, subject = scores.targets[i], scores.subjects[i]
        probe = str(scores.paths[i])
        previous = candidates[probe].get(target, -np.inf)
        candidates[probe][target] = max(previous, float(scores.match_scores[i]))
        subject_of[probe] = subject
    if not any(len(c) > 1 for c in candidates.values()):
        return None
    gallery = {target for c in candidates.values() for target in c}
    probes = sorted(candidates)
    ranks, mated_hit, nonmated_alarm, mated_subjects, nonmated_subjects = [], [], [], [], []
    for probe in probes:
        row, subject = candidates[probe], subject_of[probe]
        if subject in gallery:
            mate = row.get(subject)
            if mate is None:
                rank = np.inf
            else:
                rank = 1 + sum(1 for t, s in row.items() if t != subject and s >= mate)
            ranks.append(rank)
            mated_hit.append(rank == 1 and mate is not None and mate >= threshold)
            mated_subjects.append(subject)
        else:
            nonmated_alarm.append(max(row.values()) >= threshold)
            nonmated_subjects.append(subject)
    rank_array = np.asarray(ranks, dtype=np.float64)
    misses = ~np.asarray(mated_hit, dtype=bool)
    alarms = np.asarray(nonmated_alarm, dtype=bool)
    max_rank = min(CMC_MAX_RANK, len(gallery))
    document: dict[str, Any] = {
        "threshold": float(threshold),
        "gallery_size": len(gallery),
        "fnir": float(misses.mean()) if misses.size else None,
        "fpir": float(alarms.mean()) if alarms.size else None,
        "cmc": {
            str(k): float(np.mean(rank_array <= k)) if rank_array.size else None
            for k in range(1, max_rank + 1)
        },
        "errors": {
            "fnir": {"errors": int(misses.sum()), "n": int(misses.size)},
            "fpir": {"errors": int(alarms.sum()), "n": int(alarms.size)},
        },
    }
    if spec is not None:
        document["intervals"] = {
            "fnir": fixed_rate_interval(misses, _codes(mated_subjects), spec),
            "fpir": fixed_rate_interval(alarms, _codes(nonmated_subjects), spec),
        }
    return document


def _codes(subjects: list[str]) -> NDArray[np.int64] | None:
    return unit_codes(np.asarray(subjects, dtype=object)) if subjects else None
