"""Lockout: repeated attack verdicts lock the identity they claimed, or the key that sent them.

An attacker probing the liveness check tries presentation after presentation; each attempt
that is caught is an `attack` verdict. After `attacks` of them within `window_seconds`, the
claimed identity (on verify) and the key (on every decision) are locked until an admin
unlocks them, so the attacker cannot keep tuning a replay against the same door.
State lives in `lockout.sqlite` of the data folder (so `unmask keys unlock` and the service
agree); each change is one immediate transaction.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from unmask.errors import InputError, LockedOutError, UnmaskError
from unmask.service.sqlite_store import sqlite_transaction

Kind = Literal["identity", "key"]
KINDS: tuple[Kind, ...] = ("identity", "key")
LOCK_FILE = "lockout.sqlite"


@dataclass(frozen=True)
class Lock:
    kind: Kind
    subject: str
    since: float
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "since": self.since,
            "reason": self.reason,
        }


class LockoutStore:
    """Attack verdicts per subject and the locks they caused."""

    def __init__(self, data_dir: Path, attacks: int, window_seconds: float) -> None:
        self.path = Path(data_dir) / LOCK_FILE
        self.attacks = attacks
        self.window = window_seconds

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction; a read takes no write lock, so checking a lock on every request
        never queues behind a writer."""
        with sqlite_transaction(
            self.path, "lockout store", UnmaskError, write=write, schema=self.create
        ) as connection:
            yield connection

    @staticmethod
    def create(connection: sqlite3.Connection) -> None:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS attacks (kind TEXT NOT NULL, subject TEXT NOT NULL, at REAL NOT NULL)"
        )
        connection.execute(
            "CREATE TABLE IF NOT EXISTS locks (kind TEXT NOT NULL, subject TEXT NOT NULL, "
            "since REAL NOT NULL, reason TEXT NOT NULL, PRIMARY KEY (kind, subject))"
        )

    def ensure(self) -> None:
        """Create the store if it is not there yet (reads then never need a write)."""
        with self.transaction():
            pass

    def record_attack(self, kind: Kind, subject: str, now: float | None = None) -> Lock | None:
        """Count one attack verdict; the new lock when this one reaches the limit."""
        at = time.time() if now is None else now
        with self.transaction() as connection:
            connection.execute(
                "INSERT INTO attacks (kind, subject, at) VALUES (?, ?, ?)", (kind, subject, at)
            )
            connection.execute(
                "DELETE FROM attacks WHERE kind = ? AND subject = ? AND at < ?",
                (kind, subject, at - self.window),
            )
            count = connection.execute(
                "SELECT COUNT(*) FROM attacks WHERE kind = ? AND subject = ?", (kind, subject)
            ).fetchone()[0]
            if count < self.attacks or self.lock_of(connection, kind, subject):
                return None
            lock = Lock(
                kind,
                subject,
                at,
                f"{count} attack verdicts within {self.window:g} s",
            )
            connection.execute(
                "INSERT INTO locks (kind, subject, since, reason) VALUES (?, ?, ?, ?)",
                (kind, subject, lock.since, lock.reason),
            )
            return lock

    @staticmethod
    def lock_of(connection: sqlite3.Connection, kind: str, subject: str) -> Lock | None:
        row = connection.execute(
            "SELECT kind, subject, since, reason FROM locks WHERE kind = ? AND subject = ?",
            (kind, subject),
        ).fetchone()
        return Lock(*row) if row else None

    def check(self, kind: Kind, subject: str) -> None:
        """LockedOutError (exit 15, HTTP 423) when the subject is locked."""
        with self.transaction(write=not self.path.exists()) as connection:
            lock = self.lock_of(connection, kind, subject)
        if lock is not None:
            when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(lock.since))
            raise LockedOutError(
                f"{kind} {subject!r} is locked since {when}: {lock.reason}; "
                f"an admin unlocks it (unmask keys unlock --{kind} {subject})"
            )

    def unlock(self, kind: Kind, subject: str) -> Lock:
        """Lift a lock and forget the attacks that caused it."""
        with self.transaction() as connection:
            lock = self.lock_of(connection, kind, subject)
            if lock is None:
                raise InputError(f"{kind} {subject!r} is not locked")
            connection.execute("DELETE FROM locks WHERE kind = ? AND subject = ?", (kind, subject))
            connection.execute(
                "DELETE FROM attacks WHERE kind = ? AND subject = ?", (kind, subject)
            )
        return lock

    def locks(self) -> list[Lock]:
        with self.transaction(write=not self.path.exists()) as connection:
            rows = connection.execute(
                "SELECT kind, subject, since, reason FROM locks ORDER BY since"
            ).fetchall()
        return [Lock(*row) for row in rows]
