"""What a service instance is allowed to do, fixed when it starts.

One frozen object handed to `create_app`, so a test, `unmask serve` and a deployment build the
same app from the same few numbers, and nothing reads the environment behind their back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from unmask.datadir import resolve_data_dir

DEFAULT_GALLERY_NAME = "gallery.sqlite"


@dataclass(frozen=True)
class Limits:
    """Bounds on one request; exceeding one is a 4xx, never a slow death of the worker.

    upload_bytes: the whole request body (413); pixels: width x height of an image or a video
    frame (413); video_seconds: a video's declared duration (422); request_seconds: the work
    of one request, queueing included (408).
    """

    upload_bytes: int = 50 * 2**20
    pixels: int = 25_000_000
    video_seconds: float = 30.0
    request_seconds: float = 120.0


@dataclass(frozen=True)
class Lockout:
    """`attacks` attack verdicts within `window_seconds` lock the claimed identity or the key."""

    attacks: int = 5
    window_seconds: float = 600.0


@dataclass(frozen=True)
class ServiceSettings:
    """Everything `create_app` needs.

    data_dir holds the key store, the audit chain, the secrets and (by default) the gallery;
    cors_origins is empty (closed) unless origins are named; keep_uploads keeps the raw face
    images and videos received (off: they live only in a temporary file for the request).
    """

    data_dir: Path
    db: Path
    host: str = "127.0.0.1"
    port: int = 8000
    limits: Limits = field(default_factory=Limits)
    lockout: Lockout = field(default_factory=Lockout)
    cors_origins: tuple[str, ...] = ()
    keep_uploads: bool = False
    workers: int = 1

    @classmethod
    def create(
        cls,
        data_dir: str | Path | None = None,
        db: str | Path | None = None,
        **options: object,
    ) -> ServiceSettings:
        """Settings with the data folder resolved (and created) and the gallery defaulting to
        `gallery.sqlite` inside it."""
        folder = resolve_data_dir(data_dir)
        gallery = Path(db).expanduser() if db is not None else folder / DEFAULT_GALLERY_NAME
        return cls(data_dir=folder, db=gallery, **options)  # type: ignore[arg-type]
