"""`unmask evaluate` / `unmask benchmark`: JSON contract, report folder, clear errors."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from unmask.cli import evaluate as command
from unmask.cli.output import dump_json
from unmask.errors import ModelError, ProtocolError
from unmask.evaluation import ScoreSet, write_scores


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


def test_benchmark_without_pad_engine_fails_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.jpg").write_bytes(b"")
    protocol = tmp_path / "p.csv"
    protocol.write_text("path,label\na.jpg,bona_fide\n")
    monkeypatch.setattr(command, "PAD_SCORER", ("unmask.liveness", "no_such_scorer_for_tests"))
    args = _parse("benchmark", "--protocol", str(protocol))
    with pytest.raises(ModelError, match="PAD engine"):
        args.handler(args)


def _fake_scorer(path: str) -> float:
    return 1.0 if "live" in path else 0.0


def test_benchmark_with_a_scorer_evaluates_test_with_dev_threshold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = ["path,label,subject,split"]
    for split in ("dev", "test"):
        for i in range(3):
            rows.append(f"live{split}{i}.jpg,bona_fide,s{i},{split}")
            rows.append(f"fake{split}{i}.jpg,print,s{i},{split}")
    protocol = tmp_path / "p.csv"
    protocol.write_text("\n".join(rows) + "\n")
    monkeypatch.setattr(command, "PAD_SCORER", (__name__, "_fake_scorer"))
    args = _parse(
        "benchmark", "--protocol", str(protocol), "--workers", "1", "--report", str(tmp_path / "r"),
        "--replicates", "20",
    )  # fmt: skip
    document = args.handler(args).document
    assert document["pad"]["threshold_source"] == "dev_eer"
    assert document["counts"]["presentations"] == 6  # the test split only
    assert document["pad"]["apcer_max"] == 0.0 and document["pad"]["bpcer"] == 0.0
    assert (tmp_path / "r" / "scores.csv").is_file()


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
