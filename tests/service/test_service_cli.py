"""`unmask serve`, `unmask keys`: first-start key, flags, the keys file shared with the service."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.service.conftest import serve
from unmask.cli.main import main
from unmask.service.keys import KeyStore


def test_first_start_prints_one_admin_key_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import uvicorn

    started: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.append(options))
    folder = str(tmp_path / "data")
    assert main(["serve", "--data-dir", folder, "--port", "8123"]) == 0
    first = capsys.readouterr().err
    assert "first start: admin key" in first
    key = first.split("admin key (shown only now, stored hashed): ")[1].split()[0]
    assert KeyStore(Path(folder)).authenticate(key) is not None
    assert main(["serve", "--data-dir", folder, "--host", "0.0.0.0"]) == 0
    second = capsys.readouterr().err
    assert "admin key" not in second and "warning: listening on 0.0.0.0" in second
    assert started == [
        {"host": "127.0.0.1", "port": 8123, "log_level": "info"},
        {"host": "0.0.0.0", "port": 8000, "log_level": "info"},
    ]
    assert (Path(folder) / "gallery.sqlite").exists()


def test_keys_made_by_the_cli_work_on_the_service(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "data"
    for served in serve(folder):
        assert main(["keys", "add", "--role", "viewer", "--data-dir", str(folder), "--json"]) == 0
        made = json.loads(capsys.readouterr().out)
        assert set(made) == {"id", "role", "key"} and made["role"] == "viewer"
        headers = {"Authorization": f"Bearer {made['key']}"}
        assert served.client.get("/api/audit", headers=headers).status_code == 200
        assert main(["keys", "list", "--data-dir", str(folder), "--json"]) == 0
        listed = json.loads(capsys.readouterr().out)["keys"]
        assert made["id"] in {k["id"] for k in listed} and made["key"] not in json.dumps(listed)
        assert main(["keys", "revoke", made["id"], "--data-dir", str(folder)]) == 0
        assert served.client.get("/api/audit", headers=headers).status_code == 401
        assert main(["keys", "revoke", made["id"], "--data-dir", str(folder)]) == 2
        assert main(["keys", "add", "--role", "root", "--data-dir", str(folder)]) == 2


def test_cors_is_closed_unless_origins_are_named(tmp_path: Path) -> None:
    preflight = {
        "Origin": "https://door.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-api-key",
    }
    for served in serve(tmp_path / "closed"):
        answer = served.client.get("/health", headers={"Origin": "https://door.example"})
        assert "access-control-allow-origin" not in answer.headers
    for served in serve(tmp_path / "open", cors_origins=("https://door.example",)):
        client: TestClient = served.client
        answer = client.options("/api/identify", headers=preflight)
        assert answer.headers.get("access-control-allow-origin") == "https://door.example"
        other = client.get("/health", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
