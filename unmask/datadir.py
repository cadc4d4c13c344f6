"""The one folder that holds what is secret or stateful beside the gallery.

API keys, the template MAC and encryption keys, the challenge HMAC secret, the store of spent
nonces and the audit chain all live here, so the CLI and a service given the same folder agree
on every secret. `--data-dir` picks it; `UNMASK_HOME` sets the default; otherwise it is the
per-user folder `~/.local/share/unmask` (or `$XDG_DATA_HOME/unmask`).
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from unmask.errors import InputError

SECRET_BYTES = 32


def resolve_data_dir(path: str | Path | None = None) -> Path:
    """The data folder to use, created (private to the user) if it does not exist yet."""
    if path is not None:
        folder = Path(path).expanduser()
    elif os.environ.get("UNMASK_HOME"):
        folder = Path(os.environ["UNMASK_HOME"]).expanduser()
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        folder = Path(base) / "unmask"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise InputError(f"cannot use data folder {folder}: {exc.strerror or exc}") from exc
    if not folder.is_dir():
        raise InputError(f"data folder {folder} is not a folder")
    return folder


def secret(data_dir: Path, name: str) -> bytes:
    """The named random secret of this data folder, made on first use.

    Created with O_EXCL and mode 0600, so two processes starting together agree on one value
    (the loser of the race reads the winner's file) and no other user can read it.
    """
    path = data_dir / f"{name}.key"
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_secret(path)
    except OSError as exc:
        raise InputError(f"cannot create secret {path}: {exc.strerror or exc}") from exc
    value = secrets.token_bytes(SECRET_BYTES)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(value.hex().encode())
        handle.flush()
        os.fsync(handle.fileno())
    return value


def read_secret(path: Path) -> bytes:
    # A racing creator may not have written its bytes yet: an empty file is retried briefly.
    for _ in range(50):
        try:
            text = path.read_text().strip()
        except OSError as exc:
            raise InputError(f"cannot read secret {path}: {exc.strerror or exc}") from exc
        if text:
            try:
                value = bytes.fromhex(text)
            except ValueError as exc:
                raise InputError(f"secret {path} is damaged (not hex)") from exc
            if len(value) != SECRET_BYTES:
                raise InputError(f"secret {path} is damaged ({len(value)} bytes, expected 32)")
            return value
        time.sleep(0.02)
    raise InputError(f"secret {path} is empty; remove it to make a new one")
