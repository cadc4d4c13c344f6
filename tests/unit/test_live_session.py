"""LiveSession: frame-by-frame updates and the verdict, on short lab clips the test renders."""

from __future__ import annotations

import numpy as np
import pytest

from unmask.errors import NoFaceError
from unmask.lab import load_identities, render_presentation
from unmask.liveness.challenge import ChallengeIssuer
from unmask.liveness.engine import LivenessEngine
from unmask.liveness.live import LOOK_SECONDS, LiveSession
from unmask.types import Frame

FPS = 10


@pytest.fixture(scope="module")
def engine() -> LivenessEngine:
    return LivenessEngine()


@pytest.fixture(scope="module")
def people() -> dict[str, object]:
    identities, _ = load_identities(None)
    return {name: photos[0] for name, photos in identities.items()}


def frames_of(clip: object) -> list[Frame]:
    return [
        Frame(image, index, float(t))
        for index, (image, t) in enumerate(zip(clip.frames, clip.times, strict=True))  # type: ignore[attr-defined]
    ]


def test_each_frame_gets_faces_mesh_wave_and_cues_then_a_verdict(
    engine: LivenessEngine, people: dict[str, object]
) -> None:
    hopper = people["grace_hopper"]
    clip = render_presentation(
        "bona_fide", hopper, hopper, seconds=2.6, fps=FPS, size=(320, 240), seed=2
    )  # type: ignore[arg-type]
    session = LiveSession(engine, seconds=2.4)
    updates = []
    for frame in frames_of(clip):
        update = session.push(frame)
        assert update is not None
        updates.append(update.as_dict())
    assert session.push(frames_of(clip)[3]) is None  # a frame back in time is ignored
    first, last = updates[0], updates[-1]
    assert first["type"] == "frame" and first["t"] == 0.0
    face = last["faces"][0]
    assert face["main"] and face["track"] == first["faces"][0]["track"]
    assert len(face["mesh"]) == 468 and len(face["box"]) == 4
    assert first["wave"] is None  # under 1.5 s of skin signal
    assert last["wave"] is not None and len(last["wave"]["t"]) == len(last["wave"]["value"])
    assert np.std(last["wave"]["value"]) == pytest.approx(1.0, abs=0.01)
    assert {"pulse", "motion", "eyes", "recapture", "context"} <= set(last["cues"])
    assert all(c["state"] in {"pass", "fail", "unsure"} for c in last["cues"].values())
    assert last["cues"]["pulse"]["state"] == "unsure"  # 2.6 s: too short for a pulse
    assert not updates[-3]["done"] and last["done"]
    document = session.finish().document(engine)
    assert document["decision"] in {"bona_fide", "attack", "inconclusive"}
    assert document["frames"] == len(updates)
    assert set(document["cues"]) >= {"motion", "recapture"}
    assert "challenge" not in document


def test_a_refused_challenge_makes_the_verdict_an_attack(
    engine: LivenessEngine, people: dict[str, object]
) -> None:
    challenge = ChallengeIssuer(b"k" * 32).new(
        kinds=("smile",), seconds=2.0, rng=np.random.default_rng(1)
    )
    hopper = people["grace_hopper"]
    clip = render_presentation(
        "print",
        people["eileen_collins"],
        hopper,
        seconds=2.6,
        fps=FPS,
        size=(320, 240),
        seed=4,
        challenge=challenge,
    )  # type: ignore[arg-type]
    assert LiveSession(engine, challenge=challenge).seconds == LOOK_SECONDS  # passive cues
    session = LiveSession(engine, challenge=challenge, seconds=2.5)
    prompts = [session.push(frame).prompt for frame in frames_of(clip)]  # type: ignore[union-attr]
    assert prompts[0] is None and "smile" in prompts
    document = session.finish().document(engine)
    assert document["challenge"]["decision"] == "attack"
    assert document["decision"] == "attack"
    assert document["reason"].startswith("challenge refused: ")


def test_no_face_ever_seen_is_an_error(engine: LivenessEngine) -> None:
    session = LiveSession(engine, seconds=1.0)
    for index in range(3):
        session.push(Frame(np.full((120, 160, 3), 90, np.uint8), index, index * 0.1))
    with pytest.raises(NoFaceError):
        session.finish()
