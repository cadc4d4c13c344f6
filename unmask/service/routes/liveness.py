"""Liveness on an upload, and active-liveness challenges (docs/challenge.md) over HTTP.

`POST /api/challenges` issues a signed, single-use challenge; the page plays it while the
camera records; `POST /api/challenges/verify` takes the recording with the challenge document,
checks the signature and expiry, spends the nonce (a second use is refused), then judges the
capture, as `unmask liveness VIDEO --challenge C --data-dir D` does. A capture that does not
follow the challenge is an `attack` verdict with its evidence (200), not an error; a forged,
expired or spent challenge is refused with 403 `ChallengeError` before any frame is read.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form
from starlette.concurrency import run_in_threadpool

from unmask.comma import comma_list
from unmask.datadir import secret
from unmask.errors import InputError
from unmask.liveness.challenge import (
    DEFAULT_KINDS,
    DEFAULT_SECONDS,
    DEFAULT_TTL,
    Challenge,
    ChallengeIssuer,
    NonceStore,
)
from unmask.liveness.levels import DEFAULT_LEVEL
from unmask.service.auth import Operator
from unmask.service.keys import Principal
from unmask.service.routes.recognition import Level, Upload
from unmask.service.state import Service, ServiceDep
from unmask.service.worker import Resources

router = APIRouter(prefix="/api", tags=["liveness"])

LevelChoice = Annotated[Level, Form(description="security level")]
ChallengeForm = Annotated[
    str, Form(max_length=20_000, description="the challenge document POST /api/challenges gave")
]


def accepted(svc: Service, text: str) -> Challenge:
    """Parse, check (signature, expiry) and spend a challenge: before any frame is read."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"challenge is not JSON ({exc.msg})") from None
    if not isinstance(document, dict):
        raise InputError("challenge must be a JSON object")
    challenge = Challenge.from_dict(document)
    folder = svc.settings.data_dir
    ChallengeIssuer(secret(folder, "challenge")).check(challenge)
    NonceStore(folder).spend(challenge.nonce, challenge.expires_at)
    return challenge


async def judge(
    principal: Principal,
    svc: ServiceDep,
    file: Upload,
    level: str,
    challenge_text: str | None,
) -> dict[str, Any]:
    from unmask.workflows import attach_challenge, judge_with_challenge, liveness_document

    challenge = await run_in_threadpool(accepted, svc, challenge_text) if challenge_text else None
    seconds = svc.settings.limits.video_seconds

    def job(resources: Resources, paths: list[str]) -> dict[str, Any]:
        engine = resources.engine(level)
        if challenge is None:
            return liveness_document(
                engine.judge(engine.observe(paths[0]), paths[0], level), engine
            )
        _, report, result = judge_with_challenge(
            engine, paths[0], challenge, level, max_seconds=seconds
        )
        document = liveness_document(report, engine)
        attach_challenge(document, result)
        return document

    document = await svc.process([file], job)
    document["file"] = file.filename
    action = "challenge" if challenge is not None else "liveness"
    subject = challenge.nonce if challenge is not None else ""
    await svc.record(
        principal,
        action,
        subject,
        {
            "decision": document["decision"],
            "level": level,
            "deciding_cues": document.get("deciding_cues"),
            "reason": document.get("reason"),
        },
    )
    locks = await svc.count_attacks(principal, [document["decision"]])
    return {**document, "locked": [lock.as_dict() for lock in locks]}


@router.post("/liveness", summary="bona fide, attack or inconclusive, with every cue's evidence")
async def liveness(
    principal: Operator,
    svc: ServiceDep,
    file: Upload,
    level: LevelChoice = DEFAULT_LEVEL,
    challenge: Annotated[
        str | None, Form(max_length=20_000, description="optional challenge document")
    ] = None,
) -> dict[str, Any]:
    return await judge(principal, svc, file, level, challenge)


@router.post("/challenges", summary="issue a random, signed, single-use challenge")
async def issue_challenge(
    principal: Operator,
    svc: ServiceDep,
    kinds: Annotated[
        str,
        Form(
            max_length=200,
            description="comma-separated families pose,blink,expression,flash or single actions",
        ),
    ] = ",".join(DEFAULT_KINDS),
    seconds: Annotated[float, Form(ge=1.0, le=60.0, description="length of the script")] = (
        DEFAULT_SECONDS
    ),
    ttl: Annotated[float, Form(ge=1.0, le=3600.0, description="validity in seconds")] = (
        DEFAULT_TTL
    ),
) -> dict[str, Any]:
    issuer = ChallengeIssuer(secret(svc.settings.data_dir, "challenge"))
    return issuer.new(kinds=comma_list(kinds), seconds=seconds, ttl=ttl).as_dict()


@router.post("/challenges/verify", summary="check a capture against the challenge it answers")
async def verify_challenge(
    principal: Operator,
    svc: ServiceDep,
    file: Upload,
    challenge: ChallengeForm,
    level: LevelChoice = DEFAULT_LEVEL,
) -> dict[str, Any]:
    return await judge(principal, svc, file, level, challenge)
