"""Template encryption at rest: AES-256-GCM under the template key.

Why encrypt when every row is already sealed: the seal proves where a template belongs, but a
copied gallery file still hands out everyone's face descriptors, which are biometric data.
Why GCM: one primitive gives secrecy and a tag, so a flipped byte in a stored template is
caught and named on read instead of decrypting to a slightly different face.

The key is 32 bytes: `UNMASK_TEMPLATE_KEY` (64 hex digits) when set, else the data folder's
`template-enc.key`, made on first use (0600). The ciphertext's associated data is the
template's identity row id, so a ciphertext moved to another identity does not decrypt.
Stored form: nonce (12 bytes) || ciphertext || tag (16 bytes).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from unmask.datadir import SECRET_BYTES, read_secret, resolve_data_dir, secret
from unmask.errors import InputError

ENV_KEY = "UNMASK_TEMPLATE_KEY"
ENV_NEW_KEY = "UNMASK_NEW_TEMPLATE_KEY"
KEY_SECRET = "template-enc"
PENDING_SUFFIX = ".pending"
NONCE_BYTES = 12
TAG_BYTES = 16
AAD_DOMAIN = b"unmask-template-v3\0"


def key_from_hex(text: str, origin: str) -> bytes:
    try:
        value = bytes.fromhex(text.strip())
    except ValueError:
        raise InputError(f"{origin} is not hex; it must be 64 hex digits (32 bytes)") from None
    if len(value) != SECRET_BYTES:
        raise InputError(f"{origin} holds {len(value)} bytes; it must be 32 (64 hex digits)")
    return value


def key_file(data_dir: str | Path | None) -> Path:
    return resolve_data_dir(data_dir) / f"{KEY_SECRET}.key"


def template_key(data_dir: str | Path | None = None) -> bytes:
    """The key templates are encrypted with: the environment's, else the data folder's."""
    if os.environ.get(ENV_KEY):
        return key_from_hex(os.environ[ENV_KEY], ENV_KEY)
    return secret(resolve_data_dir(data_dir), KEY_SECRET)


def pending_key(data_dir: str | Path | None) -> bytes | None:
    """The new key of a rotation that has not finished (written before any gallery changed)."""
    path = Path(f"{key_file(data_dir)}{PENDING_SUFFIX}")
    return read_secret(path) if path.exists() else None


def fingerprint(key: bytes) -> str:
    """A public id of the key, stored in the gallery so a wrong key is named, not mistaken
    for tampering."""
    return hmac.new(key, b"unmask-template-key-id", hashlib.sha256).hexdigest()[:16]


def associated_data(identity_id: int) -> bytes:
    return AAD_DOMAIN + int(identity_id).to_bytes(8, "big", signed=True)


@functools.lru_cache(maxsize=4)
def cipher(key: bytes) -> AESGCM:
    """One cipher object per key: making one costs more than decrypting a template."""
    return AESGCM(key)


def encrypt_blob(key: bytes, aad: bytes, plaintext: bytes) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + cipher(key).encrypt(nonce, plaintext, aad)


def decrypt_blob(key: bytes, aad: bytes, blob: bytes) -> bytes | None:
    """The plaintext, or None when the tag fails (altered bytes, moved row or wrong key)."""
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        return None
    try:
        return cipher(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
    except InvalidTag:
        return None


def encrypt(key: bytes, identity_id: int, plaintext: bytes) -> bytes:
    return encrypt_blob(key, associated_data(identity_id), plaintext)


def decrypt(key: bytes, identity_id: int, blob: bytes) -> bytes | None:
    return decrypt_blob(key, associated_data(identity_id), blob)


def new_key() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)


def write_pending(data_dir: str | Path | None, key: bytes) -> Path:
    """Store the next key beside the current one (0600, synced) before any gallery uses it,
    so a crash half-way through a rotation never leaves a template no key can open."""
    path = Path(f"{key_file(data_dir)}{PENDING_SUFFIX}")
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key.hex().encode())
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return path


def promote_pending(data_dir: str | Path | None) -> None:
    """Make the pending key the data folder's key (after every gallery was re-encrypted)."""
    target = key_file(data_dir)
    os.replace(Path(f"{target}{PENDING_SUFFIX}"), target)
