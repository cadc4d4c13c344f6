"""The enrolled gallery: identities and their templates in one SQLite file.

Why SQLite: one file to copy or back up, atomic transactions (a failed enrolment leaves the
gallery as it was), WAL so several readers can identify while one writer enrols, and
`secure_delete` so erasing a template overwrites its bytes instead of leaving them in free pages.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from unmask.errors import (
    EmptyGalleryError,
    GalleryError,
    IncompatibleGalleryError,
    InputError,
    UnknownIdentityError,
)
from unmask.identity.embedder import EMBEDDER_NAME, EMBEDDING_SIZE

APPLICATION = "unmask-gallery"
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE identities (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created REAL NOT NULL
);
CREATE TABLE templates (
    id INTEGER PRIMARY KEY,
    identity_id INTEGER NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
    embedding BLOB NOT NULL,
    source TEXT NOT NULL,
    quality REAL,
    created REAL NOT NULL
);
CREATE INDEX templates_by_identity ON templates(identity_id);
"""


@dataclass(frozen=True)
class Template:
    """One enrolled face: its descriptor and where it came from."""

    embedding: NDArray[np.float32]
    source: str
    quality: float | None = None


@dataclass(frozen=True)
class IdentityRecord:
    name: str
    templates: int
    created: float


class Gallery:
    """A gallery file. Open it per process; each public call is one transaction."""

    def __init__(self, path: str | Path, *, create: bool = False) -> None:
        self.path = Path(path)
        if not self.path.exists():
            if not create:
                raise GalleryError(
                    f"{self.path}: no gallery there; enrol someone first to create it"
                )
            self.path.parent.mkdir(parents=True, exist_ok=True)
        elif self.path.is_dir():
            raise GalleryError(f"{self.path}: is a folder, not a gallery file")
        self.connection = self.connect()
        self.cache_version: int | None = None
        self.cache: tuple[NDArray[np.float32], NDArray[np.int64], list[str]] | None = None

    def connect(self) -> sqlite3.Connection:
        try:
            connection = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            connection.execute("PRAGMA foreign_keys = ON")
            connection.execute("PRAGMA secure_delete = ON")
            tables = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        except sqlite3.DatabaseError as exc:
            raise IncompatibleGalleryError(
                f"{self.path}: not an unmask gallery (not a SQLite file)"
            ) from exc
        if not tables:
            connection.execute("PRAGMA journal_mode = WAL")
            with transaction(connection):
                for statement in SCHEMA.strip().split(";"):
                    if statement.strip():
                        connection.execute(statement)
                connection.executemany(
                    "INSERT INTO meta(key, value) VALUES (?, ?)",
                    [
                        ("application", APPLICATION),
                        ("schema_version", str(SCHEMA_VERSION)),
                        ("embedder", EMBEDDER_NAME),
                    ],
                )
            return connection
        meta = (
            dict(connection.execute("SELECT key, value FROM meta").fetchall())
            if "meta" in tables
            else {}
        )
        if meta.get("application") != APPLICATION:
            connection.close()
            raise IncompatibleGalleryError(f"{self.path}: a SQLite file, but not an unmask gallery")
        version = int(meta.get("schema_version", "0"))
        if version > SCHEMA_VERSION:
            connection.close()
            raise IncompatibleGalleryError(
                f"{self.path}: gallery schema {version} is newer than this unmask supports "
                f"({SCHEMA_VERSION}); upgrade unmask"
            )
        if meta.get("embedder") != EMBEDDER_NAME:
            connection.close()
            raise IncompatibleGalleryError(
                f"{self.path}: templates were made by {meta.get('embedder')!r}, not {EMBEDDER_NAME!r}"
            )
        connection.execute("PRAGMA journal_mode = WAL")
        return connection

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Gallery:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def enroll(self, name: str, templates: Sequence[Template]) -> int:
        """Add templates to an identity (created if new); all or nothing. Returns its total."""
        name = name.strip()
        if not name:
            raise InputError("identity name must not be empty")
        if not templates:
            raise InputError(f"no usable face to enrol for {name!r}")
        now = time.time()
        with transaction(self.connection):
            self.connection.execute(
                "INSERT OR IGNORE INTO identities(name, created) VALUES (?, ?)", (name, now)
            )
            identity_id = self.identity_id(name)
            for template in templates:
                vector = np.asarray(template.embedding, dtype=np.float32)
                if vector.shape != (EMBEDDING_SIZE,) or not np.all(np.isfinite(vector)):
                    raise InputError(
                        f"template for {name!r} is not a finite {EMBEDDING_SIZE}-d vector"
                    )
                self.connection.execute(
                    "INSERT INTO templates(identity_id, embedding, source, quality, created) VALUES (?, ?, ?, ?, ?)",
                    (identity_id, vector.tobytes(), template.source, template.quality, now),
                )
        return self.template_count(name)

    def identity_id(self, name: str) -> int:
        row = self.connection.execute(
            "SELECT id FROM identities WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            raise UnknownIdentityError(f"no identity {name!r} in {self.path}")
        return int(row[0])

    def template_count(self, name: str) -> int:
        identity_id = self.identity_id(name)
        return int(
            self.connection.execute(
                "SELECT COUNT(*) FROM templates WHERE identity_id = ?", (identity_id,)
            ).fetchone()[0]
        )

    def identities(self) -> list[IdentityRecord]:
        rows = self.connection.execute(
            "SELECT i.name, COUNT(t.id), i.created FROM identities i "
            "LEFT JOIN templates t ON t.identity_id = i.id GROUP BY i.id ORDER BY i.name"
        ).fetchall()
        return [IdentityRecord(name=r[0], templates=int(r[1]), created=float(r[2])) for r in rows]

    def rename(self, old: str, new: str) -> None:
        new = new.strip()
        if not new:
            raise InputError("new identity name must not be empty")
        with transaction(self.connection):
            identity_id = self.identity_id(old)
            clash = self.connection.execute(
                "SELECT 1 FROM identities WHERE name = ?", (new,)
            ).fetchone()
            if clash:
                raise InputError(f"identity {new!r} already exists; remove or rename it first")
            self.connection.execute(
                "UPDATE identities SET name = ? WHERE id = ?", (new, identity_id)
            )

    def remove(self, name: str) -> int:
        """Erase an identity and every template of it; the bytes are overwritten, not just unlinked.

        The WAL is checkpointed and truncated afterwards, because old copies of the deleted pages
        would otherwise live on in the write-ahead log.
        """
        with transaction(self.connection):
            identity_id = self.identity_id(name)
            removed = self.connection.execute(
                "DELETE FROM templates WHERE identity_id = ?", (identity_id,)
            ).rowcount
            self.connection.execute("DELETE FROM identities WHERE id = ?", (identity_id,))
        self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return int(removed)

    def matrix(self) -> tuple[NDArray[np.float32], NDArray[np.int64], list[str]]:
        """All templates as one (N, 128) matrix with each row's identity index and the names.

        Rows are grouped by identity (sorted by name), so per-identity minima are one reduceat.

        Cached until the file changes (PRAGMA data_version sees other processes' writes too),
        so identifying many probes against a large gallery reads it once.
        """
        version = int(self.connection.execute("PRAGMA data_version").fetchone()[0])
        total_changes = self.connection.total_changes
        key = version * 1_000_003 + total_changes
        if self.cache is not None and self.cache_version == key:
            return self.cache
        rows = self.connection.execute(
            "SELECT i.name, t.embedding FROM templates t JOIN identities i ON i.id = t.identity_id ORDER BY i.name, t.id"
        ).fetchall()
        names = sorted({row[0] for row in rows})
        position = {name: index for index, name in enumerate(names)}
        embeddings = (
            np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32).reshape(
                -1, EMBEDDING_SIZE
            )
            if rows
            else np.zeros((0, EMBEDDING_SIZE), dtype=np.float32)
        )
        owners = np.array([position[row[0]] for row in rows], dtype=np.int64)
        self.cache, self.cache_version = (embeddings, owners, names), key
        return self.cache

    def require_templates(self) -> None:
        if self.matrix()[0].shape[0] == 0:
            raise EmptyGalleryError(f"{self.path}: the gallery is empty; enrol someone first")


class transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error: a half-done write never lands."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> sqlite3.Connection:
        self.connection.execute("BEGIN IMMEDIATE")
        return self.connection

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.connection.execute("ROLLBACK" if kind is not None else "COMMIT")
