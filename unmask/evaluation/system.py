"""Whole-system figures: does an attack both pass PAD and get recognised as its target?

IAPAR (impostor attack presentation accept rate, ISO/IEC 30107-3) counts attack presentations
that carry a claimed `target` and a `match_score`: an attack is accepted when the PAD score
reaches the PAD threshold and the match score reaches the recognition threshold. The same rate
without PAD (match only) shows how badly the recogniser alone is fooled.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from unmask.evaluation.bootstrap import BootstrapSpec, fixed_rate_interval
from unmask.evaluation.scores import ScoreSet


def system_metrics(
    scores: ScoreSet,
    pad_threshold: float | None,
    match_threshold: float | None,
    *,
    spec: BootstrapSpec | None = None,
) -> dict[str, Any]:
    """IAPAR with and without PAD, overall and per species, with counts (and intervals)."""
    rows = (
        ~scores.is_bona_fide
        & ~np.isnan(scores.match_scores)
        & ~np.isnan(scores.scores)
        & scores.has_target
    )
    document: dict[str, Any] = {
        "pad_threshold": pad_threshold,
        "match_threshold": match_threshold,
        "iapar": None,
        "iapar_without_pad": None,
        "per_species": {},
        "errors": {},
    }
    if match_threshold is None or pad_threshold is None or not rows.any():
        document["note"] = (
            "IAPAR needs attack rows with target and match_score, a PAD and a recognition threshold"
        )
        return document
    matched = scores.match_scores >= match_threshold
    passed = scores.scores >= pad_threshold
    units = scores.units
    both = passed & matched

    def summarise(mask: np.ndarray) -> dict[str, Any]:
        n = int(mask.sum())
        entry: dict[str, Any] = {
            "iapar": float(both[mask].mean()),
            "iapar_without_pad": float(matched[mask].mean()),
            "errors": {
                "iapar": {"errors": int(both[mask].sum()), "n": n},
                "iapar_without_pad": {"errors": int(matched[mask].sum()), "n": n},
            },
        }
        if spec is not None:
            sub_units = None if units is None else units[mask]
            entry["intervals"] = {
                "iapar": fixed_rate_interval(both[mask], sub_units, spec),
                "iapar_without_pad": fixed_rate_interval(matched[mask], sub_units, spec),
            }
        return entry

    overall = summarise(rows)
    document.update({key: overall[key] for key in ("iapar", "iapar_without_pad", "errors")})
    if "intervals" in overall:
        document["intervals"] = overall["intervals"]
    for name in scores.species:
        mask = rows & (scores.labels == name)
        if mask.any():
            document["per_species"][name] = summarise(mask)
    return document
