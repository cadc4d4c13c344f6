"""Where the real test and evaluation data lives, if anywhere.

One helper so tests, benchmarks and the demo agree: `UNMASK_DATA` if set, else the `shared/data`
folder beside the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path | None:
    """The shared data folder if it exists, else None (callers skip or fall back)."""
    configured = os.environ.get("UNMASK_DATA")
    candidate = Path(configured) if configured else REPO_ROOT.parent / "shared" / "data"
    return candidate if candidate.is_dir() else None


def shared_models_dir() -> Path | None:
    """Third-party models kept beside the data for tests and comparisons (never shipped):
    `UNMASK_MODELS` if set, else `shared/models` beside the repository."""
    configured = os.environ.get("UNMASK_MODELS")
    candidate = Path(configured) if configured else REPO_ROOT.parent / "shared" / "models"
    return candidate if candidate.is_dir() else None
