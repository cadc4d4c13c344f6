"""The gallery in PostgreSQL, with pgvector's HNSW index doing the approximate search.

Why the same class as the SQLite gallery: enrol, identify, verify, list, rename, remove, check,
import and key rotation must behave identically whatever stores the rows, so this subclass only
replaces what differs: connecting, the schema, transactions, and where candidates come from.
The shared SQL is written with `?` placeholders and ON CONFLICT clauses that both engines take;
`PgConnection` turns the placeholders into psycopg's.

Everything lives in the PostgreSQL schema `unmask` of the database the URL names, so a
database with other tables is never touched. Templates are encrypted and sealed exactly as in
SQLite, and a `vector` column holds the plaintext descriptor for pgvector, which cannot index
ciphertext (docs/gallery.md, "Encryption and the indexes"). Candidates from that index are
re-read, their tag and seal checked, and their distance recomputed from the sealed bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np
from numpy.typing import NDArray

from unmask.errors import (
    DatabaseUnavailableError,
    GalleryError,
    IncompatibleGalleryError,
    UnmaskError,
)
from unmask.identity.ann import ANN_THRESHOLD, AnnIndex
from unmask.identity.embedder import EMBEDDING_SIZE
from unmask.identity.gallery import Gallery, guarded, transaction

PG_SCHEMA = "unmask"
CONNECT_TIMEOUT_S = 5
# pgvector's search breadth; at least the candidates asked for (at most 1000). Wider than
# usearch's: pgvector's graph has 16 links a node (its default `m`), and at 1M isotropic
# simulated templates it reached recall 0.935 at 256 and 0.970 at 512 (docs/gallery.md).
EF_SEARCH = 512

SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE identities (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created DOUBLE PRECISION NOT NULL
);
CREATE TABLE templates (
    id BIGSERIAL PRIMARY KEY,
    identity_id BIGINT NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
    embedding BYTEA NOT NULL,
    source TEXT NOT NULL,
    quality DOUBLE PRECISION,
    created DOUBLE PRECISION NOT NULL,
    mac BYTEA NOT NULL,
    vector vector({EMBEDDING_SIZE}) NOT NULL
);
CREATE INDEX templates_by_identity ON templates(identity_id);
CREATE INDEX templates_hnsw ON templates USING hnsw (vector vector_l2_ops)
    WITH (m = 16, ef_construction = 128)
"""


def is_postgres_url(db: object) -> bool:
    return isinstance(db, str) and db.startswith(("postgresql://", "postgres://"))


def redacted(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}{host}{port}"))


def vector_text(vector: NDArray[np.float32]) -> str:
    """pgvector's text form; repr of each float32 as a double is exact."""
    return "[" + ",".join(repr(float(x)) for x in vector) + "]"


class PgConnection:
    """A psycopg connection that takes the gallery's SQLite-style SQL (`?` placeholders)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        return self.connection.execute(sql.replace("?", "%s"), tuple(parameters))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        cursor = self.connection.cursor()
        cursor.executemany(sql.replace("?", "%s"), list(rows))
        return cursor

    def close(self) -> None:
        self.connection.close()


class PostgresGallery(Gallery):
    """A gallery in the PostgreSQL database `url` names (`postgresql://user@host/db`)."""

    kind = "a PostgreSQL database"

    def __init__(
        self,
        url: str,
        *,
        create: bool = False,
        data_dir: Any = None,
        ann_threshold: int = ANN_THRESHOLD,
        search_breadth: int = EF_SEARCH,
    ) -> None:
        try:
            import psycopg
        except ImportError:
            raise GalleryError(
                "PostgreSQL galleries need the driver: pip install 'unmask[postgres]'"
            ) from None
        self.psycopg = psycopg
        self.url = url
        self.where = redacted(url)
        self.driver_errors = (psycopg.Error, ValueError, TypeError, UnicodeDecodeError)
        self.setup(data_dir, ann_threshold, search_breadth)
        self.connection = self.connect()
        try:
            self.open(create)
        except BaseException:
            self.connection.close()
            raise

    def failure(self, exc: Exception) -> UnmaskError:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if isinstance(exc, self.psycopg.OperationalError | self.psycopg.InterfaceError):
            return DatabaseUnavailableError(
                f"{self.where}: PostgreSQL is unreachable or went away ({text}); nothing was "
                "written; retry when the server is up"
            )
        return GalleryError(f"{self.where}: database error ({text})")

    def connect(self) -> PgConnection:  # type: ignore[override]
        try:
            connection = self.psycopg.connect(
                self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
            )
        except self.psycopg.Error as exc:
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DatabaseUnavailableError(
                f"{self.where}: cannot reach PostgreSQL ({text}); is the server running?"
            ) from None
        wrapped = PgConnection(connection)
        try:
            wrapped.execute(f"SET search_path TO {PG_SCHEMA}, public")
            wrapped.execute(f"SET hnsw.ef_search = {int(self.search_breadth)}")
        except self.psycopg.Error as exc:
            connection.close()
            raise self.failure(exc) from exc
        return wrapped

    def writable(self) -> bool:
        return True

    def tables(self) -> set[str]:
        rows = self.connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
            (PG_SCHEMA,),
        ).fetchall()
        return {str(row[0]) for row in rows}

    def create_schema(self) -> None:
        """Create the extension, the schema and the tables; an advisory lock makes concurrent
        first enrolments create them once."""
        try:
            self.connection.execute("CREATE EXTENSION IF NOT EXISTS vector")
        except self.psycopg.Error as exc:
            raise IncompatibleGalleryError(
                f"{self.where}: the pgvector extension is not available on this server "
                f"({str(exc).strip().splitlines()[0]}); install pgvector"
            ) from None
        self.connection.execute(f"CREATE SCHEMA IF NOT EXISTS {PG_SCHEMA}")
        self.write_schema(SCHEMA)

    def transaction(self) -> transaction:
        return transaction(self.connection, "BEGIN")

    def lock_schema(self) -> None:
        self.connection.execute("SELECT pg_advisory_xact_lock(hashtext('unmask-gallery'))")

    def open(self, create: bool) -> None:
        if not self.tables() and not create:
            raise IncompatibleGalleryError(
                f"{self.where}: no unmask gallery in this database; `unmask enroll` creates one"
            )
        super().open(create)

    def quick_check(self) -> None:
        """The server keeps its own pages and foreign keys sound; nothing to check here."""

    def integrity_problems(self) -> list[str]:
        return []

    def foreign_key_problems(self) -> list[str]:
        return []

    def change_marker(self) -> int | None:
        return None

    def after_erase(self) -> None:
        """PostgreSQL keeps dead rows until VACUUM reuses their space (docs/gallery.md)."""

    def insert_templates(
        self,
        rows: Sequence[tuple[NDArray[np.float32], int, bytes, str, float | None, float, bytes]],
    ) -> list[int]:
        """One pipelined executemany (a round trip per batch, not per row), ids returned."""
        cursor = self.connection.connection.cursor()
        cursor.executemany(
            "INSERT INTO templates(identity_id, embedding, source, quality, created, mac, vector) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s::vector) RETURNING id",
            [(*row, vector_text(vector)) for vector, *row in rows],
            returning=True,
        )
        ids = []
        while True:
            ids.append(int(cursor.fetchone()[0]))
            if not cursor.nextset():
                return ids

    @guarded
    def candidates(self, probe: NDArray[np.float32], count: int) -> NDArray[np.int64]:
        """Row ids nearest the probe by pgvector's HNSW index (L2)."""
        rows = self.connection.execute(
            "SELECT id FROM templates ORDER BY vector <-> ?::vector LIMIT ?",
            (vector_text(probe), int(count)),
        ).fetchall()
        return np.array([int(row[0]) for row in rows], dtype=np.int64)

    def load_index_file(self, key: bytes | None) -> AnnIndex | None:
        return None

    def save_index_file(self, index: AnnIndex, key: bytes | None) -> None:
        """pgvector's index lives in the database, kept in sync by its transactions."""

    def drop_index_file(self) -> None:
        """No index file beside a PostgreSQL gallery."""
