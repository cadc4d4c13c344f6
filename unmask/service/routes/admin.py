"""Gallery management, keys, locks and the audit log.

Reading the gallery needs an operator; changing it, keys and locks need an admin; the audit
log is for viewers too (a security desk reads it without being able to change anything).
Every change is written to the audit log.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query
from starlette.concurrency import run_in_threadpool

from unmask.service.auth import Admin, Operator, Viewer
from unmask.service.keys import Role
from unmask.service.lockout import Kind
from unmask.service.state import ServiceDep
from unmask.service.worker import Resources

router = APIRouter(prefix="/api")

IdPath = Annotated[str, Path(min_length=1, max_length=200, description="the identity")]


@router.get("/gallery", tags=["gallery"], summary="enrolled identities and their template counts")
async def gallery_list(principal: Operator, svc: ServiceDep) -> dict[str, Any]:
    def job(resources: Resources) -> list[dict[str, Any]]:
        return [
            {"id": r.name, "templates": r.templates, "created": r.created}
            for r in resources.gallery().identities()
        ]

    return {"identities": await svc.compute(job)}


@router.delete("/gallery/{id}", tags=["gallery"], summary="erase an identity and its templates")
async def gallery_remove(principal: Admin, svc: ServiceDep, id: IdPath) -> dict[str, Any]:
    removed = await svc.compute(lambda resources: resources.gallery().remove(id))
    await svc.record(principal, "remove", id, {"templates": removed})
    return {"removed": id, "templates": removed}


@router.post("/gallery/{id}/rename", tags=["gallery"], summary="rename an identity")
async def gallery_rename(
    principal: Admin,
    svc: ServiceDep,
    id: IdPath,
    new_id: Annotated[str, Form(min_length=1, max_length=200, description="the new name")],
) -> dict[str, Any]:
    await svc.compute(lambda resources: resources.gallery().rename(id, new_id))
    await svc.record(principal, "rename", id, {"to": new_id})
    return {"renamed": id, "to": new_id}


@router.get("/audit", tags=["audit"], summary="audit records, oldest first")
async def audit_records(
    principal: Viewer,
    svc: ServiceDep,
    after: Annotated[int, Query(ge=0, description="only records after this number")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    action: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    found = await run_in_threadpool(svc.audit.records, after=after, limit=limit, action=action)
    return {"records": [record.as_dict() for record in found]}


@router.get("/audit/verify", tags=["audit"], summary="check the whole audit chain")
async def audit_verify(principal: Viewer, svc: ServiceDep) -> dict[str, Any]:
    report = await run_in_threadpool(svc.audit.verify)
    return report.as_dict()


@router.get("/keys", tags=["keys"], summary="API keys (never their secrets)")
async def keys_list(principal: Admin, svc: ServiceDep) -> dict[str, Any]:
    records = await run_in_threadpool(svc.keys.records)
    return {"keys": [record.as_dict() for record in records]}


@router.post("/keys", tags=["keys"], summary="a new key; the key itself is shown only here")
async def keys_add(
    principal: Admin,
    svc: ServiceDep,
    role: Annotated[Role, Form()],
    label: Annotated[str, Form(max_length=200)] = "",
) -> dict[str, Any]:
    record, key = await run_in_threadpool(svc.keys.add, role, label)
    await svc.record(principal, "key-add", record.id, {"role": role})
    return {"id": record.id, "role": record.role, "key": key}


@router.delete("/keys/{key_id}", tags=["keys"], summary="revoke a key")
async def keys_revoke(
    principal: Admin, svc: ServiceDep, key_id: Annotated[str, Path(max_length=64)]
) -> dict[str, Any]:
    record = await run_in_threadpool(svc.keys.revoke, key_id)
    await svc.record(principal, "key-revoke", key_id, {"role": record.role})
    return record.as_dict()


@router.get("/locks", tags=["lockout"], summary="locked identities and keys")
async def locks_list(principal: Admin, svc: ServiceDep) -> dict[str, Any]:
    locks = await run_in_threadpool(svc.lockout.locks)
    return {"locks": [lock.as_dict() for lock in locks]}


@router.delete("/locks/{kind}/{subject}", tags=["lockout"], summary="unlock an identity or a key")
async def locks_unlock(
    principal: Admin,
    svc: ServiceDep,
    kind: Kind,
    subject: Annotated[str, Path(min_length=1, max_length=200)],
) -> dict[str, Any]:
    lock = await run_in_threadpool(svc.lockout.unlock, kind, subject)
    await svc.record(principal, "unlock", f"{kind}:{subject}", {"reason": lock.reason})
    return {"unlocked": lock.as_dict()}
