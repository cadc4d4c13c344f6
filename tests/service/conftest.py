"""A service app on a throwaway data folder, with one key of each role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

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
