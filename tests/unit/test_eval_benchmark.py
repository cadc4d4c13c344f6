"""Benchmark runner: scores every entry in order, in parallel, survives per-file failures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from unmask.evaluation import Protocol, ProtocolEntry, run_benchmark


def length_scorer(entry: ProtocolEntry) -> dict[str, Any]:
    """Module-level (picklable): score = file size; a file named 'none' has no decision."""
    if entry.path.name == "none.bin":
        return {"score": None, "decision": "inconclusive", "species": None}
    if entry.path.name == "broken.bin":
        raise ValueError("cannot decode\nsecond line")
    size = float(entry.path.stat().st_size)
    return {"score": size, "decision": "bona_fide" if size > 5 else "attack"}


def reporting_scorer(entry: ProtocolEntry) -> dict[str, Any]:
    """A scorer that reports its own failure in the `error` column instead of raising."""
    return {"score": None, "error": f"{entry.path.name}: unreadable"}


def match_scorer(entry: ProtocolEntry) -> float | None:
    if entry.path.name == "f3.bin":
        raise RuntimeError("recogniser crashed")
    return 1.0 if entry.target == "me" else None


def _protocol(tmp_path: Path) -> Protocol:
    entries = []
    for i, (label, size) in enumerate(
        [("bona_fide", 9), ("print", 2), ("bona_fide", 7), ("replay", 1)]
    ):
        path = tmp_path / f"f{i}.bin"
        path.write_bytes(b"x" * size)
        target = "me" if i % 2 else ("other" if i == 2 else None)
        entries.append(ProtocolEntry(path, label, subject=f"s{i}", target=target))
    for name in ("none.bin", "broken.bin"):
        (tmp_path / name).write_bytes(b"")
        entries.append(ProtocolEntry(tmp_path / name, "print", split="test"))
    return Protocol("fake", tmp_path, tuple(entries))


def test_in_process_run(tmp_path: Path) -> None:
    run = run_benchmark(
        _protocol(tmp_path), length_scorer, match_scorer=match_scorer, workers=1, progress=False
    )
    np.testing.assert_array_equal(run.scores.scores[:4], [9, 2, 7, 1])
    assert np.isnan(run.scores.scores[4:]).all()
    assert list(run.scores.labels[:4]) == ["bona_fide", "print", "bona_fide", "replay"]
    assert run.scores.extra["decision"] == [
        "bona_fide", "attack", "bona_fide", "attack", "inconclusive", "",
    ]  # fmt: skip
    assert run.scores.extra["species"][4] == ""  # None is written as an empty cell
    # f1 matched; f0 has no target; f2's target has no reference; f3's recogniser failed
    assert run.scores.match_scores[1] == 1.0
    assert np.isnan(run.scores.match_scores[[0, 2, 3]]).all()
    assert run.scores.scores[3] == 1.0  # a recogniser failure keeps the PAD score
    assert run.failures == {"broken.bin": "ValueError: cannot decode"}  # relative to the root
    assert list(run.scores.paths[:2]) == ["f0.bin", "f1.bin"]
    assert list(run.match_failures.values()) == ["RuntimeError: recogniser crashed"]
    assert "error" not in run.scores.extra and "match_error" not in run.scores.extra
    assert run.scores.extra["split"][-1] == "test"


def test_reported_errors_are_failures(tmp_path: Path) -> None:
    run = run_benchmark(_protocol(tmp_path), reporting_scorer, workers=1, progress=False)
    assert np.isnan(run.scores.scores).all()
    assert len(run.failures) == 6 and run.failures["f0.bin"] == "f0.bin: unreadable"


def test_parallel_run_keeps_order(tmp_path: Path) -> None:
    serial = run_benchmark(_protocol(tmp_path), length_scorer, workers=1, progress=False)
    parallel = run_benchmark(_protocol(tmp_path), length_scorer, workers=2, progress=False)
    np.testing.assert_array_equal(parallel.scores.scores, serial.scores.scores)
    assert list(parallel.scores.paths) == list(serial.scores.paths)
    assert parallel.failures == serial.failures
