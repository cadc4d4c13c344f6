"""One call from scores to every figure: threshold choice, PAD, recognition, system, counts.

The PAD threshold comes from the caller, else from a development set at its EER, else from the
evaluated scores themselves; the document always says which, because a threshold tuned on the
test set makes every figure at it optimistic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from unmask.errors import ProtocolError
from unmask.evaluation.bootstrap import BootstrapSpec
from unmask.evaluation.pad import (
    DEFAULT_APCER_TARGETS,
    DEFAULT_BPCER_TARGETS,
    PadCurves,
    PadSamples,
    pad_metrics,
)
from unmask.evaluation.recognition import (
    DEFAULT_FMR_TARGETS,
    Comparisons,
    identification_metrics,
    verification_metrics,
)
from unmask.evaluation.scores import ScoreSet
from unmask.evaluation.system import system_metrics
from unmask.species import BONA_FIDE

THRESHOLD_SOURCES = {
    "argument": "given by the caller",
    "dev_eer": "EER threshold of the development set, applied unchanged to the evaluated set",
    "test_eer": "EER threshold of the evaluated scores themselves: optimistic, pass a dev set",
    "pad_level": "the PAD model's security-level threshold, set on the model's own calibration "
    "data",
    "recogniser_fmr": "unmask's verification threshold at its default FMR, calibrated on other "
    "data",
}

NO_PAD_THRESHOLD = (
    "no PAD figures: the scores hold only one class (bona fide or attacks) and no threshold "
    "was given to measure them at (pass --threshold, or --dev with both classes)"
)


@dataclass(frozen=True, eq=False)
class Evaluation:
    """The metrics document plus what a report needs to draw it."""

    document: dict[str, Any]
    samples: PadSamples
    curves: PadCurves
    comparisons: Comparisons


def pad_samples(scores: ScoreSet, expected_species: Sequence[str] = ()) -> PadSamples:
    """Scored presentations split by class; `expected_species` absent from the file stay empty."""
    scored = scores.scored
    units = scores.units
    names = sorted(set(scores.species) | {s for s in expected_species if s != BONA_FIDE})
    masks = {name: scored & (scores.labels == name) for name in names}
    bona = scored & scores.is_bona_fide
    return PadSamples(
        bona_fide=scores.scores[bona],
        species={name: scores.scores[mask] for name, mask in masks.items()},
        bona_units=None if units is None else units[bona],
        species_units=None if units is None else {name: units[m] for name, m in masks.items()},
    )


def _pad_eer_threshold(scores: ScoreSet) -> float | None:
    """EER threshold of a set, or None when it lacks bona fide or attack scores."""
    samples = pad_samples(scores)
    if samples.bona_fide.size == 0 or samples.attacks.size == 0:
        return None
    return PadCurves.from_samples(samples).eer_point()[1]


def _match_threshold(
    comparisons: Comparisons, dev: ScoreSet | None, given: float | None
) -> tuple[float | None, str | None]:
    """Recognition threshold: given, else the dev set's EER, else the evaluated set's EER."""
    if given is not None:
        return float(given), "argument"
    candidates = [] if dev is None else [(Comparisons.from_scores(dev), "dev_eer")]
    for source, name in [*candidates, (comparisons, "test_eer")]:
        if source.usable:
            return PadCurves.from_samples(source.as_pad_samples()).eer_point()[1], name
    return None, None


def evaluate(
    scores: ScoreSet,
    *,
    dev: ScoreSet | None = None,
    threshold: float | None = None,
    match_threshold: float | None = None,
    threshold_source: str = "argument",
    match_threshold_source: str = "argument",
    bootstrap: BootstrapSpec | None = None,
    expected_species: Sequence[str] = (),
    apcer_targets: Sequence[float] = DEFAULT_APCER_TARGETS,
    bpcer_targets: Sequence[float] = DEFAULT_BPCER_TARGETS,
    fmr_targets: Sequence[float] = DEFAULT_FMR_TARGETS,
) -> Evaluation:
    """Every metric of the scores, as a JSON-ready document (see docs/evaluation.md).

    `threshold_source` / `match_threshold_source` name where a given threshold came from (a key
    of THRESHOLD_SOURCES), so a caller that picks it, e.g. at a security level, can say so.
    """
    unknown = {threshold_source, match_threshold_source} - set(THRESHOLD_SOURCES)
    if unknown:
        raise ValueError(f"unknown threshold source(s) {sorted(unknown)}")
    pad_threshold: float | None
    if threshold is not None:
        pad_threshold, source = float(threshold), threshold_source
    elif dev is not None:
        pad_threshold, source = _pad_eer_threshold(dev), "dev_eer"
        if pad_threshold is None:
            raise ProtocolError(
                "the development set needs scored bona fide and attack presentations "
                "to pick a threshold at its EER"
            )
    else:
        pad_threshold, source = _pad_eer_threshold(scores), "test_eer"
    samples = pad_samples(scores, expected_species)
    curves = PadCurves.from_samples(samples)
    pad: dict[str, Any]
    if pad_threshold is None:
        pad = {"threshold": None, "threshold_source": None, "note": NO_PAD_THRESHOLD}
    else:
        pad = pad_metrics(
            samples,
            pad_threshold,
            spec=bootstrap,
            apcer_targets=apcer_targets,
            bpcer_targets=bpcer_targets,
        )
        pad["threshold_source"] = source
        pad["threshold_source_meaning"] = THRESHOLD_SOURCES[source]
    if dev is not None:
        pad["dev_operating_points"] = _dev_operating_points(dev, samples, apcer_targets)

    comparisons = Comparisons.from_scores(scores)
    rec_threshold, rec_source = _match_threshold(comparisons, dev, match_threshold)
    if match_threshold is not None:
        rec_source = match_threshold_source
    recognition: dict[str, Any] = {"threshold": rec_threshold, "threshold_source": rec_source}
    if rec_threshold is not None and comparisons.usable:
        recognition.update(
            verification_metrics(
                comparisons, rec_threshold, spec=bootstrap, fmr_targets=fmr_targets
            )
        )
        recognition["threshold_source"] = rec_source
    else:
        recognition["note"] = (
            "verification needs bona fide rows with subject, target and match_score, "
            "both mated (subject == target) and non-mated"
        )
    if rec_threshold is not None:
        recognition["identification"] = identification_metrics(
            scores, rec_threshold, spec=bootstrap
        )

    system = system_metrics(scores, pad_threshold, rec_threshold, spec=bootstrap)
    document = {
        "pad": pad,
        "system": system,
        "recognition": recognition,
        "counts": {
            "presentations": len(scores),
            "scored": int(scores.scored.sum()),
            "unscored": int((~scores.scored).sum()),
            BONA_FIDE: int(samples.bona_fide.size),
            "attacks": int(samples.attacks.size),
            "species": {name: int(s.size) for name, s in samples.species.items()},
            "subjects": int(len({s for s in scores.subjects if s is not None})),
            "genuine_comparisons": int(comparisons.genuine.size),
            "impostor_comparisons": int(comparisons.impostor.size),
        },
        "conventions": {
            "score": "higher means more likely bona fide (PAD) / same person (match_score)",
            "accept": "score >= threshold",
            "unscored": "rows with an empty score are excluded from every rate and counted",
        },
        "confidence": None if bootstrap is None else _confidence(scores, bootstrap),
    }
    return Evaluation(document=document, samples=samples, curves=curves, comparisons=comparisons)


FEW_UNITS = 20


def _confidence(scores: ScoreSet, spec: BootstrapSpec) -> dict[str, Any]:
    """How the intervals were made, and a warning when too few units make them unreliable."""
    scored_units = scores.units[scores.scored] if scores.units is not None else None
    n_units = int(scores.scored.sum()) if scored_units is None else np.unique(scored_units).size
    out: dict[str, Any] = {
        "method": "percentile bootstrap",
        "unit": "presentation" if scored_units is None else "subject",
        "units": n_units,
        "level": spec.confidence,
        "replicates": spec.replicates,
        "seed": spec.seed,
        "binomial_interval": "errors.*.binomial_interval: Clopper-Pearson, presentations "
        "taken as independent (a lower bound on the uncertainty)",
    }
    if n_units < FEW_UNITS:
        out["warning"] = (
            f"only {n_units} resampling units: bootstrap intervals are unreliable and can "
            "collapse to a point; read the binomial intervals and the counts"
        )
    return out


def _dev_operating_points(
    dev: ScoreSet, test: PadSamples, targets: Sequence[float]
) -> dict[str, Any]:
    """Thresholds set on dev for each APCER target, and what they really give on the test set."""
    dev_curves = PadCurves.from_samples(pad_samples(dev))
    out: dict[str, Any] = {}
    for target in targets:
        t = dev_curves.threshold_at_apcer(target)
        apcer = {
            name: float(np.mean(s >= t)) if s.size else None for name, s in test.species.items()
        }
        present = [v for v in apcer.values() if v is not None]
        out[f"{target:g}"] = {
            "threshold": t,
            "apcer": apcer,
            "apcer_max": max(present) if present else None,
            "bpcer": float(np.mean(test.bona_fide < t)) if test.bona_fide.size else None,
        }
    return out
