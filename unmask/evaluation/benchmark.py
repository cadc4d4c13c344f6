"""Run a scorer over a protocol and collect a ScoreSet, in parallel, with a progress bar.

The scorer is any picklable callable `path -> float | None` (None: no decision, recorded as an
unscored row); an optional match scorer `(path, target) -> float | None` adds recognition
scores for entries with a target. A failure on one file is recorded with its error and does
not stop the run: a benchmark of thousands of files must survive one corrupt video.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from tqdm import tqdm

from unmask.evaluation.protocols.base import Protocol, ProtocolEntry
from unmask.evaluation.scores import ScoreSet, concat_rows

Scorer = Callable[[str], float | None]
MatchScorer = Callable[[str, str], float | None]


@dataclass(frozen=True)
class BenchmarkRun:
    """The scores of a run and the files that failed (path -> one-line reason)."""

    scores: ScoreSet
    failures: dict[str, str]


@dataclass(frozen=True)
class _Job:
    scorer: Scorer
    match_scorer: MatchScorer | None

    def __call__(self, entry: ProtocolEntry) -> dict[str, Any]:
        row: dict[str, Any] = {
            "path": str(entry.path),
            "label": entry.label,
            "subject": entry.subject,
            "target": entry.target,
            "split": entry.split,
            **entry.extra,
        }
        try:
            score = self.scorer(str(entry.path))
            row["score"] = math.nan if score is None else float(score)
            if self.match_scorer is not None and entry.target is not None:
                match = self.match_scorer(str(entry.path), entry.target)
                row["match_score"] = math.nan if match is None else float(match)
        except Exception as exc:  # a third-party scorer may raise anything; keep the run going
            row["score"] = math.nan
            row["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        return row


def run_benchmark(
    protocol: Protocol,
    scorer: Scorer,
    *,
    match_scorer: MatchScorer | None = None,
    workers: int | None = None,
    progress: bool = True,
) -> BenchmarkRun:
    """Score every entry (order kept). `workers=1` runs in-process (for debugging and tests)."""
    job = _Job(scorer, match_scorer)
    entries = list(protocol)
    count = workers if workers is not None else max(1, (os.cpu_count() or 1))
    bar = tqdm(
        total=len(entries), desc=f"scoring {protocol.name}", unit="file", disable=not progress
    )
    rows: list[dict[str, Any]] = []

    def consume(results: Iterator[dict[str, Any]]) -> None:
        for row in results:
            rows.append(row)
            bar.update(1)

    try:
        if count <= 1 or len(entries) < 2:
            consume(job(entry) for entry in entries)
        else:
            chunk = max(1, len(entries) // (count * 8))
            with multiprocessing.get_context("spawn").Pool(count) as pool:
                consume(pool.imap(job, entries, chunksize=chunk))
    finally:
        bar.close()
    failures = {row["path"]: row.pop("error") for row in rows if "error" in row}
    for row in rows:
        row.pop("error", None)
    return BenchmarkRun(scores=concat_rows(rows), failures=failures)
