"""API keys: who may call the service, with which role.

Keys live hashed in `keys.sqlite` of the data folder, so a copy of the folder does not hand
out working keys. A key is `umk_<id>_<secret>`: the id is public (it names the key in the audit
log and in `unmask keys list`), the secret has 256 random bits, so one SHA-256 is enough (no
slow hash is needed against guessing a random 256-bit value). The full key is shown once, when
it is made. Every call opens its own connection, so the CLI can add or revoke a key while the
service runs and the service sees it on the next request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from unmask.errors import InputError, UnmaskError

Role = Literal["viewer", "operator", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "operator", "admin")
RANK = {role: rank for rank, role in enumerate(ROLES)}
KEY_FILE = "keys.sqlite"
PREFIX = "umk"


class KeyStoreError(UnmaskError):
    """The key store cannot be read or written."""


@dataclass(frozen=True)
class Principal:
    """The caller a key stands for."""

    key_id: str
    role: Role

    def may(self, role: Role) -> bool:
        """Roles nest: admin may everything an operator may, an operator what a viewer may."""
        return RANK[self.role] >= RANK[role]


@dataclass(frozen=True)
class KeyRecord:
    id: str
    role: Role
    created: float
    revoked: float | None
    label: str

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "role": self.role,
            "created": self.created,
            "revoked": self.revoked,
            "label": self.label,
        }


def digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def new_key() -> tuple[str, str]:
    """A fresh (id, key)."""
    key_id = secrets.token_hex(6)
    return key_id, f"{PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"


def parse(key: str) -> str | None:
    """The key's public id, or None when it is not shaped like one of ours."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1]


class KeyStore:
    """The keys of one data folder."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / KEY_FILE

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        try:
            connection = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        except sqlite3.Error as exc:
            raise KeyStoreError(f"{self.path}: cannot open the key store ({exc})") from exc
        try:
            connection.execute(
                "CREATE TABLE IF NOT EXISTS keys (id TEXT PRIMARY KEY, role TEXT NOT NULL, "
                "hash BLOB NOT NULL, created REAL NOT NULL, revoked REAL, label TEXT NOT NULL)"
            )
            yield connection
        except sqlite3.Error as exc:
            raise KeyStoreError(f"{self.path}: key store failure ({exc})") from exc
        finally:
            connection.close()

    def add(self, role: str, label: str = "") -> tuple[KeyRecord, str]:
        """A new key of this role: its record and the full key (shown once, never stored)."""
        if role not in RANK:
            raise InputError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
        key_id, key = new_key()
        record = KeyRecord(key_id, role, time.time(), None, label)
        with self.connect() as connection:
            connection.execute(
                "INSERT INTO keys (id, role, hash, created, revoked, label) VALUES (?, ?, ?, ?, NULL, ?)",
                (key_id, role, digest(key), record.created, label),
            )
        self.path.chmod(0o600)
        return record, key

    def bootstrap_admin(self) -> str | None:
        """On first start, one admin key (returned, to be printed once); None when any key
        exists already, revoked ones included, so a restart never mints another."""
        with self.connect() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                exists = connection.execute("SELECT 1 FROM keys LIMIT 1").fetchone()
                if exists:
                    return None
                key_id, key = new_key()
                connection.execute(
                    "INSERT INTO keys (id, role, hash, created, revoked, label) VALUES (?, 'admin', ?, ?, NULL, ?)",
                    (key_id, digest(key), time.time(), "first start"),
                )
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        self.path.chmod(0o600)
        return key

    def records(self) -> list[KeyRecord]:
        with self.connect() as connection:
            rows = connection.execute(
                "SELECT id, role, created, revoked, label FROM keys ORDER BY created"
            ).fetchall()
        return [KeyRecord(*row) for row in rows]

    def revoke(self, key_id: str) -> KeyRecord:
        with self.connect() as connection:
            changed = connection.execute(
                "UPDATE keys SET revoked = ? WHERE id = ? AND revoked IS NULL",
                (time.time(), key_id),
            ).rowcount
            row = connection.execute(
                "SELECT id, role, created, revoked, label FROM keys WHERE id = ?", (key_id,)
            ).fetchone()
        if row is None:
            raise InputError(f"no key with id {key_id!r}; `unmask keys list` shows them")
        if not changed:
            raise InputError(f"key {key_id} was already revoked")
        return KeyRecord(*row)

    def authenticate(self, key: str) -> Principal | None:
        """The principal of a live key, or None (unknown, malformed, revoked)."""
        key_id = parse(key)
        if key_id is None:
            return None
        with self.connect() as connection:
            row = connection.execute(
                "SELECT role, hash FROM keys WHERE id = ? AND revoked IS NULL", (key_id,)
            ).fetchone()
        if row is None or not hmac.compare_digest(bytes(row[1]), digest(key)):
            return None
        return Principal(key_id, row[0])
