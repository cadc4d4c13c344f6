"""The named security levels: what each asks of a verdict, before any model sets its threshold.

Kept apart from the fusion code so the CLI can list them without loading the numerics.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LevelSpec:
    """A named operating point: target APCER, and how much evidence a verdict needs there.

    `requires` names cues of which at least one must be conclusive: `high` asks for a temporal
    cue (pulse or motion), so no still image is ever certified there; `maximum` for the pulse.
    """

    name: str
    target_apcer: float
    min_cues: int
    requires: tuple[str, ...] = ()


LEVEL_SPECS = (
    LevelSpec("low", 0.10, 1),
    LevelSpec("medium", 0.05, 1),
    LevelSpec("high", 0.01, 2, requires=("pulse", "motion")),
    LevelSpec("maximum", 0.001, 2, requires=("pulse",)),
)
DEFAULT_LEVEL = "medium"
LEVEL_NAMES = tuple(spec.name for spec in LEVEL_SPECS)
