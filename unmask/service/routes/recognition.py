"""Detect, enrol, identify, verify: the CLI's commands as routes, on the same workflows.

Every route answers with the entry the matching CLI command prints for one file (plus the
settings it used), every decision goes to the audit log, and attack verdicts count towards
lockout.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, UploadFile

from unmask.errors import InputError, UnmaskError
from unmask.identity.thresholds import DEFAULT_FMR, threshold_for_fmr
from unmask.liveness.levels import LEVEL_NAMES
from unmask.service.auth import Admin, Operator
from unmask.service.state import ServiceDep
from unmask.service.worker import Resources

router = APIRouter(prefix="/api", tags=["recognition"])

Level = Literal[LEVEL_NAMES]  # type: ignore[valid-type]
LEVEL_HELP = (
    "refuse a match unless the face is judged bona fide at this security level "
    f"({', '.join(LEVEL_NAMES)}); none: recognition only"
)
FmrForm = Annotated[
    float,
    Form(gt=0.0, lt=1.0, description="target false match rate that sets the threshold"),
]
LevelForm = Annotated[Level | None, Form(description=LEVEL_HELP)]
Upload = Annotated[UploadFile, Form(description="an image or a video (multipart/form-data)")]
IdForm = Annotated[str, Form(min_length=1, max_length=200, description="the identity")]


def decisions(faces: list[dict[str, Any]]) -> list[str | None]:
    return [(face.get("liveness") or {}).get("decision") for face in faces]


@router.post("/detect", summary="faces, pose and quality in an image or a video")
async def detect(
    principal: Operator,
    svc: ServiceDep,
    file: Upload,
    landmarks: Annotated[bool, Form(description="add keypoints, mesh and iris")] = False,
) -> dict[str, Any]:
    from unmask.workflows import detect_file

    def job(resources: Resources, paths: list[str]) -> dict[str, Any]:
        seconds = svc.settings.limits.video_seconds
        return detect_file(resources.analyzer, paths[0], max_seconds=seconds, landmarks=landmarks)

    found = await svc.process([file], job)
    return {"file": file.filename, **found}


@router.post("/enroll", summary="enrol one identity from one or more images (admin)")
async def enroll(
    principal: Admin, svc: ServiceDep, id: IdForm, files: list[UploadFile]
) -> dict[str, Any]:
    """All or nothing: a file without exactly one usable face refuses the whole enrolment,
    naming the file, and nothing is written."""
    from unmask.workflows import enrol_template

    if not files:
        raise InputError("no file given to enrol")
    names = [f.filename or f"upload {n}" for n, f in enumerate(files, 1)]

    def job(resources: Resources, paths: list[str]) -> dict[str, Any]:
        made = [
            enrol_template(resources.maker, path, source=f"upload:{name}")
            for path, name in zip(paths, names, strict=True)
        ]
        count = resources.gallery().enroll(id, [template for template, _ in made])
        entries = [
            {"file": name, "error": None, "id": id, **entry}
            for name, (_, entry) in zip(names, made, strict=True)
        ]
        return {"enrolled": [{"id": id, "templates": count}], "files": entries}

    try:
        document = await svc.process(files, job)
    except UnmaskError as exc:
        await svc.record(principal, "enroll", id, {"ok": False, "error": type(exc).__name__})
        raise
    await svc.record(
        principal,
        "enroll",
        id,
        {"ok": True, "added": len(files), "templates": document["enrolled"][0]["templates"]},
    )
    return document


@router.post("/identify", summary="1:N: who is in this image or video")
async def identify(
    principal: Operator,
    svc: ServiceDep,
    file: Upload,
    top: Annotated[int, Form(ge=1, le=50, description="candidates per face")] = 3,
    fmr: FmrForm = DEFAULT_FMR,
    liveness: LevelForm = None,
) -> dict[str, Any]:
    from unmask.workflows import identify_file

    def job(resources: Resources, paths: list[str]) -> dict[str, Any]:
        gallery = resources.gallery()
        gallery.require_templates()
        engine = resources.engine(liveness) if liveness else None
        return identify_file(gallery, resources.maker, paths[0], top=top, fmr=fmr, engine=engine)

    found = await svc.process([file], job)
    matched = [
        face["candidates"][0]["id"]
        for face in found["faces"]
        if face["candidates"] and face["candidates"][0]["match"]
    ]
    verdicts = decisions(found["faces"])
    await svc.record(
        principal,
        "identify",
        ",".join(matched),
        {"faces": len(found["faces"]), "matched": matched, "liveness": verdicts, "level": liveness},
    )
    locks = await svc.count_attacks(principal, verdicts)
    return {
        "file": file.filename,
        "error": None,
        **found,
        "threshold": round(threshold_for_fmr(fmr), 4),
        "fmr": fmr,
        "locked": [lock.as_dict() for lock in locks],
    }


@router.post("/verify", summary="1:1: is this person who they claim to be")
async def verify(
    principal: Operator,
    svc: ServiceDep,
    file: Upload,
    id: IdForm,
    fmr: FmrForm = DEFAULT_FMR,
    liveness: LevelForm = None,
) -> dict[str, Any]:
    from unmask.workflows import verify_file

    await svc.check_unlocked("identity", id)

    def job(resources: Resources, paths: list[str]) -> dict[str, Any]:
        engine = resources.engine(liveness) if liveness else None
        return verify_file(
            resources.gallery(), resources.maker, paths[0], id, fmr=fmr, engine=engine
        )

    found = await svc.process([file], job)
    verdict = (found.get("liveness") or {}).get("decision")
    await svc.record(
        principal,
        "verify",
        id,
        {
            "match": found["match"],
            "distance": found["distance"],
            "liveness": verdict,
            "level": liveness,
        },
    )
    locks = await svc.count_attacks(principal, [verdict], identity=id)
    return {
        "id": id,
        "threshold": round(threshold_for_fmr(fmr), 4),
        "fmr": fmr,
        "file": file.filename,
        "error": None,
        **found,
        "locked": [lock.as_dict() for lock in locks],
    }
