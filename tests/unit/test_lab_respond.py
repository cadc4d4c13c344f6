"""The lab's responses to a challenge, checked end to end with the face stage (SIMULATED clips):
a bona fide clip made for challenge A passes A and is refused against B; a print fails A."""

from __future__ import annotations

import numpy as np
import pytest

from unmask.lab import load_identities, render_presentation
from unmask.lab.respond import RESPONSE_RANGES
from unmask.liveness.challenge import Challenge, ChallengeIssuer, ChallengeSession
from unmask.types import Frame

KINDS = ("pose", "blink", "flash")
SECONDS = 5.0


@pytest.fixture(scope="module")
def people():
    identities, _ = load_identities(None)
    names = sorted(identities)
    return identities[names[0]][0], identities[names[1]][0]


def challenge(seed: int) -> Challenge:
    return ChallengeIssuer(b"c" * 32).new(
        kinds=KINDS, seconds=SECONDS, rng=np.random.default_rng(seed), now=0.0
    )


def verify(clip, against: Challenge):
    session = ChallengeSession(against)
    for i, (image, t) in enumerate(zip(clip.frames, clip.times, strict=True)):
        session.push(Frame(image, i, float(t)))
    return session.result()


def render(species, people, ch: Challenge, seed: int = 2):
    target, other = people
    wearer = target if species == "bona_fide" else other
    return render_presentation(
        species,
        wearer,
        target,
        seconds=SECONDS,
        fps=15,
        size=(320, 240),
        seed=seed,
        challenge=ch,
        overrides={"ambient_lux": 200.0, "screen_lux": 60.0},
    )


def test_bona_fide_follows_its_challenge_and_not_another(people) -> None:
    a, b = challenge(1), challenge(2)
    assert [s.kind for s in a.steps] != [s.kind for s in b.steps] or a.flash != b.flash
    clip = render("bona_fide", people, a)
    assert clip.params["challenge_nonce"] == a.nonce
    assert clip.params["ambient_lux"] == 200.0
    passed = verify(clip, a)
    assert passed.decision == "bona_fide", passed.reason
    flash = passed.cues["flash"].evidence
    assert flash["lag_ms"] <= 1000 * RESPONSE_RANGES["flash_latency_ms"].high + 40
    assert flash["relief_contrast"] > 0.12
    refused = verify(clip, b)
    assert refused.decision == "attack"


def test_a_print_cannot_answer(people) -> None:
    a = challenge(1)
    result = verify(render("print", people, a), a)
    assert result.decision == "attack"
    assert result.cues["challenge"].score is not None and result.cues["challenge"].score < 0.5


def test_each_clip_answers_a_challenge_of_its_own(tmp_path) -> None:
    import csv

    from unmask.errors import InputError
    from unmask.lab.generate import generate, lab_challenge

    protocol = generate(
        tmp_path,
        species=["bona_fide"],
        clips=2,
        seconds=2.5,
        fps=8,
        size=(160, 120),
        codec="lossless",
        seed=4,
        challenge_kinds=("blink", "flash"),
    )
    with protocol.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    answered = [Challenge.load(tmp_path / row["challenge_path"]) for row in rows]
    assert len({c.nonce for c in answered}) == 2
    for row, ch in zip(rows, answered, strict=True):
        assert row["challenge_nonce"] == ch.nonce and ch.flash and ch.steps
        assert ch.seconds <= 2.0 and ch == lab_challenge(int(row["seed"]), ("blink", "flash"), 2.5)
    with pytest.raises(InputError, match="not both"):
        generate(tmp_path, challenge=answered[0], challenge_kinds=("flash",))
