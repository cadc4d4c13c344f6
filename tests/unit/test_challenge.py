"""Issuing, signing, expiring and spending challenges, and the CLI's refusals (exit 13)."""

from __future__ import annotations

import colorsys
import itertools
import json
import multiprocessing
from pathlib import Path

import numpy as np
import pytest

from unmask.cli.main import main
from unmask.datadir import secret
from unmask.errors import ChallengeError, InputError
from unmask.liveness.challenge import (
    ACTIONS,
    FAMILIES,
    Challenge,
    ChallengeIssuer,
    NonceStore,
)

KEY = b"k" * 32


def test_a_challenge_round_trips_through_json_and_checks() -> None:
    issuer = ChallengeIssuer(KEY)
    challenge = issuer.new(seconds=8.0, ttl=120.0, now=1000.0)
    document = json.loads(json.dumps(challenge.as_dict()))
    again = Challenge.from_dict(document)
    assert again == challenge
    issuer.check(again, now=1100.0)
    assert len(challenge.nonce) == 32 and challenge.expires_at == 1120.0


def test_the_script_fits_and_follows_the_rules() -> None:
    issuer = ChallengeIssuer(KEY)
    for seed in range(20):
        challenge = issuer.new(seconds=6.0, rng=np.random.default_rng(seed), now=0.0)
        assert challenge.seconds <= 6.0
        kinds = [s.kind for s in challenge.steps]
        assert len(kinds) == 3 and all(k in ACTIONS for k in kinds)
        families = {f for k in kinds for f, members in FAMILIES.items() if k in members}
        assert families == {"pose", "blink", "expression"}
        for earlier, later in itertools.pairwise(challenge.steps):
            assert earlier.end <= later.start and later.end - later.start >= 1.5
        assert 4 <= len(challenge.flash) <= 10
        hues = [colorsys.rgb_to_hsv(*(c / 255 for c in f.rgb))[0] for f in challenge.flash]
        for a, b in itertools.pairwise(hues):
            assert min(abs(a - b), 1 - abs(a - b)) >= 1 / 6 - 0.01
        for segment in challenge.flash:
            assert 1 / 6 - 1e-3 <= segment.end - segment.start <= 0.5 + 1e-3
    assert issuer.new(rng=np.random.default_rng(1), now=0) == issuer.new(
        rng=np.random.default_rng(1), now=0
    )
    pinned = issuer.new(kinds=["turn_left", "blink"], seconds=4.0, now=0)
    assert pinned.steps[0].kind == "turn_left" or pinned.steps[1].kind == "turn_left"
    assert not pinned.flash


def test_bad_requests_are_input_errors() -> None:
    issuer = ChallengeIssuer(KEY)
    with pytest.raises(InputError, match="unknown challenge kind"):
        issuer.new(kinds=["wave"])
    with pytest.raises(InputError, match="too short"):
        issuer.new(seconds=3.0)
    with pytest.raises(InputError, match="not a challenge"):
        Challenge.from_dict({"nonce": "x"})


def test_forged_unsigned_foreign_and_expired_challenges_are_refused() -> None:
    issuer = ChallengeIssuer(KEY)
    challenge = issuer.new(now=1000.0, ttl=60)
    document = challenge.as_dict()
    document["steps"][0]["start"] += 0.5
    with pytest.raises(ChallengeError, match="signature does not match"):
        issuer.check(Challenge.from_dict(document), now=1001.0)
    with pytest.raises(ChallengeError, match="unsigned"):
        issuer.check(Challenge.from_dict({**challenge.as_dict(), "signature": ""}), now=1001.0)
    with pytest.raises(ChallengeError, match="signature does not match"):
        ChallengeIssuer(b"x" * 32).check(challenge, now=1001.0)
    with pytest.raises(ChallengeError, match="expired"):
        issuer.check(challenge, now=1061.0)


def test_a_nonce_is_spent_once(tmp_path: Path) -> None:
    store = NonceStore(tmp_path)
    store.spend("abc", expires_at=1e12)
    assert store.spent("abc") and not store.spent("def")
    with pytest.raises(ChallengeError, match="already used"):
        NonceStore(tmp_path).spend("abc")


def _race(folder: str) -> bool:
    try:
        NonceStore(folder).spend("racing-nonce")
    except ChallengeError:
        return False
    return True


def test_racing_processes_spend_a_nonce_exactly_once(tmp_path: Path) -> None:
    NonceStore(tmp_path)
    with multiprocessing.get_context("fork").Pool(4) as pool:
        outcomes = pool.map(_race, [str(tmp_path)] * 8)
    assert sum(outcomes) == 1


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict, str]:
    code = main([*argv, "--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def test_cli_issues_a_challenge_file_that_liveness_accepts_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, portrait_files: dict[str, Path]
) -> None:
    data = tmp_path / "data"
    code, document, _ = run_cli(
        capsys, "challenge", "new", "--data-dir", str(data), "--kinds", "blink", "--seconds", "3"
    )
    assert code == 0 and document["signature"] and document["steps"][0]["kind"] == "blink_twice"
    path = tmp_path / "c.json"
    path.write_text(json.dumps(document))
    still = str(portrait_files["eileen_collins"])
    code, listing, _ = run_cli(
        capsys, "liveness", still, "--challenge", str(path), "--data-dir", str(data)
    )
    (result,) = listing["results"]
    # A still cannot blink twice: refused, with the evidence in the document.
    assert code == 13 and result["decision"] == "attack"
    assert result["challenge"]["passed"] is False
    assert result["challenge"]["cues"]["challenge"]["evidence"]["steps"][0]["kind"] == "blink_twice"
    code, error, err = run_cli(
        capsys, "liveness", still, "--challenge", str(path), "--data-dir", str(data)
    )
    assert code == 13 and error["error_type"] == "ChallengeError" and "already used" in err


def test_cli_refuses_foreign_edited_and_expired_challenges(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    issuer = ChallengeIssuer(secret(data, "challenge"))
    expired = issuer.new(kinds=["blink"], seconds=3, ttl=1, now=1000.0)
    foreign = ChallengeIssuer(b"f" * 32).new(kinds=["blink"], seconds=3)
    edited = issuer.new(kinds=["blink"], seconds=3).as_dict()
    edited["expires_at"] += 3600
    cases = {
        "expired": expired.as_dict(),
        "signature does not match": foreign.as_dict(),
        "signature does not match ": edited,
    }
    for needle, document in cases.items():
        path = tmp_path / "c.json"
        path.write_text(json.dumps(document))
        code, _, err = run_cli(
            capsys, "liveness", "missing.mp4", "--challenge", str(path), "--data-dir", str(data)
        )
        assert code == 13 and needle.strip() in err, err
    code, _, err = run_cli(capsys, "liveness", "x.mp4", "--challenge", str(tmp_path / "none.json"))
    assert code == 2 and "no such challenge file" in err
