"""A live capture judged frame by frame, for a camera in a web page.

The page cannot wait for a whole video before it shows anything, so each pushed frame gets an
update at once (faces with their track ids, mesh points, the pulse wave so far, each cue's
latest state) and the verdict comes at the end. Nothing here judges differently from a file:
the frames go through the same `Observer` as `unmask liveness`, the cues and the verdict come
from the same `LivenessEngine`, and a challenge is checked by the same `ChallengeSession` and
joined to the verdict as the CLI joins it. Only the cadence is live: cues are re-scored once a
`cue_every_s` on what has arrived (they cost tens of milliseconds), the pulse wave a few times
a second.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from unmask.errors import NoFaceError
from unmask.liveness.challenge import Challenge, ChallengeResult, ChallengeSession
from unmask.liveness.engine import LivenessEngine, LivenessReport, verdict_document
from unmask.liveness.observe import Observer, TrackObservation
from unmask.pulse.methods import extract_pulse
from unmask.pulse.preprocess import to_uniform
from unmask.pulse.regions import SKIN_REGIONS
from unmask.pulse.trace import pooled_trace
from unmask.types import CueScore, Face, Frame

LOOK_SECONDS = 10.0
"""The shortest capture: the passive cues (motion above all) need a longer look than a 6-8 s
challenge script (docs/challenge.md: the shipped model is inconclusive on 6.5 s lab clips)."""
CHALLENGE_MARGIN_S = 0.5
"""Frames after the script's end, so its last window is seen whole."""
CUE_EVERY_S = 2.0
"""Re-scoring every cue costs a few hundred milliseconds on this project's machines."""
WAVE_EVERY_S = 0.25
WAVE_WINDOW_S = 8.0
WAVE_MIN_S = 1.5
TRACK_GAP_S = 2.0
"""A face unseen this long starts a new track; frames dropped under load leave gaps."""


def cue_state(cue: CueScore) -> dict[str, Any]:
    """One cue for the live view: passes, fails or cannot judge yet (and why)."""
    state = "unsure" if cue.score is None else "pass" if cue.score >= 0.5 else "fail"
    return {
        "state": state,
        "score": None if cue.score is None else round(float(cue.score), 3),
        "reason": cue.reason,
    }


def face_document(face: Face, main: bool) -> dict[str, Any]:
    """Box, track and mesh (x, y to a tenth of a pixel) of one face for the overlay."""
    document: dict[str, Any] = {
        "track": face.track_id,
        "box": face.box.as_list(),
        "score": round(float(face.score), 3),
        "main": main,
        "mesh": None,
    }
    if face.mesh is not None:
        document["mesh"] = np.round(np.asarray(face.mesh)[:, :2], 1).tolist()
    return document


@dataclass(frozen=True)
class LiveUpdate:
    """What the page draws for one frame."""

    index: int
    t: float
    faces: tuple[Face, ...]
    main_track: int | None
    wave: Mapping[str, list[float]] | None
    cues: Mapping[str, Mapping[str, Any]]
    prompt: str | None
    done: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": "frame",
            "index": self.index,
            "t": round(self.t, 3),
            "faces": [face_document(f, f.track_id == self.main_track) for f in self.faces],
            "wave": None if self.wave is None else dict(self.wave),
            "cues": {name: dict(state) for name, state in self.cues.items()},
            "prompt": self.prompt,
            "done": self.done,
        }


@dataclass(frozen=True)
class LiveResult:
    """The verdict on the main face, the challenge's outcome, and that face's best views."""

    report: LivenessReport
    challenge: ChallengeResult | None
    track: TrackObservation
    frames: int

    def document(self, engine: LivenessEngine) -> dict[str, Any]:
        """The `unmask liveness --challenge` document of the main face: the same verdict JSON
        (the fusion judged it with the challenge's cues) and the challenge's outcome."""
        from unmask.workflows import attach_challenge

        document = verdict_document(self.report.main.verdict, engine)
        document["box"] = self.report.main.box.as_list()
        document["frames"] = self.frames
        if self.challenge is not None:
            attach_challenge(document, self.challenge)
        return document


@dataclass
class LiveSession:
    """Push frames in time order (`t` in seconds; with a challenge, seconds since the page
    started its script); each push returns the update to draw; `finish()` gives the verdict.

    `screen_rgb` is the colour the page had on screen when the frame was taken (flash
    challenge). A frame not later than the last one is ignored (push returns None).
    """

    engine: LivenessEngine
    challenge: Challenge | None = None
    seconds: float | None = None
    level: str | None = None
    cue_every_s: float = CUE_EVERY_S
    observer: Observer = field(init=False)
    checker: ChallengeSession | None = field(init=False)
    cues: dict[str, dict[str, Any]] = field(init=False, default_factory=dict)
    wave: dict[str, list[float]] | None = field(init=False, default=None)
    start: float | None = field(init=False, default=None)
    last_t: float | None = field(init=False, default=None)
    next_cues: float = field(init=False, default=0.0)
    next_wave: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self.observer = Observer(self.engine.analyzer, max_gap_s=TRACK_GAP_S)
        self.checker = None
        if self.challenge is not None:
            self.checker = ChallengeSession(
                self.challenge, start=0.0, analyzer=self.engine.analyzer
            )
        if self.seconds is None:
            self.seconds = (
                max(self.challenge.seconds + CHALLENGE_MARGIN_S, LOOK_SECONDS)
                if self.challenge
                else LOOK_SECONDS
            )

    @property
    def elapsed(self) -> float:
        if self.last_t is None:
            return 0.0
        origin = 0.0 if self.challenge is not None else (self.start or 0.0)
        return self.last_t - origin

    @property
    def done(self) -> bool:
        assert self.seconds is not None
        return self.elapsed >= self.seconds

    def push(
        self, frame: Frame, screen_rgb: tuple[int, int, int] | None = None, behind: bool = False
    ) -> LiveUpdate | None:
        """`behind`: newer frames are already waiting, so the cue states (the costly part of
        an update) are left for a later frame, unless they are three intervals overdue: the
        frames the verdict is made of come before the display."""
        if self.last_t is not None and frame.timestamp <= self.last_t:
            return None
        if self.start is None:
            self.start = frame.timestamp
        self.last_t = frame.timestamp
        faces = self.observer.push(frame)
        main = self.observer.observation().main_track()
        if self.checker is not None:
            largest = max(faces, key=lambda f: f.box.area) if faces else None
            self.checker.push_face(frame, largest, screen_rgb)
        overdue = frame.timestamp >= self.next_cues + 2 * self.cue_every_s
        if main is not None and frame.timestamp >= self.next_cues and (not behind or overdue):
            self.next_cues = frame.timestamp + self.cue_every_s
            observation = self.observer.observation()
            self.cues = {
                name: cue_state(cue) for name, cue in self.engine.cues(observation, main).items()
            }
        if main is not None and frame.timestamp >= self.next_wave:
            self.next_wave = frame.timestamp + WAVE_EVERY_S
            self.wave = running_wave(main, frame.timestamp, self.engine.pulse_config.method)
        return LiveUpdate(
            index=frame.index,
            t=self.elapsed,
            faces=tuple(faces),
            main_track=None if main is None else main.track_id,
            wave=self.wave,
            cues=self.cues,
            prompt=self.prompt(),
            done=self.done,
        )

    def prompt(self) -> str | None:
        """The challenge action asked for now, if any."""
        if self.challenge is None:
            return None
        t = self.elapsed
        return next((s.kind for s in self.challenge.steps if s.start <= t < s.end), None)

    def finish(self) -> LiveResult:
        """The verdict on what arrived; NoFaceError when no face was ever seen."""
        observation = self.observer.observation()
        main = observation.main_track()
        if main is None:
            raise NoFaceError("no face was seen in the live capture")
        challenge = self.checker.result() if self.checker is not None else None
        answer = challenge.cues if challenge is not None else None
        report = self.engine.judge(observation, [], self.level, answer=answer)
        return LiveResult(report, challenge, main, observation.frames_seen)


def running_wave(
    track: TrackObservation, now: float, method: str = "pos"
) -> dict[str, list[float]] | None:
    """The pulse wave of all the track's skin over the last few seconds, scaled to unit
    spread: what a page plots while the pulse cue still waits for enough signal to judge."""
    traces = {
        name: trace.since(now - WAVE_WINDOW_S) for name, trace in track.recorder.traces().items()
    }
    skin = pooled_trace(traces, tuple(n for n in SKIN_REGIONS if n in traces))
    if skin is None:
        return None
    seen = skin.seen()
    if len(seen) < 8 or seen.duration < WAVE_MIN_S:
        return None
    uniform = to_uniform(seen)
    wave = extract_pulse(uniform, method)
    spread = float(np.std(wave))
    if not np.isfinite(spread) or spread < 1e-12:
        return None
    return {
        "t": np.round(uniform.times - now, 3).tolist(),
        "value": np.round(wave / spread, 3).tolist(),
    }
