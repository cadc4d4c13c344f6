"""Active liveness: a random, signed, single-use challenge, and a session that checks a capture
against it as frames arrive.

A recording cannot know a script drawn after it was made, so the challenge is the nonce (never
reused: the verifier spends it), the expiry (a capture cannot be prepared at leisure) and the
HMAC (the verifier proves it issued exactly this script). The script asks for head actions read
from the face mesh and may flash colours from the screen whose reflection `unmask.liveness.flash`
reads. docs/challenge.md says how each check works and fails.
"""

from __future__ import annotations

import colorsys
import hashlib
import hmac
import json
import secrets
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from unmask.errors import ChallengeError, InputError
from unmask.face import FaceAnalyzer
from unmask.liveness.actions import actions_cue
from unmask.liveness.flash import FlashRecorder, flash_cue, monochrome_flash
from unmask.liveness.fusion import ACTIVE_PASS
from unmask.liveness.observe import ChannelStack, Observation, observe
from unmask.liveness.sensors import DEFAULT_KINDS, DEFAULT_SECONDS, DEFAULT_TTL
from unmask.species import BONA_FIDE
from unmask.types import CueScore, Face, Frame

VERSION = 1
ACTIONS = ("turn_left", "turn_right", "look_up", "blink_twice", "smile", "come_closer")
FAMILIES: dict[str, tuple[str, ...]] = {
    "pose": ("turn_left", "turn_right", "look_up", "come_closer"),
    "blink": ("blink_twice",),
    "expression": ("smile",),
    "flash": (),
}
LEAD_S = 0.5  # before the first prompt: the face settles and the baseline is read
MIN_STEP_S = 1.5  # a prompt, a 0.4-0.8 s reaction and an action of about a second
FLASH_COLOURS = (4, 10)
FLASH_HZ = (2.0, 6.0)
MIN_HUE_STEP = 1.0 / 6.0  # consecutive colours at least 60 degrees of hue apart
FLASH_IDLE_RGB = (128, 128, 128)  # what the screen shows outside the flash (the prompt page)


@dataclass(frozen=True)
class ChallengeStep:
    """One action the person must perform between `start` and `end` (seconds into the script)."""

    kind: str
    start: float
    end: float


@dataclass(frozen=True)
class FlashSegment:
    """The screen shows `rgb` (sRGB, 0-255) from `start` to `end` (seconds into the script)."""

    rgb: tuple[int, int, int]
    start: float
    end: float


@dataclass(frozen=True)
class Challenge:
    """A signed script. `as_dict()` is the JSON challenge file; `from_dict` reads it back."""

    nonce: str
    issued_at: float
    expires_at: float
    steps: tuple[ChallengeStep, ...]
    flash: tuple[FlashSegment, ...]
    signature: str = ""

    @property
    def seconds(self) -> float:
        """Length of the script: the end of its last step or flash segment."""
        ends = [s.end for s in self.steps] + [f.end for f in self.flash]
        return max(ends, default=0.0)

    def payload(self) -> dict[str, Any]:
        """Everything the signature covers (all but the signature itself)."""
        return {
            "version": VERSION,
            "nonce": self.nonce,
            "issued_at": self.issued_at,
            "expires_at": self.expires_at,
            "steps": [{"kind": s.kind, "start": s.start, "end": s.end} for s in self.steps],
            "flash": [{"rgb": list(f.rgb), "start": f.start, "end": f.end} for f in self.flash],
        }

    def as_dict(self) -> dict[str, Any]:
        return {**self.payload(), "seconds": self.seconds, "signature": self.signature}

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> Challenge:
        """Parse a challenge file; InputError when it is not one (a bad signature is `check`'s)."""
        try:
            if int(document.get("version", VERSION)) != VERSION:
                raise InputError(f"challenge version {document['version']} is not {VERSION}")
            steps = tuple(
                ChallengeStep(str(s["kind"]), float(s["start"]), float(s["end"]))
                for s in document["steps"]
            )
            flash = tuple(
                FlashSegment(
                    (int(f["rgb"][0]), int(f["rgb"][1]), int(f["rgb"][2])),
                    float(f["start"]),
                    float(f["end"]),
                )
                for f in document["flash"]
            )
            challenge = cls(
                nonce=str(document["nonce"]),
                issued_at=float(document["issued_at"]),
                expires_at=float(document["expires_at"]),
                steps=steps,
                flash=flash,
                signature=str(document.get("signature") or ""),
            )
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise InputError(f"not a challenge document: {exc}") from exc
        unknown = [s.kind for s in steps if s.kind not in ACTIONS]
        if unknown:
            raise InputError(f"challenge asks for unknown action(s) {', '.join(unknown)}")
        return challenge

    @classmethod
    def load(cls, path: str | Path) -> Challenge:
        try:
            text = Path(path).read_text()
        except FileNotFoundError as exc:
            raise InputError(f"{path}: no such challenge file") from exc
        except OSError as exc:
            raise InputError(f"{path}: cannot read challenge: {exc.strerror or exc}") from exc
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: challenge is not JSON ({exc.msg})") from exc
        if not isinstance(document, dict):
            raise InputError(f"{path}: challenge must be a JSON object")
        return cls.from_dict(document)

    def emitted(self, t: float) -> tuple[int, int, int]:
        """The colour the script puts on screen at `t` seconds into it."""
        for segment in self.flash:
            if segment.start <= t < segment.end:
                return segment.rgb
        return FLASH_IDLE_RGB


def canonical(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def parse_kinds(kinds: Iterable[str]) -> tuple[list[str], bool]:
    """Families (pose, blink, expression, flash) or single actions -> the action pool per step,
    and whether to flash. A family gives one step drawn from it; an action pins its step."""
    pools, flash = [], False
    for kind in kinds:
        if kind == "flash":
            flash = True
        elif kind in FAMILIES or kind in ACTIONS:
            pools.append(kind)
        else:
            known = ", ".join([*FAMILIES, *ACTIONS])
            raise InputError(f"unknown challenge kind {kind!r}; choose from {known}")
    return pools, flash


class ChallengeIssuer:
    """Issues and checks challenges signed with one secret (the data folder's `challenge` key)."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise InputError("a challenge secret needs at least 16 bytes")
        self._secret = secret

    def sign(self, challenge: Challenge) -> str:
        return hmac.new(self._secret, canonical(challenge.payload()), hashlib.sha256).hexdigest()

    def new(
        self,
        kinds: Sequence[str] = DEFAULT_KINDS,
        seconds: float = DEFAULT_SECONDS,
        ttl: float = DEFAULT_TTL,
        rng: np.random.Generator | None = None,
        now: float | None = None,
    ) -> Challenge:
        """A random script of one action per family (random order) over `seconds`, after a
        0.5 s lead-in, and with "flash" 4-10 colours of random hue at 2-6 Hz from the lead-in
        on. `rng` makes it reproducible (tests, lab); by default it comes from `secrets`."""
        if not 1.0 <= seconds <= 60.0:
            raise InputError(f"--seconds {seconds}: must be between 1 and 60")
        if not 1.0 <= ttl <= 30 * 86400:
            raise InputError(f"--ttl {ttl}: must be between 1 s and 30 days")
        pools, with_flash = parse_kinds(kinds)
        if not pools and not with_flash:
            raise InputError("a challenge needs at least one kind")
        nonce = secrets.token_hex(16) if rng is None else bytes(rng.bytes(16)).hex()
        rng = rng if rng is not None else np.random.default_rng(secrets.randbits(128))
        window = (seconds - LEAD_S) / max(len(pools), 1)
        if pools and window < MIN_STEP_S:
            raise InputError(
                f"--seconds {seconds:g} is too short for {len(pools)} action(s): each needs "
                f"{MIN_STEP_S:g} s after a {LEAD_S:g} s lead-in"
            )
        order = [pools[i] for i in rng.permutation(len(pools))]
        steps = []
        for i, pool in enumerate(order):
            choices = FAMILIES.get(pool, (pool,))
            kind = choices[int(rng.integers(len(choices)))]
            start = LEAD_S + i * window
            steps.append(ChallengeStep(kind, round(start, 3), round(start + window, 3)))
        flash = flash_script(rng, seconds) if with_flash else ()
        issued = time.time() if now is None else now
        unsigned = Challenge(
            nonce=nonce,
            issued_at=round(issued, 3),
            expires_at=round(issued + ttl, 3),
            steps=tuple(steps),
            flash=flash,
        )
        return Challenge(**{**unsigned.__dict__, "signature": self.sign(unsigned)})

    def check(self, challenge: Challenge, now: float | None = None) -> None:
        """ChallengeError unless this issuer signed exactly this challenge and it has not expired."""
        if not challenge.signature:
            raise ChallengeError(f"challenge {challenge.nonce[:12]} is unsigned")
        if not hmac.compare_digest(self.sign(challenge), challenge.signature):
            raise ChallengeError(
                f"challenge {challenge.nonce[:12]}: signature does not match (issued by another "
                "data folder, or altered after issue)"
            )
        now = time.time() if now is None else now
        if now > challenge.expires_at:
            raise ChallengeError(
                f"challenge {challenge.nonce[:12]} expired {now - challenge.expires_at:.0f} s ago"
            )
        if now < challenge.issued_at - 60.0:
            raise ChallengeError(f"challenge {challenge.nonce[:12]} is issued in the future")


def flash_script(rng: np.random.Generator, seconds: float) -> tuple[FlashSegment, ...]:
    """4-10 saturated colours of random hue, each lasting 1/6-1/2 s (2-6 Hz), consecutive hues
    at least 60 degrees apart, starting after the lead-in and ending within `seconds`."""
    count = int(rng.integers(FLASH_COLOURS[0], FLASH_COLOURS[1] + 1))
    durations = 1.0 / rng.uniform(*FLASH_HZ, count)
    room = seconds - LEAD_S
    if durations.sum() > room:
        durations = durations * room / durations.sum()
    hue = float(rng.uniform())
    segments, t = [], LEAD_S
    for duration in durations:
        r, g, b = colorsys.hsv_to_rgb(hue, 1.0, 1.0)
        rgb = (int(round(255 * r)), int(round(255 * g)), int(round(255 * b)))
        end = min(round(t + float(duration), 3), seconds)
        segments.append(FlashSegment(rgb, round(t, 3), end))
        t = end
        hue = (hue + float(rng.uniform(MIN_HUE_STEP, 1.0 - MIN_HUE_STEP))) % 1.0
    return tuple(segments)


class NonceStore:
    """Spent nonces in `nonces.sqlite` of the data folder: a PRIMARY KEY insert is atomic
    across processes, so of two verifiers racing on one nonce exactly one succeeds."""

    def __init__(self, data_dir: str | Path) -> None:
        self.path = Path(data_dir) / "nonces.sqlite"
        with self._connect() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS spent "
                "(nonce TEXT PRIMARY KEY, spent_at REAL NOT NULL, expires_at REAL)"
            )

    def _connect(self) -> sqlite3.Connection:
        try:
            return sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        except sqlite3.Error as exc:
            raise InputError(f"cannot open the nonce store {self.path}: {exc}") from exc

    def spend(self, nonce: str, expires_at: float | None = None) -> None:
        """Mark `nonce` used; ChallengeError if it already was. Rows of nonces past their
        expiry are dropped (an expired challenge is refused before its nonce is looked up)."""
        now = time.time()
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT spent_at FROM spent WHERE nonce = ?", (nonce,)).fetchone()
            if row is not None:
                db.execute("ROLLBACK")
                when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(row[0]))
                raise ChallengeError(f"challenge {nonce[:12]} was already used at {when}")
            db.execute("DELETE FROM spent WHERE expires_at IS NOT NULL AND expires_at < ?", (now,))
            db.execute("INSERT INTO spent VALUES (?, ?, ?)", (nonce, now, expires_at))
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise InputError(f"nonce store {self.path}: {exc}") from exc
        finally:
            db.close()

    def spent(self, nonce: str) -> bool:
        db = self._connect()
        try:
            return (
                db.execute("SELECT 1 FROM spent WHERE nonce = ?", (nonce,)).fetchone() is not None
            )
        finally:
            db.close()


@dataclass(frozen=True)
class ChallengeResult:
    """The capture checked against the script: the two cues and the decision they make.

    `decision` is "bona_fide" only when every requested check passed; "attack" when one failed;
    "inconclusive" when the capture could not be judged (no face, too short).
    """

    decision: str
    reason: str | None
    cues: Mapping[str, CueScore]
    seconds_used: float
    nonce: str

    @property
    def passed(self) -> bool:
        return self.decision == BONA_FIDE

    def as_dict(self) -> dict[str, Any]:
        return {
            "nonce": self.nonce,
            "decision": self.decision,
            "passed": self.passed,
            "reason": self.reason,
            "seconds_used": round(self.seconds_used, 3),
            "cues": {
                name: {
                    "score": None if cue.score is None else round(cue.score, 4),
                    "confidence": round(cue.confidence, 4),
                    "reason": cue.reason,
                    "evidence": dict(cue.evidence),
                }
                for name, cue in self.cues.items()
            },
        }


@dataclass
class ChallengeSession:
    """Checks frames against one challenge as they arrive.

    `start` is the capture time (in the frames' clock) at which the script began; by default
    the first pushed frame's timestamp. `push` takes each frame and, from a web page, the colour
    it had on screen at that moment (else the script's colour at the frame's time is assumed).
    `analyzer` is anything with `analyze(frame) -> list[Face]` (default: the face stage).
    """

    challenge: Challenge
    start: float | None = None
    analyzer: Any = None
    times: list[float] = field(default_factory=list)
    faces: list[Face | None] = field(default_factory=list)
    reported: list[tuple[int, int, int] | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.flash_recorder = FlashRecorder()
        if self.analyzer is None:
            self.analyzer = FaceAnalyzer()

    def push(self, frame: Frame, screen_rgb: tuple[int, int, int] | None = None) -> Face | None:
        """Analyse one frame; returns the face it used (the largest), or None."""
        if self.start is None:
            self.start = frame.timestamp
        t = frame.timestamp - self.start
        if self.times and t <= self.times[-1]:
            return None
        faces = self.analyzer.analyze(frame)
        face = max(faces, key=lambda f: f.box.area) if faces else None
        self.push_face(frame, face, screen_rgb)
        return face

    def push_face(
        self, frame: Frame, face: Face | None, screen_rgb: tuple[int, int, int] | None = None
    ) -> None:
        """Record a frame whose face was already found (a caller that runs the face stage)."""
        if self.start is None:
            self.start = frame.timestamp
        t = frame.timestamp - self.start
        if self.times and t <= self.times[-1]:
            return
        self.times.append(t)
        self.faces.append(face)
        self.reported.append(
            None
            if screen_rgb is None
            else (int(screen_rgb[0]), int(screen_rgb[1]), int(screen_rgb[2]))
        )
        mesh = None if face is None or face.mesh is None else np.asarray(face.mesh)
        self.flash_recorder.add(frame.image, mesh)

    @property
    def seconds(self) -> float:
        return self.times[-1] if self.times else 0.0

    def result(self) -> ChallengeResult:
        """The `challenge` and `flash` cues and the decision, on what has been pushed so far."""
        times = np.asarray(self.times, dtype=np.float64)
        cues: dict[str, CueScore] = {}
        if self.challenge.steps:
            cues["challenge"] = actions_cue(self.challenge.steps, times, self.faces)
        if self.challenge.flash:
            span = (self.challenge.flash[0].start, self.challenge.flash[-1].end)
            cues["flash"] = (
                monochrome_flash()
                if self.flash_recorder.monochrome
                else flash_cue(times, self.emitted, self.flash_recorder.traces(), span)
            )
        return decide(cues, self.seconds, self.challenge.nonce)

    def emitted(self, t: NDArray[np.float64]) -> NDArray[np.float64]:
        """sRGB on screen at script times `t`: what the page reported (held until its next
        report), else the script's own colours."""
        out = np.tile(np.array(FLASH_IDLE_RGB, dtype=np.float64), (len(t), 1))
        if self.challenge.flash:
            starts = np.array([f.start for f in self.challenge.flash])
            ends = np.array([f.end for f in self.challenge.flash])
            colours = np.array([f.rgb for f in self.challenge.flash], dtype=np.float64)
            index = np.searchsorted(starts, t, side="right") - 1
            inside = (index >= 0) & (t < ends[np.clip(index, 0, None)])
            out[inside] = colours[index[inside]]
        if any(r is not None for r in self.reported):
            frame = np.searchsorted(np.asarray(self.times), t, side="right") - 1
            for k, i in enumerate(frame):
                shown = self.reported[i] if i >= 0 else None
                if shown is not None:
                    out[k] = shown
        return out


PASS_SCORE = ACTIVE_PASS


@dataclass
class ChallengeTap:
    """A face stage that also feeds a challenge session: the passive observation and the
    challenge check then share one pass of face detection over the capture."""

    analyzer: Any
    session: ChallengeSession

    def analyze(self, frame: Frame) -> list[Face]:
        faces = self.analyzer.analyze(frame)
        self.session.push_face(frame, max(faces, key=lambda f: f.box.area) if faces else None)
        return faces


def observe_answer(
    frames: Iterable[Frame],
    challenge: Challenge,
    analyzer: Any,
    *,
    channels: Mapping[str, ChannelStack] | None = None,
    max_seconds: float | None = None,
) -> tuple[Observation, ChallengeResult]:
    """One pass over a capture that answers `challenge` (its script starting at the first
    frame): the observation the passive cues read, and the challenge's result, whose cues join
    the main face's verdict (`LivenessEngine.judge(..., answer=result.cues)`)."""
    session = ChallengeSession(challenge, analyzer=analyzer)
    limit = challenge.seconds + 1.0 if max_seconds is None else max(max_seconds, challenge.seconds)
    # The tap is a face stage by duck typing (analyze), which is all `observe` calls.
    tap = cast(FaceAnalyzer, ChallengeTap(analyzer, session))
    observation = observe(frames, tap, channels=channels, max_seconds=limit)
    return observation, session.result()


def decide(cues: Mapping[str, CueScore], seconds: float, nonce: str) -> ChallengeResult:
    """Every requested cue must pass; one failing refuses; an unjudgeable one is inconclusive."""
    failed = [c for c in cues.values() if c.score is not None and c.score < PASS_SCORE]
    unsure = [c for c in cues.values() if c.score is None]
    if failed:
        reason = "; ".join(f"{c.cue}: {c.reason}" for c in failed)
        return ChallengeResult("attack", reason, dict(cues), seconds, nonce)
    if unsure:
        reason = "; ".join(f"{c.cue}: {c.reason}" for c in unsure)
        return ChallengeResult("inconclusive", reason, dict(cues), seconds, nonce)
    return ChallengeResult(BONA_FIDE, None, dict(cues), seconds, nonce)
