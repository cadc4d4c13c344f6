"""Benchmark runner: scores every entry in order, in parallel, survives per-file failures."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from unmask.evaluation import Protocol, ProtocolEntry, run_benchmark


def length_scorer(path: str) -> float | None:
    """Module-level (picklable): score = file size; a file named 'none' has no decision."""
    if Path(path).name == "none.bin":
        return None
    if Path(path).name == "broken.bin":
        raise ValueError("cannot decode\nsecond line")
    return float(Path(path).stat().st_size)


def match_scorer(path: str, target: str) -> float:
    return 1.0 if target == "me" else 0.0


def _protocol(tmp_path: Path) -> Protocol:
    entries = []
    for i, (label, size) in enumerate(
        [("bona_fide", 9), ("print", 2), ("bona_fide", 7), ("replay", 1)]
    ):
        path = tmp_path / f"f{i}.bin"
        path.write_bytes(b"x" * size)
        entries.append(ProtocolEntry(path, label, subject=f"s{i}", target="me" if i % 2 else None))
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
    np.testing.assert_array_equal(run.scores.match_scores[[1, 3]], [1.0, 1.0])
    assert np.isnan(run.scores.match_scores[0])
    assert list(run.failures.values()) == ["ValueError: cannot decode"]
    assert run.scores.extra["split"][-1] == "test"


def test_parallel_run_keeps_order(tmp_path: Path) -> None:
    serial = run_benchmark(_protocol(tmp_path), length_scorer, workers=1, progress=False)
    parallel = run_benchmark(_protocol(tmp_path), length_scorer, workers=2, progress=False)
    np.testing.assert_array_equal(parallel.scores.scores, serial.scores.scores)
    assert list(parallel.scores.paths) == list(serial.scores.paths)
