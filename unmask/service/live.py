"""The live stream: `/api/live`, a WebSocket from the console's camera to the liveness engine.

A browser cannot put a header on a WebSocket, and a key in the URL lands in every access log,
so the key comes in the first message. After it, the page sends frames as binary messages and
the server answers each frame it judged with what to draw, then the verdict. The face stage
takes tens of milliseconds a frame: when frames come faster than that, or the page reads its
answers slowly, the server keeps only the newest frame waiting (a one-place, latest-wins slot)
and counts the ones it dropped, so latency never grows with a queue. docs/console.md gives the
message format.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import struct
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

import numpy as np
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

from unmask.errors import InputError, UnmaskError
from unmask.jsonable import json_ready
from unmask.liveness.levels import DEFAULT_LEVEL, LEVEL_NAMES
from unmask.service.errors import HTTP_TYPES
from unmask.service.keys import Principal
from unmask.service.state import Service
from unmask.species import BONA_FIDE
from unmask.types import Frame

router = APIRouter()

START_TIMEOUT_S = 10.0
"""The first message (the key) must come this soon after the socket opens."""
IDLE_TIMEOUT_S = 10.0
"""A session with no frame for this long ends with an error."""
MAX_FRAME_BYTES = 2 * 2**20
MAX_LOOK_S = 30.0
MAX_SESSIONS = 4
"""Concurrent live sessions; a fifth is refused (close code 1013, try again later)."""
MODES = ("watch", "identify", "verify")
CLOSE_UNAUTHORISED, CLOSE_FORBIDDEN, CLOSE_LOCKED, CLOSE_BAD = 4401, 4403, 4423, 4400


@dataclass(frozen=True)
class StartRequest:
    """The first message: who is calling and what the capture is for."""

    key: str
    mode: str = "watch"
    identity: str | None = None
    level: str = DEFAULT_LEVEL
    challenge: bool = False
    seconds: float | None = None

    @classmethod
    def parse(cls, text: str) -> StartRequest:
        try:
            message = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"the first message must be JSON ({exc.msg})") from exc
        if not isinstance(message, dict) or message.get("type") != "start":
            raise InputError('the first message must be {"type": "start", "key": ...}')
        mode = str(message.get("mode", "watch"))
        if mode not in MODES:
            raise InputError(f"mode {mode!r}: choose one of {', '.join(MODES)}")
        level = str(message.get("level") or DEFAULT_LEVEL)
        if level not in LEVEL_NAMES:
            raise InputError(f"level {level!r}: choose one of {', '.join(LEVEL_NAMES)}")
        identity = message.get("id")
        if mode == "verify" and not identity:
            raise InputError('verify needs the claimed identity in "id"')
        seconds = message.get("seconds")
        try:
            if seconds is not None and not 1.0 <= float(seconds) <= MAX_LOOK_S:
                raise ValueError(seconds)
        except (TypeError, ValueError):
            raise InputError(f"seconds must be between 1 and {MAX_LOOK_S:g}") from None
        return cls(
            key=str(message.get("key") or ""),
            mode=mode,
            identity=str(identity) if identity else None,
            level=level,
            challenge=bool(message.get("challenge", False)),
            seconds=None if seconds is None else float(seconds),
        )


@dataclass
class IncomingFrame:
    t: float
    screen: tuple[int, int, int] | None
    jpeg: bytes


def parse_frame(data: bytes) -> IncomingFrame:
    """A binary frame message: a 4-byte big-endian header length, a JSON header
    `{"t": seconds, "screen": [r, g, b] | null}`, then the image bytes (JPEG, PNG or WebP)."""
    if len(data) > MAX_FRAME_BYTES:
        raise InputError(f"a frame of {len(data)} bytes is over the {MAX_FRAME_BYTES} byte limit")
    if len(data) < 4:
        raise InputError("a frame message starts with its 4-byte header length")
    (size,) = struct.unpack(">I", data[:4])
    try:
        header = json.loads(data[4 : 4 + size])
        t = float(header["t"])
        screen = header.get("screen")
        rgb = None if screen is None else (int(screen[0]), int(screen[1]), int(screen[2]))
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise InputError(f"bad frame header: {exc}") from exc
    if not np.isfinite(t):
        raise InputError("a frame's time must be a finite number of seconds")
    return IncomingFrame(t, rgb, data[4 + size :])


def decode(jpeg: bytes, index: int, t: float, max_pixels: int) -> Frame:
    """The image of a frame message as an RGB Frame (size checked before decoding)."""
    from PIL import Image, UnidentifiedImageError

    from unmask.errors import UnsupportedMediaError

    try:
        with Image.open(BytesIO(jpeg)) as image:
            if image.width * image.height > max_pixels:
                raise InputError(f"a {image.width}x{image.height} frame is over the pixel limit")
            rgb = np.asarray(image.convert("RGB"))
    except (UnidentifiedImageError, OSError) as exc:
        raise UnsupportedMediaError(f"frame {index}: not a readable image ({exc})") from exc
    return Frame(rgb, index, t)


@dataclass
class LatestSlot:
    """One frame waiting, the newest: a frame arriving while another waits replaces it and
    counts as dropped. `close()` wakes the taker with None."""

    item: IncomingFrame | None = None
    received: int = 0
    dropped: int = 0
    closed: bool = False
    event: asyncio.Event = field(default_factory=asyncio.Event)

    def put(self, item: IncomingFrame) -> None:
        self.received += 1
        if self.item is not None:
            self.dropped += 1
        self.item = item
        self.event.set()

    def close(self) -> None:
        self.closed = True
        self.event.set()

    async def take(self, timeout: float) -> IncomingFrame | None:
        """The newest frame (None once closed); TimeoutError when none came in `timeout`."""
        while self.item is None and not self.closed:
            self.event.clear()
            await asyncio.wait_for(self.event.wait(), timeout)
        item, self.item = self.item, None
        return item


class LiveEngines:
    """The thread the live sessions' frames are judged on, with its one liveness engine (the
    face models load once, and are not shared between threads)."""

    def __init__(self) -> None:
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="unmask-live")
        self.local = threading.local()
        self.sessions = 0

    def engine(self) -> Any:
        if not hasattr(self.local, "engine"):
            from unmask.liveness.engine import LivenessEngine

            self.local.engine = LivenessEngine()
        return self.local.engine

    async def run(self, job: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, job, *args)


def engines(state: Any) -> LiveEngines:
    """The app's live thread (`app.state.live`), made by the first session."""
    found: LiveEngines | None = getattr(state, "live", None)
    if found is None:
        found = LiveEngines()
        state.live = found
    return found


async def send(ws: WebSocket, document: dict[str, Any]) -> None:
    await asyncio.wait_for(ws.send_text(json.dumps(json_ready(document))), IDLE_TIMEOUT_S)


async def refuse(
    ws: WebSocket, code: int, message: str, error_type: str, exit_code: int | None
) -> None:
    if ws.client_state == WebSocketState.CONNECTED:
        await send(
            ws,
            {"type": "error", "error": message, "error_type": error_type, "exit_code": exit_code},
        )
        await ws.close(code)


def authorise(svc: Service, request: StartRequest) -> tuple[Principal | None, int, str]:
    """The caller's principal, or None with the close code and why."""
    principal = svc.keys.authenticate(request.key) if request.key else None
    if principal is None:
        return None, CLOSE_UNAUTHORISED, "an API key is required in the first message"
    if not principal.may("operator"):
        return (
            None,
            CLOSE_FORBIDDEN,
            f"the live stream needs the operator role; the key {principal.key_id} is {principal.role}",
        )
    return principal, 0, ""


def identity_entry(
    resources: Any, result: Any, document: dict[str, Any], request: StartRequest
) -> dict[str, Any]:
    """Who the main face is (identify) or whether it is the claimed person (verify), from the
    track's best views through the library's matching; a face not judged bona fide never
    matches (the liveness veto)."""
    from unmask.identity import identify, verify
    from unmask.identity.probes import track_probe
    from unmask.identity.thresholds import DEFAULT_FMR
    from unmask.liveness.veto import veto
    from unmask.workflows import probe_entry

    chosen = [(face, frame.image) for frame, face in result.track.views()[:3]]
    probe = track_probe(result.track.track, chosen)
    gallery = resources.gallery()
    verdict = result.report.main.verdict
    refused = (
        veto(verdict)
        if document["decision"] == verdict.decision
        else f"liveness: {document['decision']} ({document['reason']})"
    )
    if document["decision"] != BONA_FIDE and refused is None:
        refused = f"liveness: {document['decision']}"
    entry: dict[str, Any] = probe_entry(probe)
    if refused:
        entry["match_refused"] = refused
    if request.mode == "verify":
        assert request.identity is not None
        found = verify(probe.embedding, gallery, request.identity, fmr=DEFAULT_FMR)
        entry.update(
            id=request.identity,
            match=found.match and not refused,
            distance_match=found.match,
            distance=round(found.distance, 4),
        )
    else:
        candidates = identify(probe.embedding, gallery, top=3, fmr=DEFAULT_FMR)
        entry["candidates"] = [
            {**c.as_dict(), "match": c.match and not refused, "distance_match": c.match}
            for c in candidates
        ]
    return entry


@router.websocket("/api/live")
async def live(ws: WebSocket) -> None:
    """See the module docstring and docs/console.md."""
    svc: Service = ws.app.state.service
    hub = engines(ws.app.state)
    await ws.accept()
    try:
        request = StartRequest.parse(await asyncio.wait_for(ws.receive_text(), START_TIMEOUT_S))
    except (TimeoutError, InputError, WebSocketDisconnect, KeyError, RuntimeError) as exc:
        message = str(exc) if isinstance(exc, InputError) else "no start message"
        await refuse(ws, CLOSE_BAD, message, "InputError", InputError.exit_code)
        return
    principal, code, why = authorise(svc, request)
    if principal is None:
        await refuse(ws, code, why, HTTP_TYPES[code - 4000], None)
        return
    try:
        svc.check_key_unlocked(principal)
        if request.mode == "verify" and request.identity:
            svc.lockout.check("identity", request.identity)
    except UnmaskError as exc:
        await refuse(ws, CLOSE_LOCKED, str(exc), type(exc).__name__, exc.exit_code)
        return
    if hub.sessions >= MAX_SESSIONS:
        await refuse(
            ws, 1013, f"{MAX_SESSIONS} live sessions already run; try again", HTTP_TYPES[503], None
        )
        return
    hub.sessions += 1
    try:
        await run_session(ws, svc, hub, principal, request)
    except WebSocketDisconnect:
        return
    except UnmaskError as exc:
        await refuse(ws, 1000, str(exc), type(exc).__name__, exc.exit_code)
    except TimeoutError:
        await refuse(ws, 1000, f"no frame for {IDLE_TIMEOUT_S:g} s", HTTP_TYPES[408], None)
    finally:
        hub.sessions -= 1


def issue_challenge(svc: Service) -> Any:
    """A fresh signed challenge, its nonce spent at once: the server that issues it is the one
    that checks it, in this session only."""
    from unmask.datadir import secret
    from unmask.liveness.challenge import ChallengeIssuer, NonceStore

    folder = svc.settings.data_dir
    challenge = ChallengeIssuer(secret(folder, "challenge")).new()
    NonceStore(folder).spend(challenge.nonce, challenge.expires_at)
    return challenge


async def run_session(
    ws: WebSocket, svc: Service, hub: LiveEngines, principal: Principal, request: StartRequest
) -> None:
    from unmask.liveness.live import LiveSession

    claimed = request.identity
    if claimed is not None:  # an unknown name fails now, not after the capture
        await svc.compute(lambda resources: resources.gallery().identity_id(claimed))
    challenge = await asyncio.to_thread(issue_challenge, svc) if request.challenge else None
    engine = await hub.run(hub.engine)
    session = LiveSession(engine, challenge=challenge, seconds=request.seconds, level=request.level)
    session_id = secrets.token_hex(8)
    await send(
        ws,
        {
            "type": "ready",
            "session": session_id,
            "mode": request.mode,
            "level": request.level,
            "seconds": session.seconds,
            "challenge": None if challenge is None else challenge.as_dict(),
        },
    )
    slot = LatestSlot()
    errors: list[UnmaskError] = []

    async def read() -> None:
        try:
            while not slot.closed:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                if message.get("bytes") is not None:
                    slot.put(parse_frame(message["bytes"]))
                elif json.loads(message.get("text") or "{}").get("type") == "stop":
                    break
        except (UnmaskError, ValueError) as exc:
            errors.append(exc if isinstance(exc, UnmaskError) else InputError(str(exc)))
        finally:
            slot.close()

    reader = asyncio.create_task(read())
    processed, started = 0, time.monotonic()
    limit = svc.settings.limits.pixels
    try:
        while not session.done and time.monotonic() - started < MAX_LOOK_S + IDLE_TIMEOUT_S:
            item = await slot.take(IDLE_TIMEOUT_S)
            if item is None:
                break
            frame = decode(item.jpeg, processed, item.t, limit)
            update = await hub.run(session.push, frame, item.screen, slot.item is not None)
            if update is None:
                continue
            processed += 1
            await send(
                ws,
                {
                    **update.as_dict(),
                    "received": slot.received,
                    "processed": processed,
                    "dropped": slot.dropped,
                },
            )
        if errors:
            raise errors[0]
        result = await hub.run(session.finish)
        document = result.document(engine)
        identity = None
        if request.mode != "watch":
            identity = await svc.compute(
                lambda resources: identity_entry(resources, result, document, request)
            )
        await audit(svc, principal, request, document, identity, processed)
        await send(
            ws,
            {
                "type": "verdict",
                "session": session_id,
                "liveness": document,
                "identity": identity,
                "received": slot.received,
                "processed": processed,
                "dropped": slot.dropped,
            },
        )
        await ws.close(1000)
    finally:
        slot.close()
        reader.cancel()


async def audit(
    svc: Service,
    principal: Principal,
    request: StartRequest,
    document: dict[str, Any],
    identity: dict[str, Any] | None,
    frames: int,
) -> None:
    """The live decision into the audit chain, as the REST routes record theirs, and an attack
    verdict towards the key's (and a claimed identity's) lockout."""
    action = {"watch": "liveness", "identify": "identify", "verify": "verify"}[request.mode]
    result: dict[str, Any] = {
        "live": True,
        "frames": frames,
        "liveness": document["decision"],
        "level": request.level,
        "challenge": (document.get("challenge") or {}).get("decision"),
    }
    subject = request.identity or ""
    if identity is not None and request.mode == "verify":
        result["match"] = identity["match"]
    elif identity is not None:
        matched = [c["id"] for c in identity["candidates"][:1] if c["match"]]
        result["matched"] = matched
        subject = ",".join(matched)
    await svc.record(principal, action, subject, result)
    await svc.count_attacks(
        principal, [document["decision"]], request.identity if request.mode == "verify" else None
    )
