"""The tamper-evident audit log: every decision the service makes, in a keyed hash chain.

`audit.sqlite` in the data folder holds one row per decision (enrol, remove, rename, identify,
verify, liveness, challenge): when, which key, what, about whom, and the result. Each row's
`mac` is HMAC-SHA256, keyed by the data folder's `audit.key`, over the row's canonical JSON
and the previous row's `mac`. A `head` row holds the count and the last `mac` under its own
HMAC, written in the same transaction as the record.

`verify` walks the chain and names the first bad record:
- an edited field (any byte of time, key, action, subject or result): its MAC fails;
- a deleted record: the sequence skips a number and the next record's link fails;
- reordered records: each MAC covers its sequence number and its predecessor, so both fail;
- records cut from the end: the head says more records were written than are there;
- a whole chain rewritten without the data folder's key: every MAC fails.

Not detected: anyone holding `audit.key` can rewrite the whole chain and its head; and a
restored older copy of the whole file (with its own head) is consistent. Copy the head that
`unmask audit verify --json` prints to somewhere the host cannot rewrite (a syslog server,
a ticket) to catch the latter.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import struct
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unmask.datadir import secret
from unmask.errors import UnmaskError
from unmask.service.sqlite_store import sqlite_transaction

AUDIT_FILE = "audit.sqlite"
GENESIS = hashlib.sha256(b"unmask-audit-v1 genesis").digest()


class AuditError(UnmaskError):
    """The audit log cannot be written or read, or fails its chain."""


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    at: float
    key_id: str
    action: str
    subject: str
    result: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.at)),
            "key_id": self.key_id,
            "action": self.action,
            "subject": self.subject,
            "result": self.result,
        }


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    records: int
    first_bad: int | None
    reason: str | None
    head: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "records": self.records,
            "first_bad": self.first_bad,
            "reason": self.reason,
            "head": self.head,
        }


def canonical(
    seq: int, at: float, key_id: str, action: str, subject: str, result_json: str
) -> bytes:
    return json.dumps(
        [seq, repr(at), key_id, action, subject, result_json],
        separators=(",", ":"),
        ensure_ascii=True,
    ).encode()


def record_mac(key: bytes, previous: bytes, body: bytes) -> bytes:
    return hmac.new(key, b"unmask-audit-record\0" + previous + body, hashlib.sha256).digest()


def head_mac(key: bytes, count: int, last: bytes) -> bytes:
    message = b"unmask-audit-head\0" + struct.pack(">Q", count) + last
    return hmac.new(key, message, hashlib.sha256).digest()


class AuditLog:
    """The audit chain of one data folder; safe for several threads and processes."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / AUDIT_FILE

    @property
    def key(self) -> bytes:
        return secret(self.data_dir, "audit")

    @contextmanager
    def transaction(self, *, create: bool) -> Iterator[sqlite3.Connection]:
        """A write transaction when creating or appending; a read one (a consistent snapshot
        of records and head, without the write lock) otherwise."""
        if not create and not self.path.exists():
            raise AuditError(f"{self.path}: no audit log there (the service writes it)")
        with sqlite_transaction(
            self.path, "audit log", AuditError, write=create, schema=self.create, durable=True
        ) as connection:
            yield connection

    def create(self, connection: sqlite3.Connection) -> None:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS records (seq INTEGER PRIMARY KEY, at REAL NOT NULL, "
            "key_id TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL, "
            "result TEXT NOT NULL, mac BLOB NOT NULL)"
        )
        connection.execute(
            "CREATE TABLE IF NOT EXISTS head (id INTEGER PRIMARY KEY CHECK (id = 1), "
            "count INTEGER NOT NULL, last BLOB NOT NULL, mac BLOB NOT NULL)"
        )
        connection.execute(
            "INSERT OR IGNORE INTO head (id, count, last, mac) VALUES (1, 0, ?, ?)",
            (GENESIS, head_mac(self.key, 0, GENESIS)),
        )

    def ensure(self) -> None:
        """Create the log (and its head) if it is not there yet."""
        with self.transaction(create=True):
            pass
        self.path.chmod(0o600)

    def append(
        self, key_id: str, action: str, subject: str, result: Mapping[str, Any]
    ) -> AuditRecord:
        """Record one decision, chained to the last record, in one transaction with the head."""
        key = self.key
        result_json = json.dumps(dict(result), sort_keys=True, separators=(",", ":"))
        with self.transaction(create=True) as connection:
            count, last = connection.execute("SELECT count, last FROM head WHERE id = 1").fetchone()
            seq, at = int(count) + 1, time.time()
            body = canonical(seq, at, key_id, action, subject, result_json)
            mac = record_mac(key, bytes(last), body)
            connection.execute(
                "INSERT INTO records (seq, at, key_id, action, subject, result, mac) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (seq, at, key_id, action, subject, result_json, mac),
            )
            connection.execute(
                "UPDATE head SET count = ?, last = ?, mac = ? WHERE id = 1",
                (seq, mac, head_mac(key, seq, mac)),
            )
        return AuditRecord(seq, at, key_id, action, subject, json.loads(result_json))

    def records(
        self, *, after: int = 0, limit: int = 100, action: str | None = None
    ) -> list[AuditRecord]:
        """Records after sequence number `after`, oldest first (read as stored: `verify` says
        whether to trust them)."""
        query = "SELECT seq, at, key_id, action, subject, result FROM records WHERE seq > ?"
        values: list[Any] = [after]
        if action is not None:
            query += " AND action = ?"
            values.append(action)
        query += " ORDER BY seq LIMIT ?"
        values.append(limit)
        with self.transaction(create=False) as connection:
            rows = connection.execute(query, values).fetchall()
        found = []
        for seq, at, key_id, act, subject, result in rows:
            try:
                decoded = json.loads(result)
            except (TypeError, ValueError):
                decoded = {"unreadable": str(result)[:200]}
            found.append(AuditRecord(seq, at, key_id, act, subject, decoded))
        return found

    def verify(self) -> ChainReport:
        """Walk the whole chain; the first bad record and why, or ok."""
        key = self.key
        with self.transaction(create=False) as connection:
            head = connection.execute("SELECT count, last, mac FROM head WHERE id = 1").fetchone()
            rows = connection.execute(
                "SELECT seq, at, key_id, action, subject, result, mac FROM records ORDER BY seq"
            ).fetchall()
        if head is None:
            return ChainReport(False, len(rows), None, "the head record is missing", None)
        count, last_head, mac_head = int(head[0]), bytes(head[1]), bytes(head[2])
        if not hmac.compare_digest(mac_head, head_mac(key, count, last_head)):
            return ChainReport(
                False,
                len(rows),
                None,
                "the head fails its MAC (edited, or another data folder's key)",
                None,
            )
        previous = GENESIS
        for expected, (seq, at, key_id, action, subject, result, mac) in enumerate(rows, 1):
            bad = self.problem(
                key, expected, previous, seq, at, key_id, action, subject, result, mac
            )
            if bad is not None:
                return ChainReport(False, len(rows), expected, bad, None)
            previous = bytes(mac)
        if len(rows) < count:
            return ChainReport(
                False,
                len(rows),
                len(rows) + 1,
                f"record {len(rows) + 1}: missing: the head says {count} records were written, "
                f"{len(rows)} are there (cut from the end)",
                None,
            )
        if len(rows) > count or not hmac.compare_digest(previous, last_head):
            return ChainReport(
                False,
                len(rows),
                count + 1,
                f"record {count + 1}: after the recorded head (added)",
                None,
            )
        return ChainReport(True, len(rows), None, None, f"{count}:{previous.hex()}")

    @staticmethod
    def problem(
        key: bytes,
        expected: int,
        previous: bytes,
        seq: Any,
        at: Any,
        key_id: Any,
        action: Any,
        subject: Any,
        result: Any,
        mac: Any,
    ) -> str | None:
        if seq != expected:
            return f"record {expected}: missing (the next stored record is {seq}): deleted"
        try:
            body = canonical(
                int(seq), float(at), str(key_id), str(action), str(subject), str(result)
            )
        except (TypeError, ValueError):
            return f"record {expected}: unreadable fields: altered"
        if not isinstance(mac, bytes) or not hmac.compare_digest(
            mac, record_mac(key, previous, body)
        ):
            return f"record {expected}: fails its MAC: edited, or moved from another place in the chain"
        return None
