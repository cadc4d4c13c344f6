"""A service app on a throwaway data folder, with one key of each role."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from numpy.typing import NDArray
from PIL import Image

from unmask.service.app import create_app
from unmask.service.settings import ServiceSettings


@dataclass
class Served:
    app: FastAPI
    client: TestClient
    data_dir: Path
    keys: dict[str, str]

    def headers(self, role: str) -> dict[str, str]:
        return {"X-API-Key": self.keys[role]}


def serve(data_dir: Path, **options: object) -> Iterator[Served]:
    settings = ServiceSettings.create(data_dir, **options)
    app = create_app(settings)
    store = app.state.service.keys
    keys = {"admin": store.bootstrap_admin() or ""}
    for role in ("operator", "viewer"):
        keys[role] = store.add(role)[1]
    with TestClient(app) as client:
        yield Served(app, client, settings.data_dir, keys)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    yield from serve(tmp_path / "data")


@pytest.fixture(scope="module")
def shared_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One app per test module: its worker thread loads the models once."""
    yield from serve(tmp_path_factory.mktemp("service") / "data")


def png_bytes(image: NDArray[np.uint8]) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(name: str, data: bytes) -> dict[str, tuple[str, bytes]]:
    return {"file": (name, data)}
