"""The one object a request handler reaches for: `request.app.state.service`.

It holds what lives as long as the app: the settings, the key store, the audit log, the
lockout store and the worker threads. Routers (the REST API here, the live stream and console
elsewhere) take it through the `service` dependency instead of building their own, so every
route of the process shares one set of models, one key store, one audit chain and one lockout
state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from unmask.errors import UnmaskError
from unmask.service.audit import AuditLog
from unmask.service.keys import KeyStore, Principal
from unmask.service.lockout import Kind, Lock, LockoutStore
from unmask.service.settings import ServiceSettings
from unmask.service.uploads import check_media, saved
from unmask.service.worker import Resources, Worker

T = TypeVar("T")


def relabelled(exc: UnmaskError, path: Path, label: str) -> UnmaskError:
    """The error with the temporary file's path replaced by the upload's own name."""
    exc.args = tuple(a.replace(str(path), label) if isinstance(a, str) else a for a in exc.args)
    return exc


@dataclass
class Service:
    settings: ServiceSettings
    keys: KeyStore
    audit: AuditLog
    lockout: LockoutStore
    worker: Worker

    @classmethod
    def start(cls, settings: ServiceSettings) -> Service:
        audit = AuditLog(settings.data_dir)
        audit.ensure()
        lockout = LockoutStore(
            settings.data_dir, settings.lockout.attacks, settings.lockout.window_seconds
        )
        lockout.ensure()
        return cls(
            settings=settings,
            keys=KeyStore(settings.data_dir),
            audit=audit,
            lockout=lockout,
            worker=Worker(
                settings.workers, settings.db, settings.data_dir, settings.limits.video_seconds
            ),
        )

    def check_key_unlocked(self, principal: Principal) -> None:
        self.lockout.check("key", principal.key_id)

    async def check_unlocked(self, kind: Kind, subject: str) -> None:
        """LockedOutError (423) when the subject is locked."""
        await run_in_threadpool(self.lockout.check, kind, subject)

    async def compute(self, job: Callable[[Resources], T]) -> T:
        """`job(resources)` on a worker thread, under the request time limit."""
        worker = self.worker
        db = self.settings.db

        def work() -> T:
            try:
                return job(worker.resources())
            except UnmaskError as exc:
                raise relabelled(exc, db, "the gallery") from None

        return await worker.run(self.settings.limits.request_seconds, work)

    async def process(
        self, uploads: Sequence[UploadFile], job: Callable[[Resources, list[str]], T]
    ) -> T:
        """`job(resources, paths)` on a worker thread with each upload saved to a temporary
        file and checked against the limits first; errors name the uploads, not the files."""
        keep = self.settings.data_dir / "uploads" if self.settings.keep_uploads else None
        limits = self.settings.limits

        def work(resources: Resources) -> T:
            with ExitStack() as stack:
                paths: list[Path] = []
                labels: list[str] = []
                try:
                    for number, upload in enumerate(uploads, 1):
                        label = upload.filename or f"upload {number}"
                        path = stack.enter_context(saved(upload, keep))
                        paths.append(path)
                        labels.append(label)
                        check_media(path, limits, label)
                    return job(resources, [str(p) for p in paths])
                except UnmaskError as exc:
                    for path, label in zip(paths, labels, strict=True):
                        relabelled(exc, path, label)
                    raise

        return await self.compute(work)

    async def record(
        self, principal: Principal, action: str, subject: str, result: Mapping[str, Any]
    ) -> None:
        """One decision into the audit chain."""
        await run_in_threadpool(self.audit.append, principal.key_id, action, subject, result)

    async def count_attacks(
        self, principal: Principal, decisions: Sequence[str | None], identity: str | None = None
    ) -> list[Lock]:
        """Count the attack verdicts against the key (and the claimed identity); new locks."""
        locks: list[Lock] = []
        for decision in decisions:
            if decision != "attack":
                continue
            subjects: list[tuple[Kind, str]] = [("key", principal.key_id)]
            if identity is not None:
                subjects.append(("identity", identity))
            for kind, subject in subjects:
                lock = await run_in_threadpool(self.lockout.record_attack, kind, subject)
                if lock is not None:
                    locks.append(lock)
        return locks


def service(request: Request) -> Service:
    """Dependency: the app's Service."""
    found: Service = request.app.state.service
    return found


ServiceDep = Annotated[Service, Depends(service)]
