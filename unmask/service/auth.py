"""Who is calling: API keys on every `/api` request, roles on every route.

Two layers, because they answer at different times. `AuthGate` is ASGI middleware: a request
under `/api` without a valid key gets 401 before its body is read or any parameter is looked
at (an anonymous caller cannot make the service parse a 50 MB upload, or learn which fields a
route takes). `require_role(role)` is the route's dependency: 403 for a role too low, 423 for a
locked key, and the `Principal` for the handler (who did it, for the audit log).

Keys come in `X-API-Key: KEY` or `Authorization: Bearer KEY`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Receive, Scope, Send

from unmask.service.errors import error_response
from unmask.service.keys import KeyStore, Principal, Role

API_PREFIX = "/api"

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)
bearer = HTTPBearer(auto_error=False)


def key_from_headers(headers: dict[str, str]) -> str | None:
    """The key a request carries (header names lower-case), X-API-Key first."""
    if headers.get("x-api-key"):
        return headers["x-api-key"].strip()
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def protected(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


class AuthGate:
    """401 for any `/api` HTTP request without a live key; the principal goes to the request's
    state (`request.state.principal`) for `require_role`. Other paths (health, docs, the
    console's page) pass untouched; WebSocket routes authenticate themselves (a browser cannot
    set headers on a WebSocket)."""

    def __init__(self, app: ASGIApp, keys: KeyStore) -> None:
        self.app = app
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not protected(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        key = key_from_headers(headers)
        principal = self.keys.authenticate(key) if key else None
        if principal is None:
            message = "an API key is required (X-API-Key or Authorization: Bearer)"
            if key:
                message = "the API key is unknown or revoked"
            await error_response(401, message)(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


def require_role(role: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting keys of `role` or above; it gives the handler the Principal.

    Works on routes outside `/api` too (it then authenticates the key itself)."""

    async def dependency(
        request: Request,
        header_key: Annotated[str | None, Security(api_key_header)],
        bearer_key: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
    ) -> Principal:
        principal: Principal | None = getattr(request.state, "principal", None)
        if principal is None:
            key = header_key or (bearer_key.credentials if bearer_key else None)
            keys: KeyStore = request.app.state.service.keys
            principal = keys.authenticate(key) if key else None
        if principal is None:
            raise HTTPException(401, "an API key is required (X-API-Key or Authorization: Bearer)")
        if not principal.may(role):
            raise HTTPException(
                403, f"this needs the {role} role; the key {principal.key_id} is {principal.role}"
            )
        request.app.state.service.check_key_unlocked(principal)
        return principal

    dependency.__name__ = f"require_{role}"
    return dependency


Viewer = Annotated[Principal, Depends(require_role("viewer"))]
Operator = Annotated[Principal, Depends(require_role("operator"))]
Admin = Annotated[Principal, Depends(require_role("admin"))]
