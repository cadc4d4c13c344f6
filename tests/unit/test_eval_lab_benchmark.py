"""`unmask benchmark` end to end on a tiny attack-lab protocol it generates (SIMULATED clips):
the engine's PAD scores, the recogniser's match scores against the lab's target photos, IAPAR."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.unit.test_eval_models import tiny_pad_model
from unmask.cli.main import main
from unmask.evaluation import read_scores
from unmask.identity.scoring import match_threshold
from unmask.lab import generate


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    folder = tmp_path_factory.mktemp("lab_benchmark")
    protocol = generate(
        folder / "lab", species=("bona_fide", "print"), clips=1, seconds=2.0,
        size=(320, 240), seed=3,
    )  # fmt: skip
    model = tiny_pad_model(folder / "model")
    report = folder / "report"
    argv = ["benchmark", "--protocol", str(protocol), "--model", str(model), "--liveness", "low"]
    assert main([*argv, "--workers", "1", "--replicates", "0", "--report", str(report)]) == 0
    return json.loads((report / "metrics.json").read_text()), report


def test_every_presentation_has_pad_and_match_scores(run) -> None:
    document, report = run
    scores = read_scores(report / "scores.csv")
    assert list(scores.labels) == ["bona_fide", "print"]
    assert document["failures"] == {} and document["match_failures"] == {}
    assert all(0.0 <= s <= 1.0 for s in scores.scores)
    assert not any(math.isnan(m) for m in scores.match_scores)
    references = document["benchmark"]["references"]
    assert set(scores.targets) <= set(references["identities"])
    assert references["unresolved"] == []
    assert sum(sum(d.values()) for d in document["benchmark"]["decisions"].values()) == 2


def test_recogniser_accepts_the_real_face_and_is_fooled_by_the_print(run) -> None:
    document, report = run
    scores = read_scores(report / "scores.csv")
    bona, printed = scores.match_scores
    assert bona >= match_threshold()  # the wearer is the target: a genuine match
    assert printed >= match_threshold()  # a print of the target's photo matches it too
    system = document["system"]
    assert system["iapar_without_pad"] == 1.0
    assert document["recognition"]["threshold_source"] == "recogniser_fmr"


def test_iapar_with_pad_follows_the_pad_score(run) -> None:
    document, report = run
    scores = read_scores(report / "scores.csv")
    pad = document["pad"]
    assert pad["threshold_source"] == "pad_level"
    passed = scores.scores[1] >= pad["threshold"]
    assert document["system"]["iapar"] == (1.0 if passed else 0.0)
    assert document["pad"]["apcer"]["print"] == (1.0 if passed else 0.0)
