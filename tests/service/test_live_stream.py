"""The live WebSocket: authentication in the first message, the frame format, the latest-wins
slot, and whole sessions on a short lab clip the test renders (SIMULATED face)."""

from __future__ import annotations

import asyncio
import json
import struct
from typing import Any

import cv2
import pytest
from starlette.websockets import WebSocketDisconnect

from tests.service.conftest import Served
from unmask.errors import InputError
from unmask.lab import load_identities, render_presentation
from unmask.service.live import IncomingFrame, LatestSlot, parse_frame

FPS = 10


@pytest.fixture(scope="module")
def clip() -> list[tuple[float, bytes]]:
    """1.6 s of a bona fide lab presentation, as the JPEG frames a page would send."""
    identities, _ = load_identities(None)
    hopper = identities["grace_hopper"][0]
    rendered = render_presentation(
        "bona_fide", hopper, hopper, seconds=1.6, fps=FPS, size=(320, 240), seed=2
    )
    return [
        (float(t), cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))[1].tobytes())
        for rgb, t in zip(rendered.frames, rendered.times, strict=True)
    ]


def message(t: float, jpeg: bytes, screen: list[int] | None = None) -> bytes:
    head = json.dumps({"t": t, "screen": screen}).encode()
    return struct.pack(">I", len(head)) + head + jpeg


def start(served: Served, role: str, **fields: Any) -> dict[str, Any]:
    return {"type": "start", "key": served.keys[role], **fields}


def refused(served: Served, first: str) -> tuple[dict[str, Any], int]:
    with served.client.websocket_connect("/api/live") as ws:
        ws.send_text(first)
        answer = ws.receive_json()
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    return answer, closed.value.code


def test_the_key_comes_in_the_first_message_and_needs_the_operator_role(served: Served) -> None:
    answer, code = refused(served, json.dumps({"type": "start"}))
    assert (answer["type"], answer["error_type"], code) == ("error", "Unauthorized", 4401)
    answer, code = refused(served, json.dumps({"type": "start", "key": "nope"}))
    assert code == 4401
    answer, code = refused(served, json.dumps(start(served, "viewer")))
    assert (answer["error_type"], code) == ("Forbidden", 4403)
    assert "operator" in answer["error"]
    answer, code = refused(served, "hello")
    assert (answer["error_type"], answer["exit_code"], code) == ("InputError", 2, 4400)
    answer, code = refused(served, json.dumps(start(served, "operator", mode="verify")))
    assert "claimed identity" in answer["error"]
    answer, code = refused(served, json.dumps(start(served, "operator", seconds="ten")))
    assert "seconds must be" in answer["error"] and code == 4400


def test_frame_messages_are_parsed_and_bounded() -> None:
    frame = parse_frame(message(1.25, b"JPEG", [255, 0, 10]))
    assert (frame.t, frame.screen, frame.jpeg) == (1.25, (255, 0, 10), b"JPEG")
    assert parse_frame(message(0.5, b"x")).screen is None
    for bad in (b"\x00\x00", struct.pack(">I", 3) + b"{}x", message(float("nan"), b"x")):
        with pytest.raises(InputError):
            parse_frame(bad)
    with pytest.raises(InputError, match="over the"):
        parse_frame(message(0.0, bytes(3 * 2**20)))


def test_the_slot_keeps_only_the_newest_frame_and_counts_the_dropped() -> None:
    async def scenario() -> tuple[list[float | None], int, int]:
        slot = LatestSlot()
        for t in (0.1, 0.2, 0.3):
            slot.put(IncomingFrame(t, None, b""))
        first = await slot.take(1.0)
        slot.put(IncomingFrame(0.4, None, b""))
        second = await slot.take(1.0)
        slot.close()
        last = await slot.take(1.0)
        return [f.t if f else None for f in (first, second, last)], slot.received, slot.dropped

    taken, received, dropped = asyncio.run(scenario())
    assert taken == [0.3, 0.4, None]
    assert (received, dropped) == (4, 2)


def run_session(
    served: Served, clip: list[tuple[float, bytes]], **fields: Any
) -> list[dict[str, Any]]:
    """Send a frame, read its update, and so on (no frame waits, so none is dropped)."""
    answers = []
    with served.client.websocket_connect("/api/live") as ws:
        ws.send_text(json.dumps(start(served, "operator", seconds=1.2, **fields)))
        answers.append(ws.receive_json())
        for t, jpeg in clip:
            ws.send_bytes(message(t, jpeg))
            answers.append(ws.receive_json())
            if answers[-1]["type"] != "frame" or answers[-1]["done"]:
                break
        if answers[-1]["type"] == "frame":
            answers.append(ws.receive_json())
    return answers


def test_a_watch_session_streams_updates_then_the_verdict(
    served: Served, clip: list[tuple[float, bytes]]
) -> None:
    answers = run_session(served, clip)
    ready, frames, verdict = answers[0], answers[1:-1], answers[-1]
    assert ready["type"] == "ready" and ready["challenge"] is None and ready["seconds"] == 1.2
    assert len(frames) == 13  # 0.0 to 1.2 s at 10 fps
    assert all(f["faces"] and f["faces"][0]["main"] for f in frames)
    assert [f["processed"] for f in frames] == list(range(1, 14))
    assert all(f["dropped"] == 0 and f["received"] == f["processed"] for f in frames)
    assert verdict["type"] == "verdict" and verdict["identity"] is None
    assert verdict["liveness"]["decision"] in {"bona_fide", "attack", "inconclusive"}
    assert verdict["liveness"]["frames"] == 13
    records = served.client.get("/api/audit", headers=served.headers("viewer")).json()["records"]
    assert records[-1]["action"] == "liveness"
    assert records[-1]["result"]["live"] is True
    assert records[-1]["result"]["liveness"] == verdict["liveness"]["decision"]


def test_identify_names_the_enrolled_person_and_a_bad_frame_ends_the_session(
    served: Served, clip: list[tuple[float, bytes]]
) -> None:
    enrolled = served.client.post(
        "/api/enroll",
        headers=served.headers("admin"),
        data={"id": "grace"},
        files=[("files", ("a.jpg", clip[0][1], "image/jpeg"))],
    )
    assert enrolled.status_code == 200, enrolled.text
    verdict = run_session(served, clip, mode="identify")[-1]
    assert verdict["identity"]["candidates"][0]["id"] == "grace"
    assert verdict["identity"]["candidates"][0]["distance"] < 0.5
    if verdict["liveness"]["decision"] != "bona_fide":
        assert verdict["identity"]["match_refused"].startswith("liveness")
        assert not verdict["identity"]["candidates"][0]["match"]

    with served.client.websocket_connect("/api/live") as ws:
        ws.send_text(json.dumps(start(served, "operator", mode="verify", id="nobody")))
        answer = ws.receive_json()
    assert (answer["type"], answer["error_type"]) == ("error", "UnknownIdentityError")

    answers = run_session(served, [(0.0, b"not an image")])
    assert answers[-1]["type"] == "error"
    assert answers[-1]["error_type"] == "UnsupportedMediaError"
