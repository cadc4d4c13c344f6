"""Lockout: attack verdicts lock the key and the claimed identity; an admin unlocks them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.service.conftest import Served, png_bytes, serve, upload
from unmask.cli.main import main
from unmask.service.lockout import LockoutStore
from unmask.service.settings import Lockout


@pytest.fixture
def touchy(tmp_path: Path) -> Iterator[Served]:
    yield from serve(tmp_path / "data", lockout=Lockout(attacks=2, window_seconds=600))


def refused_challenge(served: Served, still: bytes) -> dict[str, object]:
    """A still answering an action challenge: the capture cannot follow it (an attack)."""
    headers = served.headers("operator")
    challenge = served.client.post(
        "/api/challenges", headers=headers, data={"kinds": "pose", "seconds": "3"}
    ).json()
    response = served.client.post(
        "/api/challenges/verify",
        headers=headers,
        data={"challenge": json.dumps(challenge)},
        files=upload("still.png", still),
    )
    assert response.status_code == 200, response.text
    document: dict[str, object] = response.json()
    return document


def test_attack_verdicts_lock_the_key_until_an_admin_unlocks_it(
    touchy: Served, portraits: dict[str, NDArray[np.uint8]]
) -> None:
    still = png_bytes(portraits["eileen_collins"])
    first = refused_challenge(touchy, still)
    assert first["decision"] == "attack" and first["locked"] == []
    second = refused_challenge(touchy, still)
    assert [lock["kind"] for lock in second["locked"]] == ["key"]  # type: ignore[union-attr]
    locked = touchy.client.get("/api/gallery", headers=touchy.headers("operator"))
    assert locked.status_code == 423
    assert locked.json()["error_type"] == "LockedOutError" and locked.json()["exit_code"] == 15
    key_id = touchy.keys["operator"].split("_")[1]
    assert key_id in locked.json()["error"]
    listed = touchy.client.get("/api/locks", headers=touchy.headers("admin")).json()["locks"]
    assert [(lock["kind"], lock["subject"]) for lock in listed] == [("key", key_id)]
    unlocked = touchy.client.delete(f"/api/locks/key/{key_id}", headers=touchy.headers("admin"))
    assert unlocked.status_code == 200
    assert touchy.client.get("/api/gallery", headers=touchy.headers("operator")).status_code == 200
    actions = [
        r["action"]
        for r in touchy.client.get("/api/audit", headers=touchy.headers("viewer")).json()["records"]
    ]
    assert actions.count("challenge") == 2 and "unlock" in actions


def test_a_locked_identity_refuses_verification_and_the_cli_unlocks_it(
    touchy: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    store = LockoutStore(touchy.data_dir, attacks=2, window_seconds=600)
    assert store.record_attack("identity", "ada") is None
    assert store.record_attack("identity", "ada") is not None
    face = png_bytes(np.full((64, 64, 3), 90, np.uint8))
    response = touchy.client.post(
        "/api/verify",
        headers=touchy.headers("operator"),
        data={"id": "ada"},
        files=upload("f.png", face),
    )
    assert response.status_code == 423 and "identity 'ada' is locked" in response.json()["error"]
    folder = str(touchy.data_dir)
    assert main(["keys", "locks", "--data-dir", folder, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["locks"][0]["subject"] == "ada"
    assert main(["keys", "unlock", "--identity", "ada", "--data-dir", folder]) == 0
    assert main(["keys", "unlock", "--identity", "ada", "--data-dir", folder]) == 2
    after = touchy.client.post(
        "/api/verify",
        headers=touchy.headers("operator"),
        data={"id": "ada"},
        files=upload("f.png", face),
    )
    assert after.status_code != 423


def test_attacks_outside_the_window_do_not_count(tmp_path: Path) -> None:
    store = LockoutStore(tmp_path, attacks=3, window_seconds=60)
    assert store.record_attack("key", "k", now=0.0) is None
    assert store.record_attack("key", "k", now=30.0) is None
    assert store.record_attack("key", "k", now=70.0) is None  # the one at 0 s has expired
    assert store.record_attack("key", "k", now=80.0) is not None
    assert store.record_attack("identity", "k", now=80.0) is None  # kinds are separate
