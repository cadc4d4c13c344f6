"""How strictly media are read, and how incomplete media are reported.

Outside `unmask.media` so that the CLI can name its flags without importing the decoders.

A truncated video still decodes up to the cut, so silently using those frames answers from
less than the file claims to hold. Readers report it through `incomplete`: a `MediaWarning`
by default, a `CorruptMediaError` (exit 4) inside `strict_media()` (the CLI's `--strict`).
A context variable rather than a parameter, because the readers sit several layers below the
commands (probes, trackers, liveness, pulse) and every one of them must obey the same policy.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from unmask.errors import CorruptMediaError

# The CLI's default bound on video read by detect, enroll, identify, verify and pulse: a
# 20-minute file otherwise runs for many minutes with no end in sight.
DEFAULT_MAX_VIDEO_SECONDS = 120.0

STRICT: ContextVar[bool] = ContextVar("unmask_strict_media", default=False)


class MediaWarning(UserWarning):
    """Media that were read, but not all of them: truncated files, unreadable tails."""


@contextmanager
def strict_media(enabled: bool = True) -> Iterator[None]:
    """Within this block, incomplete media are errors instead of warnings."""
    token = STRICT.set(enabled)
    try:
        yield
    finally:
        STRICT.reset(token)


def incomplete(message: str) -> None:
    """Report media that were only partly read, by the policy in force."""
    if STRICT.get():
        raise CorruptMediaError(message)
    warnings.warn(message, MediaWarning, stacklevel=3)
