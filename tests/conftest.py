"""Shared fixtures: faces that ship with the dependencies, and the shared-data gate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from tests.shared import shared_path
from unmask.bundled import bundled_faces


@pytest.fixture(scope="session")
def portraits() -> dict[str, NDArray[np.uint8]]:
    return bundled_faces()


@pytest.fixture(scope="session")
def portrait_files(
    portraits: dict[str, NDArray[np.uint8]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("portraits")
    paths = {}
    for name, image in portraits.items():
        paths[name] = folder / f"{name}.png"
        Image.fromarray(image).save(paths[name])
    return paths


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return shared_path()
