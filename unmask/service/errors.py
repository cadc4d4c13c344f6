"""Errors over HTTP: the CLI's error document with a status code.

A client reads the same `{"error", "error_type", "exit_code"}` the CLI prints with `--json`, so
one script can branch on `error_type` whether it called the command or the service. Errors the
HTTP layer makes itself (no key, a role too low, a body too large, a timeout, a malformed
request) carry their own `error_type` and `exit_code: null`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from unmask import errors

# Nearest class in the error's MRO wins, so a subclass added later (DatabaseUnavailable, say)
# gets its parent's status until it is listed here.
STATUS: dict[type[errors.UnmaskError], int] = {
    errors.UnmaskError: 400,
    errors.InputError: 400,
    errors.UsageError: 422,
    errors.MediaNotFoundError: 422,
    errors.CorruptMediaError: 422,
    errors.UnsupportedMediaError: 415,
    errors.NoFaceError: 422,
    errors.MultipleFacesError: 422,
    errors.ProtocolError: 422,
    errors.GalleryError: 409,
    errors.EmptyGalleryError: 409,
    errors.UnknownIdentityError: 404,
    errors.IncompatibleGalleryError: 409,
    errors.ModelError: 503,
    errors.ChallengeError: 403,
    errors.LockedOutError: 423,
    errors.DatabaseUnavailableError: 503,
}

HTTP_TYPES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    408: "RequestTimeout",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    422: "UsageError",
    423: "LockedOut",
    503: "ServiceUnavailable",
}


def status_for(exc: errors.UnmaskError) -> int:
    status = getattr(exc, "status", None)
    if isinstance(status, int):
        return status
    for kind in type(exc).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


def document(message: str, error_type: str, exit_code: int | None) -> dict[str, Any]:
    return {"error": message, "error_type": error_type, "exit_code": exit_code}


def error_response(
    status: int, message: str, error_type: str | None = None, exit_code: int | None = None
) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    body = document(message, error_type or HTTP_TYPES.get(status, "HTTPError"), exit_code)
    return JSONResponse(body, status_code=status, headers=headers)


def unmask_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.UnmaskError)
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return error_response(status_for(exc), message, type(exc).__name__, exc.exit_code)


def http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return error_response(exc.status_code, str(exc.detail))


def validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        f"{'.'.join(str(part) for part in error.get('loc', ()))}: {error.get('msg', '')}"
        for error in exc.errors()
    ]
    return error_response(422, "; ".join(problems) or "malformed request", "UsageError", 2)


def server_error(_: Request, exc: Exception) -> JSONResponse:
    """A bug, not a request problem: the same JSON shape, no internals in the answer (the
    traceback goes to the server's log)."""
    del exc
    return error_response(500, "internal error; the server's log has the details", "InternalError")


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.UnmaskError, unmask_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, server_error)
