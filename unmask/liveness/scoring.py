"""Score one protocol presentation with the PAD engine: the shared worker of `unmask pad score`
and `unmask benchmark`.

The scorer is a small picklable value (model folder, level, time limit) rather than an engine,
because it is shipped to spawned worker processes: each process builds its engine once, on its
first presentation, and keeps it for the rest (loading the face and surface models costs more
than scoring a short clip).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unmask.errors import UnmaskError
from unmask.evaluation.protocols.base import ProtocolEntry
from unmask.liveness.training import observe_entry
from unmask.liveness.workers import process_engine


@dataclass(frozen=True)
class PadScorer:
    """Picklable: a protocol entry -> the main face's PAD score, decision and likely species.

    Returns the columns `score` (in [0, 1], higher = bona fide; None when no cue was conclusive
    or the file could not be judged), `decision`, `species` ("" unless an attack) and `error`
    ("" unless the file failed). Extra sensor stacks come from the entry's `<channel>_path`
    columns, relative to `root`. Bad input is reported in `error`, never raised, so one broken
    file does not stop a dataset run.
    """

    root: str
    model: str | None
    level: str
    max_seconds: float | None
    extra: tuple[str, ...] = ()

    def __call__(self, entry: ProtocolEntry) -> dict[str, Any]:
        engine = process_engine(self.model, self.level, self.max_seconds, self.extra)
        try:
            observation, answer = observe_entry(engine, entry, Path(self.root))
            verdict = engine.judge(observation, entry.path, answer=answer).main.verdict
        except UnmaskError as exc:
            return {
                "score": None,
                "decision": "inconclusive",
                "species": "",
                "error": str(exc).splitlines()[0],
            }
        return {
            "score": verdict.score,
            "decision": verdict.decision,
            "species": verdict.species or "",
            "error": "",
        }
