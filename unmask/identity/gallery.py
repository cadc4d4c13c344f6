"""The enrolled gallery: identities and their templates in one SQLite file.

Why SQLite: one file to copy or back up, atomic transactions (a failed enrolment leaves the
gallery as it was), WAL so several readers can identify while one writer enrols, and
`secure_delete` so erasing a template overwrites its bytes instead of leaving them in free pages.

Why a seal on every template: SQLite's own checks cannot tell a template copied from one
identity to another from an honest one, and such a copy makes the second person verify as the
first. Each template row carries an HMAC-SHA256 over its identity (id and name) and its bytes,
keyed by the data folder's `template-mac` secret, and every read checks it (docs/gallery.md).

Why encrypted (schema 3): a copied file must not hand out everyone's face descriptors; each
template is AES-GCM ciphertext under the template key (unmask.identity.template_crypto).

Big galleries: above `ann_threshold` templates, identification asks an HNSW index
(unmask.identity.ann) for candidates and re-checks each one here; the SQL is written so that
unmask.identity.pg_gallery runs the same class against PostgreSQL with pgvector.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import sqlite3
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
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
from unmask.identity import template_crypto
from unmask.identity.ann import ANN_THRESHOLD, EXPANSION_SEARCH, AnnIndex, Stamp
from unmask.identity.embedder import EMBEDDER_NAME, EMBEDDING_SIZE

APPLICATION = "unmask-gallery"
SCHEMA_VERSION = 3
# Schema 1 galleries hold no seals; they are read only after `unmask gallery check --reseal`.
FIRST_SEALED_VERSION = 2
# Schema 2 galleries hold plaintext templates: read as they are, written into only after
# `unmask gallery check --reseal` encrypted them.
FIRST_ENCRYPTED_VERSION = 3
# How many templates the index proposes per identification (at least; 8 per wanted identity),
# and how many more of their identities than wanted, nearest first, are re-read and measured
# exactly. Reading and checking every proposed identity's templates (about 23 identities, 117
# rows for top 5 on benchmarks/gallery_scale.py's data) cost more CPU than the search itself.
ANN_CANDIDATES = 32
# The search breadth's bounds: below the candidates an identify call asks for, the search would
# be narrower than its answer; pgvector refuses an ef_search above 1000.
MIN_BREADTH = ANN_CANDIDATES
MAX_BREADTH = 1000
ANN_SPARE_IDENTITIES = 2
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
CREATE INDEX templates_by_identity ON templates(identity_id)
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


class IndexRebuiltWarning(UserWarning):
    """An ANN index that did not match its gallery was found and rebuilt, not used."""


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


def checked_breadth(value: object, what: str = "search breadth") -> int:
    """`value` when it is a search breadth both stores take, else InputError naming `what`."""
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and MIN_BREADTH <= value <= MAX_BREADTH
    ):
        return value
    raise InputError(
        f"{what} must be a whole number from {MIN_BREADTH} to {MAX_BREADTH}, got {value!r}"
    )


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


def sqlite_failure(path: Path | str, exc: Exception) -> GalleryError:
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
        except Exception as exc:
            if isinstance(exc, self.driver_errors):
                raise self.failure(exc) from exc
            raise

    return wrapper  # type: ignore[return-value]


class Gallery:
    """A gallery file. Open it per process; each public call is one transaction.

    Only `create=True` (what `unmask enroll` passes) may write a schema, and only into a file
    that holds no tables; every other open leaves a file it does not recognise untouched.
    `data_dir` holds the template MAC key and the template encryption key (unmask.datadir;
    `UNMASK_TEMPLATE_KEY` overrides the latter). At `ann_threshold` templates and above,
    identification goes through the ANN index (`G.ann` beside the file).
    """

    driver_errors: tuple[type[Exception], ...] = (
        sqlite3.Error,
        ValueError,
        TypeError,
        UnicodeDecodeError,
    )

    def __init__(
        self,
        path: str | Path,
        *,
        create: bool = False,
        data_dir: str | Path | None = None,
        ann_threshold: int = ANN_THRESHOLD,
        search_breadth: int = EXPANSION_SEARCH,
    ) -> None:
        self.path = Path(path)
        self.where = str(path)
        self.setup(data_dir, ann_threshold, search_breadth)
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
        self.connection: Any = self.connect()
        try:
            self.open(create)
        except BaseException:
            self.connection.close()
            raise

    def setup(self, data_dir: str | Path | None, ann_threshold: int, search_breadth: int) -> None:
        """`search_breadth`: how many candidates the index keeps while it searches (usearch's
        expansion_search, pgvector's ef_search). Wider finds more of the true neighbours in
        data harder than faces and costs time (docs/gallery.md has both at 1M)."""
        self.data_dir = data_dir
        self.ann_threshold = ann_threshold
        self.search_breadth = checked_breadth(search_breadth)
        self.cached_key: bytes | None = None
        self.cached_template_key: bytes | None = None
        self.cache_version: int | None = None
        self.cache: tuple[NDArray[np.float32], NDArray[np.int64], list[str]] | None = None
        self.cache_ids: NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self.meta: dict[str, str] = {}
        self.ann: AnnIndex | None = None
        self.ann_marker: int | None = None
        self.index_note = ""

    kind = "a SQLite file"

    def failure(self, exc: Exception) -> UnmaskError:
        return sqlite_failure(self.where, exc)

    def connect(self) -> sqlite3.Connection:
        """Read-write where we may write; read-only (never creating side files) where not.

        A WAL gallery in a folder we cannot write has no -wal file another process could be
        writing to, so it is opened immutable rather than refused as "not a gallery".
        """
        uri = self.path.resolve().as_uri()
        if not self.writable():
            side_files = any(Path(f"{self.path}{suffix}").exists() for suffix in ("-wal", "-shm"))
            writable_folder = os.access(self.path.parent.resolve(), os.W_OK)
            uri += "?mode=ro" + ("" if writable_folder or side_files else "&immutable=1")
        try:
            connection = sqlite3.connect(uri, uri=True, timeout=30.0, isolation_level=None)
            connection.execute("PRAGMA foreign_keys = ON")
            connection.execute("PRAGMA secure_delete = ON")
        except sqlite3.Error as exc:
            raise sqlite_failure(self.where, exc) from exc
        return connection

    def writable(self) -> bool:
        writable_file = not self.path.exists() or os.access(self.path, os.W_OK)
        return writable_file and os.access(self.path.parent.resolve(), os.W_OK)

    @guarded
    def open(self, create: bool) -> None:
        if not self.tables():
            if not create:
                raise IncompatibleGalleryError(
                    f"{self.where}: an empty file, not an unmask gallery; `unmask enroll` "
                    "creates one"
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
                    f"{self.where}: not an unmask gallery (not a SQLite file)"
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
        self.write_schema(SCHEMA)

    def write_schema(self, schema: str) -> None:
        key, template_key = self.key, self.template_key
        with self.transaction():
            self.lock_schema()
            if self.tables():
                return
            for statement in schema.strip().split(";"):
                if statement.strip():
                    self.connection.execute(statement)
            self.connection.executemany(
                "INSERT INTO meta(key, value) VALUES (?, ?)",
                [
                    ("application", APPLICATION),
                    ("schema_version", str(SCHEMA_VERSION)),
                    ("embedder", EMBEDDER_NAME),
                    ("mac_key_id", key_id(key)),
                    ("enc_key_id", template_crypto.fingerprint(template_key)),
                    ("gallery_id", uuid.uuid4().hex),
                    ("generation", "0"),
                    ("templates", "0"),
                ],
            )

    def transaction(self) -> transaction:
        return transaction(self.connection, "BEGIN IMMEDIATE")

    def lock_schema(self) -> None:
        """Inside the creating transaction: BEGIN IMMEDIATE already holds SQLite's write lock."""

    def read_meta(self) -> None:
        if "meta" not in self.tables():
            raise IncompatibleGalleryError(f"{self.where}: {self.kind}, but not an unmask gallery")
        self.meta = {
            str(k): str(v) for k, v in self.connection.execute("SELECT key, value FROM meta")
        }
        if self.meta.get("application") != APPLICATION:
            raise IncompatibleGalleryError(f"{self.where}: {self.kind}, but not an unmask gallery")
        version = self.meta.get("schema_version", "")
        if not version.isdigit():
            raise IncompatibleGalleryError(
                f"{self.where}: schema version {version!r} is not one unmask writes; the file is "
                "damaged or was not written by unmask"
            )
        if int(version) > SCHEMA_VERSION:
            raise IncompatibleGalleryError(
                f"{self.where}: gallery schema {version} is newer than this unmask supports "
                f"({SCHEMA_VERSION}); upgrade unmask"
            )
        if self.meta.get("embedder") != EMBEDDER_NAME:
            raise IncompatibleGalleryError(
                f"{self.where}: templates were made by {self.meta.get('embedder')!r}, "
                f"not {EMBEDDER_NAME!r}"
            )

    @property
    def version(self) -> int:
        return int(self.meta["schema_version"])

    @property
    def encrypted(self) -> bool:
        return self.version >= FIRST_ENCRYPTED_VERSION

    def quick_check(self) -> None:
        """SQLite's cheap structural check (pages, records, indexes) and templates that belong
        to no identity: a damaged file is refused before anything reads or writes it."""
        result = [str(row[0]) for row in self.connection.execute("PRAGMA quick_check(3)")]
        if result == ["ok"]:
            orphans = self.connection.execute("PRAGMA foreign_key_check(templates)").fetchall()
            result = [f"{len(orphans)} template(s) of no identity"] if orphans else result
        if result != ["ok"]:
            raise GalleryError(
                f"{self.where}: the gallery is damaged ({'; '.join(result)}); "
                f"`unmask gallery check --db {self.where}` for details, restore a backup"
            )

    @property
    def key(self) -> bytes:
        """The data folder's template MAC key, resolved on first use (listing needs none)."""
        if self.cached_key is None:
            self.cached_key = secret(resolve_data_dir(self.data_dir), MAC_SECRET)
        return self.cached_key

    @property
    def template_key(self) -> bytes:
        """The template encryption key (environment or data folder), resolved on first use."""
        if self.cached_template_key is None:
            self.cached_template_key = template_crypto.template_key(self.data_dir)
        return self.cached_template_key

    def sealing_key(self) -> bytes:
        """The key, after checking this gallery is sealed and sealed with this key."""
        if self.version < FIRST_SEALED_VERSION:
            raise IncompatibleGalleryError(
                f"{self.where}: schema {self.version} gallery holds unsealed templates; if you "
                f"trust it, seal it with `unmask gallery check --db {self.where} --reseal`"
            )
        key = self.key
        stored = self.meta.get("mac_key_id")
        if stored != key_id(key):
            raise IncompatibleGalleryError(
                f"{self.where}: sealed with another data folder's key (key id {stored}, this "
                f"one's {key_id(key)}); pass the --data-dir the gallery was made with"
            )
        return key

    def encryption_key(self) -> bytes | None:
        """The template key after checking it is the one the gallery was encrypted with; None
        for a schema 2 gallery (plaintext templates)."""
        if not self.encrypted:
            return None
        key = self.template_key
        stored = self.meta.get("enc_key_id")
        if stored == template_crypto.fingerprint(key):
            return key
        hint = f"pass the --data-dir (or {template_crypto.ENV_KEY}) it was made with"
        pending = template_crypto.pending_key(self.data_dir)
        if pending is not None and template_crypto.fingerprint(pending) == stored:
            hint = "a template key rotation was interrupted; run it again to finish"
        raise IncompatibleGalleryError(
            f"{self.where}: templates encrypted with another template key (key id {stored}, "
            f"this one's {template_crypto.fingerprint(key)}); {hint}"
        )

    def writing_keys(self) -> tuple[bytes, bytes]:
        """The MAC and encryption keys for a write; a plaintext gallery is upgraded first."""
        key = self.sealing_key()
        encryption = self.encryption_key()
        if encryption is None:
            raise IncompatibleGalleryError(
                f"{self.where}: schema {self.version} gallery stores its templates "
                "unencrypted; encrypt them first with "
                f"`unmask gallery check --db {self.where} --reseal`"
            )
        return key, encryption

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Gallery:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def stored(self, encryption: bytes | None, identity_id: int, plaintext: bytes) -> bytes:
        return (
            plaintext
            if encryption is None
            else template_crypto.encrypt(encryption, identity_id, plaintext)
        )

    def insert_templates(
        self,
        rows: Sequence[tuple[NDArray[np.float32], int, bytes, str, float | None, float, bytes]],
    ) -> list[int]:
        """Insert template rows (vector, identity id, blob, source, quality, created, mac)
        inside the caller's transaction; their row ids, in order."""
        ids = []
        for _, *row in rows:
            cursor = self.connection.execute(
                "INSERT INTO templates(identity_id, embedding, source, quality, created, mac) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                row,
            )
            ids.append(int(cursor.lastrowid))
        return ids

    @guarded
    def enroll(self, name: str, templates: Sequence[Template]) -> int:
        """Add templates to an identity (created if new); all or nothing. Returns its total."""
        name = name.strip()
        if not name:
            raise InputError("identity name must not be empty")
        if not templates:
            raise InputError(f"no usable face to enrol for {name!r}")
        for template in templates:
            vector = np.asarray(template.embedding, dtype=np.float32)
            if vector.shape != (EMBEDDING_SIZE,) or not np.all(np.isfinite(vector)):
                raise InputError(f"template for {name!r} is not a finite {EMBEDDING_SIZE}-d vector")
        self.write_templates(
            [
                (name, np.asarray(t.embedding, dtype=np.float32), t.source, t.quality)
                for t in templates
            ]
        )
        return self.template_count(name)

    @guarded
    def write_templates(
        self, rows: Sequence[tuple[str, NDArray[np.float32], str, float | None]]
    ) -> int:
        """Add (name, vector, source, quality) rows, identities created as needed, in one
        transaction: encrypted, sealed, and the ANN index told. Returns the rows written."""
        key, encryption = self.writing_keys()
        self.sound_before_write()
        now = time.time()
        with self.transaction():
            names = sorted({name for name, *_ in rows})
            self.connection.executemany(
                "INSERT INTO identities(name, created) VALUES (?, ?) ON CONFLICT(name) DO NOTHING",
                [(name, now) for name in names],
            )
            identity_ids = {name: self.identity_id(name) for name in names}
            added_ids = self.insert_templates(
                [
                    (
                        vector,
                        identity_ids[name],
                        self.stored(encryption, identity_ids[name], vector.tobytes()),
                        source,
                        quality,
                        now,
                        seal(key, identity_ids[name], name, vector.tobytes()),
                    )
                    for name, vector, source, quality in rows
                ]
            )
            stamp = self.bump_generation(len(rows))
        vectors = np.stack([row[1] for row in rows]).astype(np.float32)
        self.index_written(stamp, np.array(added_ids, dtype=np.int64), vectors, None)
        return len(rows)

    def sound_before_write(self) -> None:
        """Never add to a gallery that was tampered with: every stored seal must hold (below
        the ANN threshold; above it the cost is a full read, so `gallery check` does it)."""
        if not self.large():
            self.matrix()

    def bump_generation(self, added: int = 0) -> Stamp | None:
        """Inside a write transaction: count one more write and `added` more templates (the
        count that picks exact or indexed search without counting rows); the new stamp."""
        if "generation" not in self.meta:
            return None
        self.connection.execute(
            "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + (CASE key WHEN 'generation' "
            "THEN 1 ELSE ? END) AS TEXT) WHERE key IN ('generation', 'templates')",
            (int(added),),
        )
        return self.stamp()

    def large(self) -> bool:
        """Whether identification goes through the index: the template count the writes keep
        in the meta (a cheap read), or a real count for a gallery from before it."""
        row = self.connection.execute("SELECT value FROM meta WHERE key = 'templates'").fetchone()
        total = int(row[0]) if row else self.template_total()
        return total >= self.ann_threshold

    def stamp(self) -> Stamp:
        generation = self.connection.execute(
            "SELECT value FROM meta WHERE key = 'generation'"
        ).fetchone()
        count, idsum = self.connection.execute(
            "SELECT COUNT(*), COALESCE(SUM(id), 0) FROM templates"
        ).fetchone()
        return Stamp(
            gallery_id=self.meta.get("gallery_id", ""),
            generation=int(generation[0]) if generation else 0,
            count=int(count),
            idsum=int(idsum),
        )

    @property
    def index_path(self) -> Path:
        return Path(f"{self.path}.ann")

    def index_written(
        self,
        stamp: Stamp | None,
        added: NDArray[np.int64],
        vectors: NDArray[np.float32] | None,
        removed: NDArray[np.int64] | None,
    ) -> None:
        """After a committed write: bring an index that was in sync with the write before up
        to date. Anything else (no index, an index that was already behind, a crash before
        this runs) leaves it stale, and its stamp has it rebuilt before its next use."""
        if stamp is None:
            return
        index = self.ann or self.load_index_file(self.encryption_key())
        if index is None or (index.stamp.gallery_id, index.stamp.generation) != (
            stamp.gallery_id,
            stamp.generation - 1,
        ):
            self.ann = None
            return
        if removed is not None:
            index.remove(removed)
        if vectors is not None:
            index.add(added, vectors)
        index.stamp = stamp
        self.ann = index
        self.save_index_file(index, self.encryption_key())

    def load_index_file(self, key: bytes | None) -> AnnIndex | None:
        return AnnIndex.load(self.index_path, key)[0] if self.index_path.exists() else None

    def save_index_file(self, index: AnnIndex, key: bytes | None) -> None:
        """Saved where the gallery may be written; otherwise the index lives in memory only."""
        if self.writable():
            index.save(self.index_path, key)

    def drop_index_file(self) -> None:
        if self.writable():
            self.index_path.unlink(missing_ok=True)

    @guarded
    def identity_id(self, name: str) -> int:
        row = self.connection.execute(
            "SELECT id FROM identities WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            raise UnknownIdentityError(f"no identity {name!r} in {self.where}")
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
    def template_total(self) -> int:
        return int(self.connection.execute("SELECT COUNT(*) FROM templates").fetchone()[0])

    @guarded
    def identities(self) -> list[IdentityRecord]:
        rows = self.connection.execute(
            "SELECT i.name, COUNT(t.id), i.created FROM identities i "
            "LEFT JOIN templates t ON t.identity_id = i.id GROUP BY i.id, i.name, i.created "
            "ORDER BY i.name"
        ).fetchall()
        return [IdentityRecord(name=r[0], templates=int(r[1]), created=float(r[2])) for r in rows]

    @guarded
    def rename(self, old: str, new: str) -> None:
        """Rename an identity; its templates are resealed under the new name in the same
        transaction (the seal covers the name, so a swap of names is caught on read). The
        ciphertexts are bound to the identity's row id, not its name, and stay as they are."""
        new = new.strip()
        if not new:
            raise InputError("new identity name must not be empty")
        key = self.sealing_key() if self.version >= FIRST_SEALED_VERSION else None
        encryption = self.encryption_key()
        with self.transaction():
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
                    plaintext, problem = self.opened(
                        key, encryption, int(template_id), identity_id, old, blob, mac
                    )
                    if plaintext is None:
                        raise GalleryError(problem)
                    self.connection.execute(
                        "UPDATE templates SET mac = ? WHERE id = ?",
                        (seal(key, identity_id, new, plaintext), template_id),
                    )
            self.connection.execute(
                "UPDATE identities SET name = ? WHERE id = ?", (new, identity_id)
            )
            stamp = self.bump_generation()
        self.cache = None
        self.index_written(stamp, np.zeros(0, dtype=np.int64), None, None)

    @guarded
    def remove(self, name: str) -> int:
        """Erase an identity and every template of it; the bytes are overwritten, not just unlinked.

        The WAL is checkpointed and truncated afterwards, because old copies of the deleted pages
        would otherwise live on in the write-ahead log.
        """
        with self.transaction():
            identity_id = self.identity_id(name)
            ids = np.array(
                [
                    int(row[0])
                    for row in self.connection.execute(
                        "SELECT id FROM templates WHERE identity_id = ?", (identity_id,)
                    )
                ],
                dtype=np.int64,
            )
            self.connection.execute("DELETE FROM templates WHERE identity_id = ?", (identity_id,))
            self.connection.execute("DELETE FROM identities WHERE id = ?", (identity_id,))
            stamp = self.bump_generation(-len(ids))
        self.after_erase()
        self.index_written(stamp, np.zeros(0, dtype=np.int64), None, ids)
        return len(ids)

    def after_erase(self) -> None:
        self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def broken_seal(self, template_id: int, name: str) -> str:
        return (
            f"{self.where}: template {template_id} of {name!r} fails its seal: it was copied "
            "from another identity or altered; the gallery was tampered with, restore a backup "
            f"(`unmask gallery check --db {self.where}` lists every such row)"
        )

    def broken_tag(self, template_id: int, name: str) -> str:
        return (
            f"{self.where}: template {template_id} of {name!r} fails its encryption tag "
            "(AES-GCM): its stored bytes were altered or moved from another identity; the "
            "gallery was tampered with, restore a backup "
            f"(`unmask gallery check --db {self.where}` lists every such row)"
        )

    def content_problem(self, template_id: int, name: str, blob: Any) -> str | None:
        """Why a template's bytes cannot be a descriptor (type, size, non-finite values)."""
        if not isinstance(blob, bytes):
            return f"{self.where}: template {template_id} of {name!r} is not stored as bytes"
        if len(blob) != TEMPLATE_BYTES:
            return (
                f"{self.where}: template {template_id} of {name!r} has {len(blob)} bytes, "
                f"not {TEMPLATE_BYTES}"
            )
        if not np.all(np.isfinite(np.frombuffer(blob, dtype=np.float32))):
            return f"{self.where}: template {template_id} of {name!r} holds non-finite values"
        return None

    def opened(
        self,
        key: bytes | None,
        encryption: bytes | None,
        template_id: int,
        identity_id: int,
        name: str,
        blob: Any,
        mac: Any,
    ) -> tuple[bytes | None, str]:
        """One stored template's plaintext after its tag, seal, size and values are checked,
        or None and why it must not be used. `key` None: an unsealed (schema 1) row."""
        if not isinstance(blob, bytes):
            return None, f"{self.where}: template {template_id} of {name!r} is not stored as bytes"
        plaintext: bytes | None = blob
        if encryption is not None:
            plaintext = template_crypto.decrypt(encryption, identity_id, blob)
            if plaintext is None:
                return None, self.broken_tag(template_id, name)
        assert plaintext is not None
        if key is not None and not (
            isinstance(mac, bytes)
            and hmac.compare_digest(mac, seal(key, identity_id, name, plaintext))
        ):
            return None, self.broken_seal(template_id, name)
        problem = self.content_problem(template_id, name, plaintext)
        return (None, problem) if problem else (plaintext, "")

    def change_marker(self) -> int | None:
        """A number that changes whenever the file may have (None: never cache)."""
        version = int(self.connection.execute("PRAGMA data_version").fetchone()[0])
        return version * 1_000_003 + self.connection.total_changes

    def checked_rows(
        self, where: str = "", parameters: Sequence[Any] = ()
    ) -> Iterator[tuple[int, int, str, bytes]]:
        """(template id, identity id, name, plaintext) of the selected rows, grouped by name; the first
        row that fails its tag, seal, size or values refuses the whole read."""
        key = self.sealing_key()
        encryption = self.encryption_key()
        rows = self.connection.execute(
            "SELECT t.id, i.id, i.name, t.embedding, t.mac FROM templates t "
            f"JOIN identities i ON i.id = t.identity_id {where} ORDER BY i.name, t.id",
            tuple(parameters),
        )
        for template_id, identity_id, name, blob, mac in rows:
            plaintext, problem = self.opened(
                key, encryption, int(template_id), int(identity_id), name, blob, mac
            )
            if plaintext is None:
                raise GalleryError(problem)
            yield int(template_id), int(identity_id), str(name), plaintext

    @guarded
    def matrix(self) -> tuple[NDArray[np.float32], NDArray[np.int64], list[str]]:
        """All templates as one (N, 128) matrix with each row's identity index and the names.

        Rows are grouped by identity (sorted by name), so per-identity minima are one reduceat.
        Every row's tag, seal, size and finiteness are checked; one bad row refuses the whole
        read, because an answer computed around it could be confidently wrong.

        Cached until the file changes (PRAGMA data_version sees other processes' writes too),
        so identifying many probes against a large gallery reads it once.
        """
        cache_key = self.change_marker()
        if self.cache is not None and cache_key is not None and self.cache_version == cache_key:
            return self.cache
        rows = list(self.checked_rows())
        names = sorted({row[2] for row in rows})
        position = {name: index for index, name in enumerate(names)}
        embeddings = (
            np.frombuffer(b"".join(row[3] for row in rows), dtype=np.float32).reshape(
                -1, EMBEDDING_SIZE
            )
            if rows
            else np.zeros((0, EMBEDDING_SIZE), dtype=np.float32)
        )
        owners = np.array([position[row[2]] for row in rows], dtype=np.int64)
        self.cache_ids = np.array([row[0] for row in rows], dtype=np.int64)
        self.cache, self.cache_version = (embeddings, owners, names), cache_key
        return self.cache

    def require_templates(self) -> None:
        if self.connection.execute("SELECT 1 FROM templates LIMIT 1").fetchone() is None:
            raise EmptyGalleryError(f"{self.where}: the gallery is empty; enrol someone first")

    @guarded
    def closest(self, probe: NDArray[np.float32], top: int) -> list[tuple[str, float]]:
        """The `top` closest identities (closest template each), best first.

        Below `ann_threshold` templates: exact, over every template (all checked). Above it:
        the index proposes candidate templates; every template of the nearest of their
        identities is re-read, checked and measured, so each identity named carries its exact
        distance (the index can miss an identity, never misstate one).
        """
        self.require_templates()
        probe = np.asarray(probe, dtype=np.float32)
        if not self.large():
            best, names = self.exact_distances(probe)
            order = np.argsort(best, kind="stable")[: max(top, 1)]
            return [(names[i], float(best[i])) for i in order]
        ids = [int(i) for i in self.candidates(probe, max(ANN_CANDIDATES, 8 * top))]
        if not ids:
            return []
        owner_of = {
            int(row[0]): int(row[1])
            for row in self.connection.execute(
                f"SELECT id, identity_id FROM templates WHERE id IN ({','.join('?' * len(ids))})",
                tuple(ids),
            )
        }
        # Candidates come nearest first: the identities in the order they first appear, so the
        # nearest few by the index's own distances; only those are read and measured.
        ranked = dict.fromkeys(owner_of[i] for i in ids if i in owner_of)
        owners = list(ranked)[: max(top, 1) + ANN_SPARE_IDENTITIES]
        if not owners:
            return []
        found: dict[str, float] = {}
        for _, _, name, plaintext in self.checked_rows(
            f"WHERE i.id IN ({','.join('?' * len(owners))})", owners
        ):
            vector = np.frombuffer(plaintext, dtype=np.float32)
            distance = float(np.linalg.norm(vector - probe))
            found[name] = min(distance, found.get(name, np.inf))
        return sorted(found.items(), key=lambda item: (item[1], item[0]))[: max(top, 1)]

    def exact_distances(self, probe: NDArray[np.float32]) -> tuple[NDArray[np.float32], list[str]]:
        """Closest-template distance per enrolled identity, over every template."""
        from unmask.identity.embedder import distances

        embeddings, owners, names = self.matrix()
        per_template = distances(probe, embeddings)
        starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
        return np.minimum.reduceat(per_template, starts), names

    @guarded
    def distance_to(self, probe: NDArray[np.float32], name: str) -> float:
        """Distance from the probe to the identity's closest template. Below the ANN threshold
        every template's seal is checked (as for identify); above it, the identity's own."""
        identity_id = self.identity_id(name)
        self.require_templates()
        probe = np.asarray(probe, dtype=np.float32)
        if not self.large():
            best, names = self.exact_distances(probe)
            return float(best[names.index(name)])
        vectors = [
            np.frombuffer(plaintext, dtype=np.float32)
            for *_, plaintext in self.checked_rows("WHERE i.id = ?", [identity_id])
        ]
        if not vectors:
            return float("inf")
        return float(np.linalg.norm(np.stack(vectors) - probe, axis=1).min())

    def candidates(self, probe: NDArray[np.float32], count: int) -> NDArray[np.int64]:
        """Row ids of templates near the probe, from an index that matches the gallery."""
        return self.index().search(probe, count)

    def index(self) -> AnnIndex:
        """The ANN index, after checking its stamp against the gallery; rebuilt (and saved
        where the gallery may be written) when it is missing, stale, foreign or damaged."""
        index = self.synced_index()
        index.set_breadth(self.search_breadth)
        return index

    def synced_index(self) -> AnnIndex:
        marker = self.change_marker()
        if self.ann is not None and marker is not None and marker == self.ann_marker:
            return self.ann
        current = self.stamp()
        self.ann_marker = marker
        if self.ann is not None and self.ann.stamp == current:
            return self.ann
        encryption = self.encryption_key()
        loaded, reason = AnnIndex.load(self.index_path, encryption)
        if loaded is not None:
            reason = loaded.stamp.differences(current) or ""
            if not reason and len(loaded) != current.count:
                reason = f"damaged ({len(loaded)} entries for {current.count} templates)"
            if not reason:
                self.ann, self.index_note = loaded, "used"
                return loaded
        if reason != "missing":
            warnings.warn(
                f"{self.index_path}: ANN index {reason}; rebuilt from the gallery",
                IndexRebuiltWarning,
                stacklevel=2,
            )
        embeddings = self.matrix()[0]
        self.ann = AnnIndex.build(self.cache_ids, embeddings, current)
        self.index_note = f"rebuilt: {reason}"
        self.save_index_file(self.ann, encryption)
        return self.ann

    def integrity_problems(self) -> list[str]:
        lines = [str(row[0]) for row in self.connection.execute("PRAGMA integrity_check(20)")]
        return [] if lines == ["ok"] else [f"{self.where}: integrity: {line}" for line in lines]

    def foreign_key_problems(self) -> list[str]:
        return [
            f"{self.where}: {table} row {row_id} points to no {parent} row"
            for table, row_id, parent, _ in self.connection.execute("PRAGMA foreign_key_check")
        ]

    @guarded
    def check(self, *, reseal: bool = False) -> CheckReport:
        """The full check: the store's own integrity, foreign keys, and every template's tag,
        size, values and seal.

        `reseal=True` (re)computes every seal with this data folder's key, encrypts every
        template with the template key, and so upgrades a schema 1 or 2 gallery to 3; it runs
        only when everything but the seals is sound, because sealing vouches for the rows as
        they are now.
        """
        report = CheckReport(schema_version=self.version)
        report.problems.extend(self.integrity_problems())
        if report.problems:
            return report
        report.problems.extend(self.foreign_key_problems())
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
        encryption = self.encryption_key()
        sound: list[tuple[int, int, str, bytes]] = []
        for template_id, identity_id, name, blob, mac in rows:
            plaintext, problem = self.opened(
                key, encryption, int(template_id), int(identity_id), name, blob, mac
            )
            if plaintext is None:
                report.problems.append(problem)
            else:
                sound.append((int(template_id), int(identity_id), str(name), plaintext))
        if not sealed and not reseal:
            report.problems.append(
                f"{self.where}: schema {self.version} gallery: its {len(rows)} template(s) are "
                f"not sealed; `unmask gallery check --db {self.where} --reseal` seals them"
            )
        if reseal and not report.problems:
            report.resealed = self.write_seals(sound)
            report.schema_version = SCHEMA_VERSION
        return report

    def write_seals(self, rows: list[tuple[int, int, str, bytes]]) -> int:
        """Seal and encrypt every row, and bring the meta to the current schema."""
        key, encryption = self.key, self.template_key
        meta = {
            "schema_version": str(SCHEMA_VERSION),
            "mac_key_id": key_id(key),
            "enc_key_id": template_crypto.fingerprint(encryption),
            "gallery_id": self.meta.get("gallery_id") or uuid.uuid4().hex,
            "generation": self.meta.get("generation", "0"),
            "templates": str(len(rows)),
        }
        with self.transaction():
            if self.version < FIRST_SEALED_VERSION:
                self.connection.execute(
                    "ALTER TABLE templates ADD COLUMN mac BLOB NOT NULL DEFAULT x''"
                )
            self.connection.executemany(
                "UPDATE templates SET embedding = ?, mac = ? WHERE id = ?",
                [
                    (
                        template_crypto.encrypt(encryption, identity_id, plaintext),
                        seal(key, identity_id, name, plaintext),
                        template_id,
                    )
                    for template_id, identity_id, name, plaintext in rows
                ],
            )
            self.connection.executemany(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                list(meta.items()),
            )
            self.meta.update(meta)
            self.bump_generation()
        self.after_erase()  # the plaintext pages leave the WAL and the file now
        self.cache = None
        return len(rows)

    @guarded
    def reencrypt(self, new_key: bytes) -> int:
        """Re-encrypt every template under `new_key` in one transaction (each row's tag and
        seal checked first); the ANN index, when in sync, is re-saved under the new key."""
        self.sealing_key()
        old = self.writing_keys()[1]
        index = self.ann or self.load_index_file(old)
        with self.transaction():
            rows = list(self.checked_rows())
            self.connection.executemany(
                "UPDATE templates SET embedding = ? WHERE id = ?",
                [
                    (template_crypto.encrypt(new_key, identity_id, plaintext), template_id)
                    for template_id, identity_id, _, plaintext in rows
                ],
            )
            self.connection.execute(
                "UPDATE meta SET value = ? WHERE key = 'enc_key_id'",
                (template_crypto.fingerprint(new_key),),
            )
            stamp = self.bump_generation()
        self.after_erase()  # pages under the old key leave the WAL and the file now
        self.meta["enc_key_id"] = template_crypto.fingerprint(new_key)
        self.cached_template_key = new_key
        self.cache = None
        self.ann = None
        if (
            stamp is not None
            and index is not None
            and index.stamp.generation == stamp.generation - 1
        ):
            index.stamp = stamp
            self.ann = index
            self.save_index_file(index, new_key)
        else:
            self.drop_index_file()
        return len(rows)


class transaction:
    """BEGIN ... COMMIT, rolled back on any error: a half-done write never lands."""

    def __init__(self, connection: Any, begin: str = "BEGIN IMMEDIATE") -> None:
        self.connection = connection
        self.begin = begin

    def __enter__(self) -> Any:
        self.connection.execute(self.begin)
        return self.connection

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.connection.execute("ROLLBACK" if kind is not None else "COMMIT")
