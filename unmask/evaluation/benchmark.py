"""Run a scorer over a protocol and collect a ScoreSet, in parallel, with a progress bar.

The scorer is any picklable callable `entry -> columns`: a mapping with `score` (float, or None
for no decision, recorded as an unscored row) and any other columns to keep (e.g. `decision`,
`species`); a non-empty `error` column marks a failed file. An optional match scorer
`entry -> float | None` adds the recognition score of entries that name a `target`. A failure
on one file is recorded with its error and does not stop the run: a benchmark of thousands of
files must survive one corrupt video, and a recogniser's failure keeps the file's PAD score.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unmask.evaluation.protocols.base import Protocol, ProtocolEntry
from unmask.evaluation.scores import ScoreSet, concat_rows
from unmask.parallel import parallel_map

Scorer = Callable[[ProtocolEntry], Mapping[str, Any]]
MatchScorer = Callable[[ProtocolEntry], float | None]


@dataclass(frozen=True)
class BenchmarkRun:
    """The scores of a run and the files that failed (path -> one-line reason), for PAD and
    for recognition separately."""

    scores: ScoreSet
    failures: dict[str, str]
    match_failures: dict[str, str]


def _reason(exc: Exception) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


@dataclass(frozen=True)
class _Job:
    root: Path
    scorer: Scorer
    match_scorer: MatchScorer | None

    def __call__(self, entry: ProtocolEntry) -> dict[str, Any]:
        path = entry.path
        row: dict[str, Any] = {
            "path": path.relative_to(self.root).as_posix()
            if path.is_relative_to(self.root)
            else str(path),
            "label": entry.label,
            "subject": entry.subject,
            "target": entry.target,
            "split": entry.split,
            **entry.extra,
        }
        try:
            columns = dict(self.scorer(entry))
            score = columns.pop("score", None)
            row.update({name: "" if value is None else value for name, value in columns.items()})
            row["score"] = math.nan if score is None else float(score)
        except Exception as exc:  # a third-party scorer may raise anything; keep the run going
            row["score"] = math.nan
            row["error"] = _reason(exc)
        if self.match_scorer is not None and entry.target is not None:
            try:
                match = self.match_scorer(entry)
                row["match_score"] = math.nan if match is None else float(match)
            except Exception as exc:
                row["match_error"] = _reason(exc)
        return row


def run_benchmark(
    protocol: Protocol,
    scorer: Scorer,
    *,
    match_scorer: MatchScorer | None = None,
    workers: int | None = None,
    progress: bool = True,
) -> BenchmarkRun:
    """Score every entry (order kept). `workers=1` runs in-process (for debugging and tests).

    Paths in the scores (and failures) are relative to the protocol's root where they lie
    under it, as in the protocol CSV.
    """
    rows = parallel_map(
        _Job(protocol.root, scorer, match_scorer),
        list(protocol),
        workers=workers,
        description=f"scoring {protocol.name}",
        progress=progress,
    )
    failures = {row["path"]: row.pop("error") for row in rows if row.get("error")}
    match_failures = {row["path"]: row.pop("match_error") for row in rows if "match_error" in row}
    for row in rows:
        row.pop("error", None)
    return BenchmarkRun(scores=concat_rows(rows), failures=failures, match_failures=match_failures)
