"""`unmask pad score`: output columns and formats, per-file errors, the shared PadScorer."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.unit.test_eval_models import tiny_pad_model
from unmask.cli.main import main
from unmask.evaluation import ProtocolEntry
from unmask.liveness.engine import LivenessEngine
from unmask.liveness.model import PadModel
from unmask.liveness.scoring import PadScorer


@pytest.fixture(scope="module")
def scored(
    portrait_files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, list[dict[str, str]]]:
    folder = tmp_path_factory.mktemp("pad_score")
    model = tiny_pad_model(folder / "model")
    for name, path in portrait_files.items():
        shutil.copy(path, folder / f"{name}.png")
    Image.fromarray(np.full((120, 160, 3), 90, np.uint8)).save(folder / "blank.png")
    (folder / "broken.jpg").write_bytes(b"not a jpeg")
    protocol = folder / "protocol.csv"
    protocol.write_text(
        "path,label,subject\n"
        + "".join(f"{name}.png,bona_fide,{name}\n" for name in sorted(portrait_files))
        + "blank.png,print,x\nbroken.jpg,print,y\n"
    )
    out = folder / "scores.csv"
    argv = ["pad", "score", "--protocol", str(protocol), "--out", str(out), "--model", str(model)]
    assert main([*argv, "--liveness", "low", "--workers", "1", "--json"]) == 0
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return folder, model, rows


def test_columns_and_formats(scored) -> None:
    folder, _, rows = scored
    header = (folder / "scores.csv").read_text().splitlines()[0]
    assert header == "path,label,score,decision,species,error"
    assert [row["path"] for row in rows] == [
        "eileen_collins.png",
        "grace_hopper.png",
        "blank.png",
        "broken.jpg",
    ]  # fmt: skip  (relative to the protocol, in protocol order)
    for row in rows:
        assert len(row["score"].split(".")[1]) == 6
        assert 0.0 <= float(row["score"]) <= 1.0
        assert row["decision"] in {"bona_fide", "attack", "inconclusive"}
        assert row["species"] == "" or row["decision"] == "attack"


def test_failed_files_are_rows_not_aborts(scored) -> None:
    _, _, rows = scored
    blank, broken = rows[2], rows[3]
    assert "no face" in blank["error"] and blank["decision"] == "inconclusive"
    assert broken["error"] and broken["score"] == "0.000000"
    assert all(row["error"] == "" for row in rows[:2])


def test_scores_are_the_engines(scored) -> None:
    folder, model, rows = scored
    engine = LivenessEngine(PadModel.load(model), level="low")
    for row in rows[:2]:
        verdict = engine.assess(folder / row["path"]).main.verdict
        assert verdict.score is not None
        assert float(row["score"]) == pytest.approx(verdict.score, abs=1e-6)
        assert row["decision"] == verdict.decision


def test_pad_scorer_reports_no_score_as_none(scored) -> None:
    folder, model, _ = scored
    scorer = PadScorer(str(folder), str(model), "low", None)
    columns = scorer(ProtocolEntry(folder / "blank.png", "print"))
    assert columns["score"] is None and columns["decision"] == "inconclusive"
    assert "no face" in columns["error"]
