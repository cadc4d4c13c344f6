"""Every REST route on real faces (the bundled portraits), with the CLI's answers and errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.service.conftest import Served, png_bytes, upload
from unmask.identity.thresholds import FMR_THRESHOLDS


@pytest.fixture(scope="module")
def faces(portraits: dict[str, NDArray[np.uint8]]) -> dict[str, bytes]:
    return {name: png_bytes(image) for name, image in portraits.items()}


def test_enrol_identify_verify_share_the_cli_shapes(
    shared_service: Served, faces: dict[str, bytes]
) -> None:
    client, admin = shared_service.client, shared_service.headers("admin")
    operator = shared_service.headers("operator")
    eileen, grace = faces["eileen_collins"], faces["grace_hopper"]
    enrolled = client.post(
        "/api/enroll", headers=admin, data={"id": "eileen"}, files=[("files", ("e.png", eileen))]
    )
    assert enrolled.status_code == 200, enrolled.text
    document = enrolled.json()
    assert document["enrolled"] == [{"id": "eileen", "templates": 1}]
    assert document["files"][0]["file"] == "e.png" and len(document["files"][0]["box"]) == 4

    found = client.post("/api/identify", headers=operator, files=upload("p.png", eileen)).json()
    best = found["faces"][0]["candidates"][0]
    assert best["id"] == "eileen" and best["match"] is True
    assert found["threshold"] == pytest.approx(FMR_THRESHOLDS[1e-3], abs=1e-3)
    assert found["fmr"] == 1e-3
    stranger = client.post("/api/identify", headers=operator, files=upload("g.png", grace)).json()
    assert stranger["faces"][0]["candidates"][0]["match"] is False

    same = client.post(
        "/api/verify", headers=operator, data={"id": "eileen"}, files=upload("p.png", eileen)
    ).json()
    other = client.post(
        "/api/verify", headers=operator, data={"id": "eileen"}, files=upload("g.png", grace)
    ).json()
    assert same["match"] is True and other["match"] is False
    assert other["distance"] > same["distance"]


def test_verify_with_a_liveness_level_carries_the_verdict(
    shared_service: Served, faces: dict[str, bytes]
) -> None:
    client = shared_service.client
    client.post(
        "/api/enroll",
        headers=shared_service.headers("admin"),
        data={"id": "grace"},
        files=[("files", ("g.png", faces["grace_hopper"]))],
    )
    document = client.post(
        "/api/verify",
        headers=shared_service.headers("operator"),
        data={"id": "grace", "liveness": "low"},
        files=upload("g.png", faces["grace_hopper"]),
    ).json()
    assert document["liveness"]["decision"] in ("bona_fide", "attack", "inconclusive")
    assert document["match"] == (
        document["distance_match"] and document["liveness"]["decision"] == "bona_fide"
    )
    refused = client.post(
        "/api/verify",
        headers=shared_service.headers("operator"),
        data={"id": "grace", "liveness": "extreme"},
        files=upload("g.png", faces["grace_hopper"]),
    )
    assert refused.status_code == 422 and refused.json()["error_type"] == "UsageError"


def test_detect_and_liveness(shared_service: Served, faces: dict[str, bytes]) -> None:
    client, operator = shared_service.client, shared_service.headers("operator")
    detected = client.post(
        "/api/detect",
        headers=operator,
        data={"landmarks": "true"},
        files=upload("e.png", faces["eileen_collins"]),
    ).json()
    assert detected["frames"] == 1 and len(detected["faces"]) == 1
    assert len(detected["faces"][0]["mesh"]) == 468
    judged = client.post(
        "/api/liveness", headers=operator, files=upload("e.png", faces["eileen_collins"])
    ).json()
    assert judged["decision"] in ("bona_fide", "attack", "inconclusive")
    assert judged["level"] == "medium" and "cues" in judged and judged["file"] == "e.png"


def test_cli_error_types_come_back_as_json(shared_service: Served, faces: dict[str, bytes]) -> None:
    client, operator = shared_service.client, shared_service.headers("operator")
    unknown = client.post(
        "/api/verify",
        headers=operator,
        data={"id": "nobody"},
        files=upload("e.png", faces["eileen_collins"]),
    )
    assert unknown.status_code == 404
    assert unknown.json()["error_type"] == "UnknownIdentityError"
    assert unknown.json()["exit_code"] == 9
    assert "gallery.sqlite" not in unknown.json()["error"]  # no server paths in answers
    blank = np.full((120, 160, 3), 128, np.uint8)
    no_face = client.post(
        "/api/verify",
        headers=operator,
        data={"id": "eileen"},
        files=upload("b.png", png_bytes(blank)),
    )
    assert no_face.status_code == 422
    assert no_face.json()["error_type"] == "NoFaceError" and no_face.json()["exit_code"] == 5
    assert no_face.json()["error"].startswith("b.png")
    nothing = client.post(
        "/api/enroll",
        headers=shared_service.headers("admin"),
        data={"id": "x"},
        files=[("files", ("b.png", png_bytes(blank)))],
    )
    assert nothing.status_code == 422 and nothing.json()["error_type"] == "NoFaceError"


def test_gallery_list_rename_remove(shared_service: Served, faces: dict[str, bytes]) -> None:
    client, admin = shared_service.client, shared_service.headers("admin")
    client.post(
        "/api/enroll",
        headers=admin,
        data={"id": "temp"},
        files=[
            ("files", ("e.png", faces["eileen_collins"])),
            ("files", ("e2.png", faces["eileen_collins"])),
        ],
    )
    listed = client.get("/api/gallery", headers=shared_service.headers("operator")).json()
    assert {"id": "temp", "templates": 2} in [
        {"id": i["id"], "templates": i["templates"]} for i in listed["identities"]
    ]
    renamed = client.post("/api/gallery/temp/rename", headers=admin, data={"new_id": "renamed"})
    assert renamed.status_code == 200
    clash = client.post("/api/gallery/renamed/rename", headers=admin, data={"new_id": "eileen"})
    assert clash.status_code == 400 and clash.json()["error_type"] == "InputError"
    removed = client.delete("/api/gallery/renamed", headers=admin).json()
    assert removed == {"removed": "renamed", "templates": 2}
    assert client.delete("/api/gallery/renamed", headers=admin).status_code == 404


def test_challenge_issue_verify_and_single_use(
    shared_service: Served, faces: dict[str, bytes]
) -> None:
    client, operator = shared_service.client, shared_service.headers("operator")
    challenge = client.post(
        "/api/challenges", headers=operator, data={"kinds": "pose,flash", "seconds": "4"}
    ).json()
    assert challenge["signature"] and challenge["steps"] and challenge["flash"]
    answer = client.post(
        "/api/challenges/verify",
        headers=operator,
        data={"challenge": json.dumps(challenge)},
        files=upload("still.png", faces["eileen_collins"]),
    )
    assert answer.status_code == 200, answer.text
    # One still cannot perform a head turn or reflect a flash sequence.
    assert answer.json()["decision"] != "bona_fide"
    assert answer.json()["challenge"]["decision"] != "bona_fide"
    again = client.post(
        "/api/challenges/verify",
        headers=operator,
        data={"challenge": json.dumps(challenge)},
        files=upload("still.png", faces["eileen_collins"]),
    )
    assert again.status_code == 403 and again.json()["error_type"] == "ChallengeError"
    assert "already" in again.json()["error"]
    forged = dict(challenge, nonce="0" * 32)
    refused = client.post(
        "/api/challenges/verify",
        headers=operator,
        data={"challenge": json.dumps(forged)},
        files=upload("still.png", faces["eileen_collins"]),
    )
    assert refused.status_code == 403 and "signature" in refused.json()["error"]
    junk = client.post(
        "/api/challenges/verify",
        headers=operator,
        data={"challenge": "{not json"},
        files=upload("still.png", faces["eileen_collins"]),
    )
    assert junk.status_code == 400 and junk.json()["error_type"] == "InputError"


def test_every_decision_is_in_the_audit_log(shared_service: Served) -> None:
    client, viewer = shared_service.client, shared_service.headers("viewer")
    records = client.get("/api/audit?limit=1000", headers=viewer).json()["records"]
    actions = {record["action"] for record in records}
    assert {"enroll", "identify", "verify", "liveness", "challenge", "rename", "remove"} <= actions
    for record in records:
        assert record["key_id"] and record["time"].endswith("Z")
    verdict = client.get("/api/audit/verify", headers=viewer).json()
    assert verdict["ok"] is True and verdict["records"] == len(records)
    only = client.get("/api/audit?action=verify", headers=viewer).json()["records"]
    assert only and all(r["action"] == "verify" for r in only)


def test_keys_over_the_api(shared_service: Served) -> None:
    client, admin = shared_service.client, shared_service.headers("admin")
    made = client.post("/api/keys", headers=admin, data={"role": "viewer", "label": "desk"}).json()
    assert made["role"] == "viewer" and made["key"].startswith("umk_")
    health = client.get("/api/audit/verify", headers={"X-API-Key": made["key"]})
    assert health.status_code == 200
    listed = client.get("/api/keys", headers=admin).json()["keys"]
    assert made["id"] in {k["id"] for k in listed}
    assert all("key" not in k and "hash" not in k for k in listed)
    assert client.delete(f"/api/keys/{made['id']}", headers=admin).status_code == 200
    assert client.get("/api/audit/verify", headers={"X-API-Key": made["key"]}).status_code == 401
    assert client.post("/api/keys", headers=admin, data={"role": "root"}).status_code == 422
