"""`unmask evaluate` / `unmask benchmark`: JSON contract, report folder, clear errors."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.unit.test_eval_models import tiny_pad_model
from unmask.cli import evaluate as command
from unmask.cli.output import dump_json
from unmask.errors import ModelError, ProtocolError
from unmask.evaluation import ProtocolEntry, ScoreSet, read_scores, write_scores
from unmask.identity import DEFAULT_FMR, Gallery, Template, threshold_for_fmr
from unmask.liveness.model import PadModel


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    command.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(list(argv))


def _write(path: Path, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    labels = rng.choice(["bona_fide", "print", "replay"], 300)
    scores = np.where(labels == "bona_fide", rng.normal(1, 1, 300), rng.normal(-1, 1, 300))
    return write_scores(ScoreSet.from_columns(list(labels), scores), path)


def test_evaluate_json_keys_and_report(tmp_path: Path) -> None:
    test, dev = _write(tmp_path / "test.csv", 1), _write(tmp_path / "dev.csv", 2)
    args = _parse(
        "evaluate", "--scores", str(test), "--dev", str(dev), "--report", str(tmp_path / "r"),
        "--replicates", "100", "--json",
    )  # fmt: skip
    outcome = args.handler(args)
    document = json.loads(dump_json(outcome.document))
    pad = document["pad"]
    for key in ("apcer", "apcer_max", "bpcer", "bpcer_at_apcer", "eer", "threshold"):
        assert key in pad
    assert set(pad["apcer"]) == {"print", "replay"}
    assert set(pad["bpcer_at_apcer"]) == {"0.01", "0.05", "0.1"}
    assert pad["threshold_source"] == "dev_eer"
    assert {"system", "recognition", "counts"} <= set(document)
    assert "iapar" in document["system"]
    assert (tmp_path / "r" / "report.html").is_file()
    assert json.loads((tmp_path / "r" / "metrics.json").read_text())["pad"]["eer"] == pad["eer"]
    assert "threshold:" in outcome.render_text()


def test_evaluate_threshold_argument_and_no_bootstrap(tmp_path: Path) -> None:
    test = _write(tmp_path / "test.csv", 3)
    args = _parse("evaluate", "--scores", str(test), "--threshold", "0.25", "--replicates", "0")
    document = args.handler(args).document
    assert document["pad"]["threshold"] == 0.25
    assert document["pad"]["threshold_source"] == "argument"
    assert document["confidence"] is None and "intervals" not in document["pad"]


def test_evaluate_bad_file_is_a_protocol_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("path,label,score\nx,print,abc\n")
    args = _parse("evaluate", "--scores", str(bad))
    with pytest.raises(ProtocolError, match=r"bad\.csv:2"):
        args.handler(args)


@dataclass(frozen=True)
class FakePad:
    """Stands in for PadScorer (same constructor): 'live' files pass, others fail."""

    root: str
    model: str | None
    level: str
    max_seconds: float | None

    def __call__(self, entry: ProtocolEntry) -> dict[str, Any]:
        live = "live" in entry.path.name
        return {"score": 0.9 if live else 0.1, "decision": "bona_fide" if live else "attack"}


@dataclass(frozen=True, eq=False)
class FakeMatcher:
    """Stands in for TargetMatcher: every face looks like its target except 'far' files;
    targets without a reference get no score."""

    references: Any
    max_seconds: float | None

    def __call__(self, entry: ProtocolEntry) -> float | None:
        if entry.target not in self.references.templates:
            return None
        return -0.9 if "far" in entry.path.name else -0.2


@pytest.fixture
def fakes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # Where the command finds them when it runs (its module imports them only then).
    monkeypatch.setattr("unmask.liveness.scoring.PadScorer", FakePad)
    monkeypatch.setattr("unmask.identity.scoring.TargetMatcher", FakeMatcher)
    return tiny_pad_model(tmp_path / "model")


def _protocol(path: Path, rows: list[str]) -> Path:
    path.write_text("path,label,subject,target,split\n" + "\n".join(rows) + "\n")
    return path


def test_benchmark_scores_dev_and_test_and_evaluates_test_at_dev_threshold(
    tmp_path: Path, fakes: Path
) -> None:
    rows = []
    for split in ("train", "dev", "test"):
        for i in range(3):
            rows += [
                f"live{split}{i}.jpg,bona_fide,s{i},,{split}",
                f"fake{split}{i}.jpg,print,s{i},,{split}",
            ]
    protocol = _protocol(tmp_path / "p.csv", rows)
    args = _parse(
        "benchmark", "--protocol", str(protocol), "--model", str(fakes), "--workers", "1",
        "--report", str(tmp_path / "r"), "--replicates", "20",
    )  # fmt: skip
    document = args.handler(args).document
    bench = document["benchmark"]
    assert (bench["scored"], bench["skipped_train"], bench["evaluated"]) == (12, 6, 6)
    assert bench["threshold_split"] == "dev"
    assert document["pad"]["threshold_source"] == "dev_eer"
    assert document["counts"]["presentations"] == 6  # the test split only
    assert document["pad"]["apcer_max"] == 0.0 and document["pad"]["bpcer"] == 0.0
    assert bench["decisions"] == {"bona_fide": {"bona_fide": 3}, "print": {"attack": 3}}
    assert bench["references"] is None and "--db" in bench["references_note"]
    written = read_scores(tmp_path / "r" / "scores.csv")
    assert len(written) == 12 and set(written.extra["decision"]) == {"bona_fide", "attack"}


def test_benchmark_without_splits_uses_the_level_threshold(tmp_path: Path, fakes: Path) -> None:
    protocol = _protocol(tmp_path / "p.csv", ["live.jpg,bona_fide,a,,", "fake.jpg,print,b,,"])
    args = _parse(
        "benchmark", "--protocol", str(protocol), "--model", str(fakes), "--liveness", "high",
        "--workers", "1", "--replicates", "0",
    )  # fmt: skip
    document = args.handler(args).document
    assert document["pad"]["threshold_source"] == "pad_level"
    assert document["pad"]["threshold"] == PadModel.load(fakes).fusion.levels["high"].threshold
    assert document["benchmark"]["threshold_split"] is None
    assert document["recognition"]["threshold"] is None


def test_benchmark_with_a_gallery_reports_iapar_with_and_without_pad(
    tmp_path: Path, fakes: Path
) -> None:
    rng = np.random.default_rng(0)
    with Gallery(tmp_path / "g.sqlite", create=True) as gallery:
        for name in ("alice", "bob"):
            vector = rng.normal(0, 0.1, 128).astype(np.float32)
            gallery.enroll(name, [Template(vector, f"{name}.jpg")])
    protocol = _protocol(
        tmp_path / "p.csv",
        [
            "live_a.jpg,bona_fide,alice,alice,",
            "live_b.jpg,bona_fide,bob,bob,",
            "print_1.jpg,print,bob,alice,",
            "print_2_far.jpg,print,alice,bob,",
            "mask_live_1.jpg,mask_rigid,bob,alice,",
            "mask_2.jpg,mask_rigid,bob,carol,",
        ],
    )
    args = _parse(
        "benchmark", "--protocol", str(protocol), "--model", str(fakes), "--db",
        str(tmp_path / "g.sqlite"), "--workers", "1", "--replicates", "0", "--threshold", "0.5",
    )  # fmt: skip
    document = args.handler(args).document
    references = document["benchmark"]["references"]
    assert references["identities"] == ["alice", "bob"] and references["templates"] == 2
    system = document["system"]
    assert system["match_threshold"] == pytest.approx(-threshold_for_fmr(DEFAULT_FMR))
    assert document["recognition"]["threshold_source"] == "recogniser_fmr"
    # attacks with a reference: print_1 (matched, rejected by PAD), print_2_far (not matched),
    # mask_live_1 (matched, passes PAD); mask_2's target carol has no reference: no match score
    assert system["errors"]["iapar_without_pad"] == {"errors": 2, "n": 3}
    assert system["errors"]["iapar"] == {"errors": 1, "n": 3}
    assert system["per_species"]["mask_rigid"]["iapar"] == 1.0


def test_benchmark_with_a_missing_model_fails_clearly(tmp_path: Path) -> None:
    protocol = _protocol(tmp_path / "p.csv", ["a.jpg,bona_fide,,,"])
    (tmp_path / "a.jpg").write_bytes(b"")
    args = _parse("benchmark", "--protocol", str(protocol), "--model", str(tmp_path / "none"))
    with pytest.raises(ModelError, match="no PAD model"):
        args.handler(args)


def test_evaluated_sets_need_a_usable_dev_split() -> None:
    scores = ScoreSet.from_columns(
        ["bona_fide", "print", "bona_fide", "bona_fide", "print"],
        [0.9, 0.1, 0.8, 0.7, np.nan],
        extra={"split": ["test", "test", "dev", "dev", "dev"]},
    )
    test, dev = command.evaluated_sets(scores)
    assert dev is None and len(test) == 2  # dev has no scored attack: test only, no dev
    usable = ScoreSet.from_columns(
        ["bona_fide", "print", "print"], [0.9, 0.1, 0.2], extra={"split": ["test", "dev", "dev"]}
    )
    assert command.evaluated_sets(usable)[1] is None  # dev without bona fide
    whole = ScoreSet.from_columns(["print", "bona_fide"], [0.1, 0.9])
    test, dev = command.evaluated_sets(whole)
    assert test is whole and dev is None


def test_through_main_one_json_document_and_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from unmask.cli.main import main

    scores = _write(tmp_path / "s.csv", 4)
    assert main(["evaluate", "--scores", str(scores), "--replicates", "0", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["pad"]["threshold_source"] == "test_eer"
    bad = tmp_path / "bad.csv"
    bad.write_text("path,label\nx,print\n")
    assert main(["evaluate", "--scores", str(bad)]) == ProtocolError.exit_code
    assert "missing column" in capsys.readouterr().err
