"""The enrolled gallery: identities and their templates in one SQLite file.

Why SQLite: one file to copy or back up, atomic transactions (a failed enrolment leaves the
gallery as it was), WAL so several readers can identify while one writer enrols, and
`secure_delete` so erasing a template overwrites its bytes instead of leaving them in free pages.

Why a seal on every template: SQLite's own checks cannot tell a template copied from one
identity to another from an honest one, and such a copy makes the second person verify as the
first. Each template row carries an HMAC-SHA256 over its identity (id and name) and its bytes,
keyed by the data folder's `template-mac` secret, and every read checks it (docs/gallery.md).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from unmask.datadir import resolve_data_dir, secret
from unmask.errors import (
    EmptyGalleryError,
    GalleryError,
    IncompatibleGalleryError,
    InputError,
    UnknownIdentityError,
    UnmaskError,
)
from unmask.identity.embedder import EMBEDDER_NAME, EMBEDDING_SIZE

APPLICATION = "unmask-gallery"
SCHEMA_VERSION = 2
# Schema 1 galleries hold no seals; they are read only after `unmask gallery check --reseal`.
FIRST_SEALED_VERSION = 2
MAC_SECRET = "template-mac"
TEMPLATE_BYTES = EMBEDDING_SIZE * 4
SEAL_DOMAIN = b"unmask-template-v2\0"

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
    created REAL NOT NULL,
    mac BLOB NOT NULL
);
CREATE INDEX templates_by_identity ON templates(identity_id);
"""

Method = TypeVar("Method", bound=Callable[..., Any])


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


@dataclass
class CheckReport:
    """What `Gallery.check` found: every problem in words, and what it looked at."""

    problems: list[str] = field(default_factory=list)
    identities: int = 0
    templates: int = 0
    schema_version: int = 0
    resealed: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def seal(key: bytes, identity_id: int, name: str, embedding: bytes) -> bytes:
    """The MAC that binds one template's bytes to one identity (its row id and its name)."""
    encoded = name.encode("utf-8")
    message = b"".join(
        [
            SEAL_DOMAIN,
            int(identity_id).to_bytes(8, "big", signed=True),
            len(encoded).to_bytes(4, "big"),
            encoded,
            embedding,
        ]
    )
    return hmac.digest(key, message, "sha256")


def key_id(key: bytes) -> str:
    """A public fingerprint of the MAC key, stored in the gallery to name the wrong-key case."""
    return hmac.new(key, b"unmask-gallery-key-id", hashlib.sha256).hexdigest()[:16]


def sqlite_failure(path: Path, exc: Exception) -> GalleryError:
    """One line a user can act on for a SQLite failure; never a raw driver message alone."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    lower = text.lower()
    if "readonly" in lower or "read-only" in lower:
        return GalleryError(f"{path}: the gallery is read-only here, nothing was written ({text})")
    if "not a database" in lower:
        return IncompatibleGalleryError(f"{path}: not an unmask gallery (not a SQLite file)")
    if "locked" in lower or "busy" in lower:
        return GalleryError(f"{path}: busy, another process holds the gallery ({text}); retry")
    if "unable to open" in lower:
        return GalleryError(f"{path}: cannot open the gallery ({text})")
    return GalleryError(
        f"{path}: the gallery is damaged ({text}); `unmask gallery check --db {path}` for "
        "details, restore a backup"
    )


def guarded(method: Method) -> Method:
    """Turn driver errors and undecodable values inside a gallery method into GalleryError."""

    @functools.wraps(method)
    def wrapper(self: Gallery, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except UnmaskError:
            raise
        except (sqlite3.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
            raise sqlite_failure(self.path, exc) from exc

    return wrapper  # type: ignore[return-value]


class Gallery:
    """A gallery file. Open it per process; each public call is one transaction.

    Only `create=True` (what `unmask enroll` passes) may write a schema, and only into a file
    that holds no tables; every other open leaves a file it does not recognise untouched.
    `data_dir` holds the template MAC key (see `unmask.datadir`).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        create: bool = False,
        data_dir: str | Path | None = None,
    ) -> None:
        self.path = Path(path)
        self.data_dir = data_dir
        self.cached_key: bytes | None = None
        self.cache_version: int | None = None
        self.cache: tuple[NDArray[np.float32], NDArray[np.int64], list[str]] | None = None
        self.meta: dict[str, str] = {}
        if not self.path.exists():
            if not create:
                raise GalleryError(
                    f"{self.path}: no gallery there; enrol someone first to create it"
                )
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise GalleryError(
                    f"{self.path}: cannot create the gallery's folder ({exc.strerror or exc})"
                ) from None
        elif self.path.is_dir():
            raise GalleryError(f"{self.path}: is a folder, not a gallery file")
        elif not self.path.is_file():
            raise GalleryError(f"{self.path}: not a regular file (a pipe or a device?)")
        self.connection = self.connect()
        try:
            self.open(create)
        except BaseException:
            self.connection.close()
            raise

    def connect(self) -> sqlite3.Connection:
        """Read-write where we may write; read-only (never creating side files) where not.

        A WAL gallery in a folder we cannot write has no -wal file another process could be
        writing to, so it is opened immutable rather than refused as "not a gallery".
        """
        uri = self.path.resolve().as_uri()
        writable_file = not self.path.exists() or os.access(self.path, os.W_OK)
        writable_folder = os.access(self.path.parent.resolve(), os.W_OK)
        if not (writable_file and writable_folder):
            side_files = any(Path(f"{self.path}{suffix}").exists() for suffix in ("-wal", "-shm"))
            uri += "?mode=ro" + ("" if writable_folder or side_files else "&immutable=1")
        try:
            connection = sqlite3.connect(uri, uri=True, timeout=30.0, isolation_level=None)
            connection.execute("PRAGMA foreign_keys = ON")
            connection.execute("PRAGMA secure_delete = ON")
        except sqlite3.Error as exc:
            raise sqlite_failure(self.path, exc) from exc
        return connection

    @guarded
    def open(self, create: bool) -> None:
        if not self.tables():
            if not create:
                raise IncompatibleGalleryError(
                    f"{self.path}: an empty file, not an unmask gallery; `unmask enroll` creates one"
                )
            self.create_schema()
        self.read_meta()
        self.quick_check()

    def tables(self) -> set[str]:
        try:
            rows = self.connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table'"
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc) or "encrypted" in str(exc):
                raise IncompatibleGalleryError(
                    f"{self.path}: not an unmask gallery (not a SQLite file)"
                ) from exc
            raise
        return {str(row[0]) for row in rows}

    def create_schema(self) -> None:
        """Create the schema race-free: re-checked inside the write transaction, so of several
        processes enrolling into a new file at once exactly one creates it."""
        for attempt in range(200):
            try:
                self.connection.execute("PRAGMA journal_mode = WAL")
                break
            except sqlite3.OperationalError as exc:
                if attempt == 199 or not ("locked" in str(exc) or "busy" in str(exc)):
                    raise
                time.sleep(0.05)
        key = self.key
        with transaction(self.connection):
            if self.tables():
                return
            for statement in SCHEMA.strip().split(";"):
                if statement.strip():
                    self.connection.execute(statement)
            self.connection.executemany(
                "INSERT INTO meta(key, value) VALUES (?, ?)",
                [
                    ("application", APPLICATION),
                    ("schema_version", str(SCHEMA_VERSION)),
                    ("embedder", EMBEDDER_NAME),
                    ("mac_key_id", key_id(key)),
                ],
            )

    def read_meta(self) -> None:
        if "meta" not in self.tables():
            raise IncompatibleGalleryError(f"{self.path}: a SQLite file, but not an unmask gallery")
        self.meta = {
            str(k): str(v) for k, v in self.connection.execute("SELECT key, value FROM meta")
        }
        if self.meta.get("application") != APPLICATION:
            raise IncompatibleGalleryError(f"{self.path}: a SQLite file, but not an unmask gallery")
        version = self.meta.get("schema_version", "")
        if not version.isdigit():
            raise IncompatibleGalleryError(
                f"{self.path}: schema version {version!r} is not one unmask writes; the file is "
                "damaged or was not written by unmask"
            )
        if int(version) > SCHEMA_VERSION:
            raise IncompatibleGalleryError(
                f"{self.path}: gallery schema {version} is newer than this unmask supports "
                f"({SCHEMA_VERSION}); upgrade unmask"
            )
        if self.meta.get("embedder") != EMBEDDER_NAME:
            raise IncompatibleGalleryError(
                f"{self.path}: templates were made by {self.meta.get('embedder')!r}, "
                f"not {EMBEDDER_NAME!r}"
            )

    @property
    def version(self) -> int:
        return int(self.meta["schema_version"])

    def quick_check(self) -> None:
        """SQLite's cheap structural check (pages, records, indexes) and templates that belong
        to no identity: a damaged file is refused before anything reads or writes it."""
        result = [str(row[0]) for row in self.connection.execute("PRAGMA quick_check(3)")]
        if result == ["ok"]:
            orphans = self.connection.execute("PRAGMA foreign_key_check(templates)").fetchall()
            result = [f"{len(orphans)} template(s) of no identity"] if orphans else result
        if result != ["ok"]:
            raise GalleryError(
                f"{self.path}: the gallery is damaged ({'; '.join(result)}); "
                f"`unmask gallery check --db {self.path}` for details, restore a backup"
            )

    @property
    def key(self) -> bytes:
        """The data folder's template MAC key, resolved on first use (listing needs none)."""
        if self.cached_key is None:
            self.cached_key = secret(resolve_data_dir(self.data_dir), MAC_SECRET)
        return self.cached_key

    def sealing_key(self) -> bytes:
        """The key, after checking this gallery is sealed and sealed with this key."""
        if self.version < FIRST_SEALED_VERSION:
            raise IncompatibleGalleryError(
                f"{self.path}: schema {self.version} gallery holds unsealed templates; if you "
                f"trust it, seal it with `unmask gallery check --db {self.path} --reseal`"
            )
        key = self.key
        stored = self.meta.get("mac_key_id")
        if stored != key_id(key):
            raise IncompatibleGalleryError(
                f"{self.path}: sealed with another data folder's key (key id {stored}, this "
                f"one's {key_id(key)}); pass the --data-dir the gallery was made with"
            )
        return key

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Gallery:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @guarded
    def enroll(self, name: str, templates: Sequence[Template]) -> int:
        """Add templates to an identity (created if new); all or nothing. Returns its total."""
        name = name.strip()
        if not name:
            raise InputError("identity name must not be empty")
        if not templates:
            raise InputError(f"no usable face to enrol for {name!r}")
        vectors = []
        for template in templates:
            vector = np.asarray(template.embedding, dtype=np.float32)
            if vector.shape != (EMBEDDING_SIZE,) or not np.all(np.isfinite(vector)):
                raise InputError(f"template for {name!r} is not a finite {EMBEDDING_SIZE}-d vector")
            vectors.append(vector.tobytes())
        key = self.sealing_key()
        self.matrix()  # every stored seal holds: never add to a gallery that was tampered with
        now = time.time()
        with transaction(self.connection):
            self.connection.execute(
                "INSERT OR IGNORE INTO identities(name, created) VALUES (?, ?)", (name, now)
            )
            identity_id = self.identity_id(name)
            for template, blob in zip(templates, vectors, strict=True):
                self.connection.execute(
                    "INSERT INTO templates(identity_id, embedding, source, quality, created, mac) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        identity_id,
                        blob,
                        template.source,
                        template.quality,
                        now,
                        seal(key, identity_id, name, blob),
                    ),
                )
        return self.template_count(name)

    @guarded
    def identity_id(self, name: str) -> int:
        row = self.connection.execute(
            "SELECT id FROM identities WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            raise UnknownIdentityError(f"no identity {name!r} in {self.path}")
        return int(row[0])

    @guarded
    def template_count(self, name: str) -> int:
        identity_id = self.identity_id(name)
        return int(
            self.connection.execute(
                "SELECT COUNT(*) FROM templates WHERE identity_id = ?", (identity_id,)
            ).fetchone()[0]
        )

    @guarded
    def identities(self) -> list[IdentityRecord]:
        rows = self.connection.execute(
            "SELECT i.name, COUNT(t.id), i.created FROM identities i "
            "LEFT JOIN templates t ON t.identity_id = i.id GROUP BY i.id ORDER BY i.name"
        ).fetchall()
        return [IdentityRecord(name=r[0], templates=int(r[1]), created=float(r[2])) for r in rows]

    @guarded
    def rename(self, old: str, new: str) -> None:
        """Rename an identity; its templates are resealed under the new name in the same
        transaction (the seal covers the name, so a swap of names is caught on read)."""
        new = new.strip()
        if not new:
            raise InputError("new identity name must not be empty")
        key = self.sealing_key() if self.version >= FIRST_SEALED_VERSION else None
        with transaction(self.connection):
            identity_id = self.identity_id(old)
            clash = self.connection.execute(
                "SELECT 1 FROM identities WHERE name = ?", (new,)
            ).fetchone()
            if clash:
                raise InputError(f"identity {new!r} already exists; remove or rename it first")
            if key is not None:
                rows = self.connection.execute(
                    "SELECT id, embedding, mac FROM templates WHERE identity_id = ?",
                    (identity_id,),
                ).fetchall()
                for template_id, blob, mac in rows:
                    if not hmac.compare_digest(bytes(mac), seal(key, identity_id, old, blob)):
                        raise GalleryError(self.broken_seal(template_id, old))
                    self.connection.execute(
                        "UPDATE templates SET mac = ? WHERE id = ?",
                        (seal(key, identity_id, new, blob), template_id),
                    )
            self.connection.execute(
                "UPDATE identities SET name = ? WHERE id = ?", (new, identity_id)
            )

    @guarded
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

    def broken_seal(self, template_id: int, name: str) -> str:
        return (
            f"{self.path}: template {template_id} of {name!r} fails its seal: it was copied "
            "from another identity or altered; the gallery was tampered with, restore a backup "
            f"(`unmask gallery check --db {self.path}` lists every such row)"
        )

    def content_problem(self, template_id: int, name: str, blob: Any) -> str | None:
        """Why a template's bytes cannot be a descriptor (type, size, non-finite values)."""
        if not isinstance(blob, bytes):
            return f"{self.path}: template {template_id} of {name!r} is not stored as bytes"
        if len(blob) != TEMPLATE_BYTES:
            return (
                f"{self.path}: template {template_id} of {name!r} has {len(blob)} bytes, "
                f"not {TEMPLATE_BYTES}"
            )
        if not np.all(np.isfinite(np.frombuffer(blob, dtype=np.float32))):
            return f"{self.path}: template {template_id} of {name!r} holds non-finite values"
        return None

    def template_problem(
        self, key: bytes, template_id: int, identity_id: int, name: str, blob: Any, mac: Any
    ) -> str | None:
        """Why one stored template must not be used, or None when it is sound and sealed."""
        if not (
            isinstance(blob, bytes)
            and isinstance(mac, bytes)
            and hmac.compare_digest(mac, seal(key, identity_id, name, blob))
        ):
            return self.broken_seal(template_id, name)
        return self.content_problem(template_id, name, blob)

    @guarded
    def matrix(self) -> tuple[NDArray[np.float32], NDArray[np.int64], list[str]]:
        """All templates as one (N, 128) matrix with each row's identity index and the names.

        Rows are grouped by identity (sorted by name), so per-identity minima are one reduceat.
        Every row's seal, size and finiteness are checked; one bad row refuses the whole read,
        because an answer computed around it could be confidently wrong.

        Cached until the file changes (PRAGMA data_version sees other processes' writes too),
        so identifying many probes against a large gallery reads it once.
        """
        version = int(self.connection.execute("PRAGMA data_version").fetchone()[0])
        total_changes = self.connection.total_changes
        cache_key = version * 1_000_003 + total_changes
        if self.cache is not None and self.cache_version == cache_key:
            return self.cache
        key = self.sealing_key()
        rows = self.connection.execute(
            "SELECT t.id, i.id, i.name, t.embedding, t.mac FROM templates t "
            "JOIN identities i ON i.id = t.identity_id ORDER BY i.name, t.id"
        ).fetchall()
        for template_id, identity_id, name, blob, mac in rows:
            sound = (
                isinstance(blob, bytes)
                and len(blob) == TEMPLATE_BYTES
                and isinstance(mac, bytes)
                and hmac.compare_digest(mac, seal(key, identity_id, name, blob))
            )
            if not sound:
                problem = self.template_problem(key, template_id, identity_id, name, blob, mac)
                raise GalleryError(problem or f"{self.path}: template {template_id} is unusable")
        names = sorted({row[2] for row in rows})
        position = {name: index for index, name in enumerate(names)}
        embeddings = (
            np.frombuffer(b"".join(row[3] for row in rows), dtype=np.float32).reshape(
                -1, EMBEDDING_SIZE
            )
            if rows
            else np.zeros((0, EMBEDDING_SIZE), dtype=np.float32)
        )
        finite = np.isfinite(embeddings).all(axis=1)
        if not finite.all():
            template_id, _, name, blob, _ = rows[int(np.argmin(finite))]
            raise GalleryError(
                self.content_problem(template_id, name, blob) or f"{self.path}: non-finite values"
            )
        owners = np.array([position[row[2]] for row in rows], dtype=np.int64)
        self.cache, self.cache_version = (embeddings, owners, names), cache_key
        return self.cache

    def require_templates(self) -> None:
        if self.matrix()[0].shape[0] == 0:
            raise EmptyGalleryError(f"{self.path}: the gallery is empty; enrol someone first")

    @guarded
    def check(self, *, reseal: bool = False) -> CheckReport:
        """The full check: SQLite's integrity_check, foreign keys, and every template's size,
        values and seal.

        `reseal=True` (re)computes every seal with this data folder's key and upgrades a
        schema 1 gallery; it runs only when everything but the seals is sound, because sealing
        vouches for the rows as they are now.
        """
        report = CheckReport(schema_version=self.version)
        integrity = [str(row[0]) for row in self.connection.execute("PRAGMA integrity_check(20)")]
        if integrity != ["ok"]:
            report.problems.extend(f"{self.path}: integrity: {line}" for line in integrity)
            return report
        for table, row_id, parent, _ in self.connection.execute("PRAGMA foreign_key_check"):
            report.problems.append(f"{self.path}: {table} row {row_id} points to no {parent} row")
        sealed = self.version >= FIRST_SEALED_VERSION
        mac_column = "t.mac" if sealed else "NULL"
        rows = self.connection.execute(
            f"SELECT t.id, i.id, i.name, t.embedding, {mac_column} FROM templates t "
            "JOIN identities i ON i.id = t.identity_id ORDER BY t.id"
        ).fetchall()
        report.identities = int(
            self.connection.execute("SELECT COUNT(*) FROM identities").fetchone()[0]
        )
        report.templates = len(rows)
        key = self.sealing_key() if sealed and not reseal else None
        for template_id, identity_id, name, blob, mac in rows:
            problem = (
                self.template_problem(key, template_id, identity_id, name, blob, mac)
                if key is not None
                else self.content_problem(template_id, name, blob)
            )
            if problem:
                report.problems.append(problem)
        if not sealed and not reseal:
            report.problems.append(
                f"{self.path}: schema {self.version} gallery: its {len(rows)} template(s) are "
                f"not sealed; `unmask gallery check --db {self.path} --reseal` seals them"
            )
        if reseal and not report.problems:
            report.resealed = self.write_seals(
                [(int(r[0]), int(r[1]), str(r[2]), bytes(r[3])) for r in rows], sealed
            )
            report.schema_version = SCHEMA_VERSION
        return report

    def write_seals(self, rows: list[tuple[int, int, str, bytes]], sealed: bool) -> int:
        key = self.key
        with transaction(self.connection):
            if not sealed:
                self.connection.execute(
                    "ALTER TABLE templates ADD COLUMN mac BLOB NOT NULL DEFAULT x''"
                )
            for template_id, identity_id, name, blob in rows:
                self.connection.execute(
                    "UPDATE templates SET mac = ? WHERE id = ?",
                    (seal(key, identity_id, name, blob), template_id),
                )
            self.connection.executemany(
                "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                [("schema_version", str(SCHEMA_VERSION)), ("mac_key_id", key_id(key))],
            )
        self.meta.update(schema_version=str(SCHEMA_VERSION), mac_key_id=key_id(key))
        self.cache = None
        return len(rows)


class transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error: a half-done write never lands."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> sqlite3.Connection:
        self.connection.execute("BEGIN IMMEDIATE")
        return self.connection

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.connection.execute("ROLLBACK" if kind is not None else "COMMIT")
