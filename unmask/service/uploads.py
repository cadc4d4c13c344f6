"""Uploads: bounded on the way in, checked before any decoder runs, gone after the request.

The body limit is enforced while the bytes arrive (`BodyLimit`), so an over-large upload costs
the service at most the limit, not the whole file. Each upload is written to a private
temporary folder, its pixel count and video duration read from the headers (Pillow's lazy
open, the container's declared duration) before anything is decoded, and the folder is removed
when the request ends: no raw face image stays on disk unless `keep_uploads` is set.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import HTTPException, UploadFile
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from unmask.errors import InputError
from unmask.service.auth import protected
from unmask.service.errors import error_response
from unmask.service.settings import Limits

SAFE_SUFFIX = re.compile(r"^\.[a-z0-9]{1,5}$")


class LimitError(InputError):
    """An upload over one of the service's limits (status 413 or 422)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class BodyLimit:
    """413 for an `/api` request body larger than `limit` bytes: at once when its
    Content-Length says so, else as soon as the bytes received pass the limit."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not protected(scope["path"]):
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name.lower() == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.limit:
                    await error_response(413, self.message())(scope, receive, send)
                    return
        received = 0

        async def bounded() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # An HTTPException passes FastAPI's body parsing untouched (other errors
                    # become a 400 there); the error handler answers 413.
                    raise HTTPException(413, self.message())
            return message

        await self.app(scope, bounded, send)

    def message(self) -> str:
        return f"the request body is larger than the limit of {self.limit / 2**20:g} MiB"


def suffix_of(name: str | None) -> str:
    """The upload's own suffix when it is a plain one (decoders sniff content anyway)."""
    suffix = Path(name or "").suffix.lower()
    return suffix if SAFE_SUFFIX.match(suffix) else ""


@contextmanager
def saved(upload: UploadFile, keep_in: Path | None) -> Iterator[Path]:
    """The upload as a file in a private temporary folder, removed afterwards (a copy goes to
    `keep_in` first when uploads are kept)."""
    folder = Path(tempfile.mkdtemp(prefix="unmask-upload-"))
    try:
        path = folder / f"upload{suffix_of(upload.filename)}"
        upload.file.seek(0)
        with path.open("wb") as handle:
            shutil.copyfileobj(upload.file, handle, 1 << 20)
        if path.stat().st_size == 0:
            raise InputError(f"{upload.filename or 'upload'}: the uploaded file is empty")
        if keep_in is not None:
            keep_in.mkdir(parents=True, exist_ok=True, mode=0o700)
            stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
            shutil.copyfile(path, keep_in / f"{stamp}-{folder.name}{path.suffix}")
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def check_media(path: Path, limits: Limits, label: str) -> None:
    """Refuse an image or video over the pixel or duration limit before decoding it.

    Unreadable files are left to the decoder, which names the damage (CorruptMediaError).
    """
    from PIL import Image

    from unmask.media.kind import is_still_image

    if is_still_image(path):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with Image.open(path) as image:
                    width, height = image.size
        except Image.DecompressionBombError:
            raise LimitError(f"{label}: more than {limits.pixels:,} pixels", status=413) from None
        except Exception:  # a damaged still: the reader reports it properly later
            return
        duration = 0.0
    else:
        from unmask.media.video import video_info

        info = video_info(path)
        width, height = int(info["width"]), int(info["height"])
        duration = float(info["duration_s"])
    if width * height > limits.pixels:
        raise LimitError(
            f"{label}: {width}x{height} is more than the limit of {limits.pixels:,} pixels",
            status=413,
        )
    if duration > limits.video_seconds:
        raise LimitError(
            f"{label}: the video lasts {duration:.1f} s, more than the limit of "
            f"{limits.video_seconds:g} s",
            status=422,
        )
