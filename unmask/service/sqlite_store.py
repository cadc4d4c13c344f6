"""One SQLite transaction for the service's small stores (the audit log, the lockouts)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from unmask.errors import UnmaskError


@contextmanager
def sqlite_transaction(
    path: Path,
    store: str,
    error: type[UnmaskError],
    *,
    write: bool,
    schema: Callable[[sqlite3.Connection], None],
    durable: bool = False,
) -> Iterator[sqlite3.Connection]:
    """A write transaction (BEGIN IMMEDIATE, so the schema is made inside it without a race) or
    a read one (a consistent snapshot that never queues behind a writer). Every SQLite failure
    becomes `error`, naming the file and the store; `durable` syncs each commit to disk."""
    try:
        connection = sqlite3.connect(path, timeout=30.0, isolation_level=None)
    except sqlite3.Error as exc:
        raise error(f"{path}: cannot open the {store} ({exc})") from exc
    try:
        if durable:
            connection.execute("PRAGMA synchronous = FULL")
        connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        if write:
            schema(connection)
        yield connection
        connection.execute("COMMIT")
    except BaseException as exc:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise error(f"{path}: {store} failure ({exc})") from exc
        raise
    finally:
        connection.close()
