"""Finding the real shared data from tests: one place that skips, with the reason, when absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from unmask.data import shared_data_dir, shared_models_dir


def shared_path(*parts: str) -> Path:
    """A path inside the shared data; the calling test is skipped when it is not there."""
    root = shared_data_dir()
    if root is None:
        pytest.skip("shared data not found (set UNMASK_DATA or place it at ../shared/data)")
    path = root.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{'/'.join(parts)} is not in the shared data at {root}")
    return path


def shared_model_path(*parts: str) -> Path:
    """A file in the shared third-party models; the calling test is skipped when it is not there."""
    root = shared_models_dir()
    if root is None or not root.joinpath(*parts).exists():
        pytest.skip(
            f"models/{'/'.join(parts)} not found (set UNMASK_MODELS or place shared/models)"
        )
    return root.joinpath(*parts)
