"""The FastAPI application: `create_app(settings)`.

How to add routes (the seam for the live stream and the console):

    from fastapi import APIRouter
    from unmask.service.auth import Operator            # or Viewer, Admin: Annotated Principals
    from unmask.service.state import ServiceDep

    router = APIRouter()

    @router.get("/api/live/thing")
    async def thing(principal: Operator, svc: ServiceDep) -> dict: ...

    app = create_app(settings)
    app.include_router(router)

- Paths under `/api` need a key (401 from `AuthGate` before anything else, the body included);
  every other path is public (the console's page at `/` loads without a key).
- Routes pick their role with the `Viewer`/`Operator`/`Admin` annotations (403 when too low,
  423 when the key is locked). They work on public paths too (they then read the key
  themselves).
- WebSockets: browsers cannot set headers, so a WebSocket route authenticates the key it is
  given (query parameter or first message) with `svc.keys.authenticate(key)` -> `Principal |
  None`, checks `principal.may("operator")` and `svc.check_key_unlocked(principal)`
  (LockedOutError when locked). `AuthGate` and the body limit leave WebSocket scopes alone.
- Heavy work (models, gallery) runs on the worker threads: `await svc.compute(job)` calls
  `job(resources)` there (`resources.maker`, `.analyzer`, `.engine(level)`, `.gallery()`: that
  thread's own), under the request time limit (408); `await svc.process(uploads, job)` first
  saves and checks uploads against the limits. Decisions go to `await svc.record(principal,
  action, subject, result)` (the audit chain) and attack verdicts to
  `await svc.count_attacks(principal, decisions, identity)` (lockout).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from unmask.service import console, errors, live
from unmask.service.auth import AuthGate
from unmask.service.routes import admin, liveness, recognition
from unmask.service.settings import ServiceSettings
from unmask.service.state import Service
from unmask.service.uploads import BodyLimit

health = APIRouter(tags=["health"])


@health.get("/health", summary="liveness of the service itself (no key needed)")
async def get_health() -> dict[str, str]:
    return {"status": "ok"}


def create_app(settings: ServiceSettings) -> FastAPI:
    """The app: the gallery (created if missing), the audit log, keys, routes."""
    from unmask.identity import open_gallery

    open_gallery(settings.db, create=True, data_dir=settings.data_dir).close()
    service = Service.start(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            service.worker.close()

    app = FastAPI(
        lifespan=lifespan,
        title="unmask",
        summary="Face recognition with presentation attack detection, over HTTP",
        version="1",
        docs_url="/docs",
        openapi_url="/openapi.json",
        redoc_url=None,
    )
    app.state.service = service
    errors.install(app)
    # Added last, runs first: no key, 401, before the body limit reads a byte.
    app.add_middleware(BodyLimit, limit=settings.limits.upload_bytes)
    app.add_middleware(AuthGate, keys=service.keys)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE", "PATCH"],
            allow_headers=["X-API-Key", "Authorization", "Content-Type"],
        )
    app.include_router(health)
    for routes in (recognition.router, liveness.router, admin.router, live.router, console.router):
        app.include_router(routes)
    return app
