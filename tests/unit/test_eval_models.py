"""A tiny PAD model for the benchmark and `pad score` tests: fusion fitted on synthetic cue
scores, no surface classifier (so it loads in milliseconds and needs no training data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from unmask.liveness.fusion import FusionModel
from unmask.liveness.model import PadModel
from unmask.types import CueScore

MEANS = {"bona_fide": (0.8, 0.8, 0.7), "print": (0.3, 0.1, 0.3), "mask_rigid": (0.2, 0.4, 0.5)}


def tiny_pad_model(folder: Path) -> Path:
    """Bona fide: pulse, motion and eyes high; attacks low. Saved as a model folder."""
    rng = np.random.default_rng(0)
    labels = ["bona_fide"] * 30 + ["print"] * 20 + ["mask_rigid"] * 20
    samples = []
    for label in labels:
        values = np.clip(np.asarray(MEANS[label]) + rng.normal(0, 0.1, 3), 0.01, 0.99)
        samples.append(
            {
                name: CueScore(name, float(value), 0.8)
                for name, value in zip(("pulse", "motion", "eyes"), values, strict=True)
            }
        )
    PadModel(surface=None, fusion=FusionModel().fit(samples, labels)).save(folder)
    return folder


def test_tiny_model_loads_with_ordered_levels(tmp_path: Path) -> None:
    model = PadModel.load(tiny_pad_model(tmp_path / "m"))
    thresholds = [model.fusion.levels[n].threshold for n in ("low", "medium", "high", "maximum")]
    assert thresholds == sorted(thresholds)
    assert model.surface is None
