"""Shared fixtures: faces that ship with the dependencies, and the shared-data gate."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from tests.shared import shared_path
from unmask.bundled import bundled_faces


@pytest.fixture(scope="session", autouse=True)
def private_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Secrets the tests make (gallery MAC key, ...) go to a throwaway data folder, never to
    the user's; subprocesses inherit it through UNMASK_HOME."""
    folder = tmp_path_factory.mktemp("unmask-home")
    previous = os.environ.get("UNMASK_HOME")
    os.environ["UNMASK_HOME"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("UNMASK_HOME", None)
    else:
        os.environ["UNMASK_HOME"] = previous


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
