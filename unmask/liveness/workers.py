"""One liveness engine per worker process and setting.

Training, scoring and site adaptation ship small picklable jobs to spawned processes; each
process builds its engine once, on its first presentation, and keeps it (loading the face and
PAD models costs more than judging a short clip).
"""

from __future__ import annotations

from functools import cache

from unmask.liveness.engine import LivenessEngine
from unmask.liveness.extra_model import load_extra_models
from unmask.liveness.levels import DEFAULT_LEVEL
from unmask.liveness.model import PadModel


@cache
def process_engine(
    model: str | None,
    level: str = DEFAULT_LEVEL,
    max_seconds: float | None = None,
    extra: tuple[str, ...] = (),
) -> LivenessEngine:
    """This process's engine for these settings (`model` None: the shipped default model;
    `extra`: paths of extra ONNX PAD models whose cues join the others)."""
    return LivenessEngine(
        PadModel.load(model) if model else None,
        level=level,
        max_seconds=max_seconds,
        extra_models=load_extra_models(extra),
    )
