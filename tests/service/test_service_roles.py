"""Every /api route: 401 without a key, 403 for each role below the route's own."""

from __future__ import annotations

import pytest

from tests.service.conftest import Served

ROLES = ("viewer", "operator", "admin")

# The role each route needs: the table (viewer: health and audit read; operator:
# identify, verify, liveness; admin: gallery changes and keys).
NEEDS = {
    ("POST", "/api/detect"): "operator",
    ("POST", "/api/enroll"): "admin",
    ("POST", "/api/identify"): "operator",
    ("POST", "/api/verify"): "operator",
    ("POST", "/api/liveness"): "operator",
    ("POST", "/api/challenges"): "operator",
    ("POST", "/api/challenges/verify"): "operator",
    ("GET", "/api/gallery"): "operator",
    ("DELETE", "/api/gallery/{id}"): "admin",
    ("POST", "/api/gallery/{id}/rename"): "admin",
    ("GET", "/api/audit"): "viewer",
    ("GET", "/api/audit/verify"): "viewer",
    ("GET", "/api/keys"): "admin",
    ("POST", "/api/keys"): "admin",
    ("DELETE", "/api/keys/{key_id}"): "admin",
    ("GET", "/api/locks"): "admin",
    ("DELETE", "/api/locks/{kind}/{subject}"): "admin",
}

FILLED = {"{id}": "nobody", "{key_id}": "0", "{kind}": "key", "{subject}": "nobody"}


def concrete(path: str) -> str:
    for field, value in FILLED.items():
        path = path.replace(field, value)
    return path


def test_every_api_route_declares_a_key_and_the_table_names_ours(served: Served) -> None:
    operations = {
        (method.upper(), path): operation
        for path, methods in served.app.openapi()["paths"].items()
        if path.startswith("/api")
        for method, operation in methods.items()
    }
    assert set(NEEDS) <= set(operations)
    unguarded = [route for route, operation in operations.items() if not operation.get("security")]
    assert unguarded == []


@pytest.mark.parametrize(("method", "path"), list(NEEDS))
def test_keys_and_roles(served: Served, method: str, path: str) -> None:
    url = concrete(path)
    anonymous = served.client.request(method, url)
    assert anonymous.status_code == 401
    assert served.client.request(method, url, headers={"X-API-Key": "umk_0_0"}).status_code == 401
    needed = ROLES.index(NEEDS[(method, path)])
    for rank, role in enumerate(ROLES):
        status = served.client.request(method, url, headers=served.headers(role)).status_code
        if rank < needed:
            assert status == 403, (role, method, path)
        else:
            assert status not in (401, 403, 500), (role, method, path, status)
