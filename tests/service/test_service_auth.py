"""Keys and roles: 401 before anything else, 403 below the route's role, hashed storage."""

from __future__ import annotations

import sqlite3

from fastapi import APIRouter
from fastapi.testclient import TestClient

from tests.service.conftest import Served
from unmask.service.auth import Admin, Operator, Viewer
from unmask.service.keys import KEY_FILE, KeyStore


def add_probe_routes(served: Served) -> None:
    router = APIRouter()

    @router.get("/api/probe/viewer")
    async def as_viewer(principal: Viewer) -> dict[str, str]:
        return {"key": principal.key_id}

    @router.get("/api/probe/operator")
    async def as_operator(principal: Operator) -> dict[str, str]:
        return {"key": principal.key_id}

    @router.post("/api/probe/admin")
    async def as_admin(principal: Admin, size: int) -> dict[str, str]:
        return {"key": principal.key_id}

    served.app.include_router(router)


def test_health_needs_no_key(served: Served) -> None:
    response = served.client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_roles_nest_and_missing_keys_are_401_first(served: Served) -> None:
    add_probe_routes(served)
    allowed = {
        "viewer": {"viewer"},
        "operator": {"viewer", "operator"},
        "admin": {"viewer", "operator", "admin"},
    }
    for role, routes in allowed.items():
        for route in ("viewer", "operator"):
            response = served.client.get(f"/api/probe/{route}", headers=served.headers(role))
            assert response.status_code == (200 if route in routes else 403), (role, route)
    denied = served.client.post("/api/probe/admin?size=1", headers=served.headers("operator"))
    assert denied.status_code == 403
    assert denied.json()["error_type"] == "Forbidden"
    # No key: 401 even though the request also lacks a required parameter.
    anonymous = served.client.post("/api/probe/admin")
    assert anonymous.status_code == 401
    assert anonymous.json()["error_type"] == "Unauthorized"
    assert anonymous.headers["www-authenticate"] == "Bearer"


def test_bearer_header_and_bad_keys(served: Served) -> None:
    add_probe_routes(served)
    bearer = {"Authorization": f"Bearer {served.keys['viewer']}"}
    assert served.client.get("/api/probe/viewer", headers=bearer).status_code == 200
    for bad in ("umk_0_0", served.keys["viewer"] + "x", "nonsense", "umk_a_b_c"):
        response = served.client.get("/api/probe/viewer", headers={"X-API-Key": bad})
        assert response.status_code == 401, bad


def test_revoked_key_is_refused_and_keys_are_stored_hashed(served: Served) -> None:
    add_probe_routes(served)
    store = KeyStore(served.data_dir)
    record, key = store.add("operator", label="door 1")
    assert served.client.get("/api/probe/operator", headers={"X-API-Key": key}).status_code == 200
    store.revoke(record.id)
    assert served.client.get("/api/probe/operator", headers={"X-API-Key": key}).status_code == 401
    raw = sqlite3.connect(served.data_dir / KEY_FILE).execute("SELECT * FROM keys").fetchall()
    secret = key.split("_", 2)[2]  # the secret itself may hold underscores
    assert raw and all(key not in repr(row) and secret not in repr(row) for row in raw)


def test_first_start_mints_one_admin_key_only(served: Served) -> None:
    assert KeyStore(served.data_dir).bootstrap_admin() is None


def test_a_bug_is_a_json_500_without_internals(served: Served) -> None:
    router = APIRouter()

    @router.get("/api/probe/bug")
    async def bug(principal: Viewer) -> dict[str, str]:
        raise RuntimeError("secret internals")

    served.app.include_router(router)
    client = TestClient(served.app, raise_server_exceptions=False)
    response = client.get("/api/probe/bug", headers=served.headers("viewer"))
    assert response.status_code == 500
    assert response.json()["error_type"] == "InternalError"
    assert "secret" not in response.text
