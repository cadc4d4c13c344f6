"""Templates encrypted at rest: no plaintext in the file, the key from the environment or the
data folder, a wrong key named (exit 10), schema 2 galleries read and upgraded, and the
`unmask keys rotate-template-key` command."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from unmask.cli.main import main
from unmask.errors import IncompatibleGalleryError, InputError
from unmask.identity import Gallery, Template, identify
from unmask.identity.embedder import EMBEDDER_NAME
from unmask.identity.gallery import APPLICATION, key_id, seal
from unmask.identity.template_crypto import ENV_KEY, ENV_NEW_KEY, key_file

SCHEMA_2 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE identities (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created REAL NOT NULL);
CREATE TABLE templates (
    id INTEGER PRIMARY KEY,
    identity_id INTEGER NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
    embedding BLOB NOT NULL, source TEXT NOT NULL, quality REAL, created REAL NOT NULL,
    mac BLOB NOT NULL
);
"""


def vector(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 0.09, 128).astype(np.float32)


def test_the_file_holds_no_plaintext_template(tmp_path: Path) -> None:
    path = tmp_path / "g.sqlite"
    with Gallery(path, create=True) as gallery:
        gallery.enroll("ada", [Template(vector(1), "a.jpg")])
        gallery.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert identify(vector(1), gallery)[0].distance == 0.0
    assert vector(1).tobytes()[:16] not in path.read_bytes()


def test_the_environment_key_is_used_and_a_wrong_key_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "g.sqlite"
    monkeypatch.setenv(ENV_KEY, "ab" * 32)
    with Gallery(path, create=True) as gallery:
        gallery.enroll("ada", [Template(vector(1), "a.jpg")])
    monkeypatch.setenv(ENV_KEY, "cd" * 32)
    with (
        Gallery(path) as gallery,
        pytest.raises(IncompatibleGalleryError, match="another template"),
    ):
        identify(vector(1), gallery)
    monkeypatch.setenv(ENV_KEY, "not hex")
    with Gallery(path) as gallery, pytest.raises(InputError, match=ENV_KEY):
        identify(vector(1), gallery)
    monkeypatch.setenv(ENV_KEY, "ab" * 32)
    monkeypatch.setenv(ENV_NEW_KEY, "ef" * 32)
    assert main(["keys", "rotate-template-key", "--db", str(path)]) == 0
    monkeypatch.setenv(ENV_KEY, "ef" * 32)
    with Gallery(path) as gallery:
        assert identify(vector(1), gallery)[0].identity == "ada"


def make_schema_2(path: Path, data_dir: Path) -> None:
    with Gallery(tmp := path.with_suffix(".tmp"), create=True, data_dir=data_dir) as gallery:
        mac_key = gallery.key  # the data folder's MAC key, as a schema 2 writer used it
    tmp.unlink()
    blob = vector(5).tobytes()
    with sqlite3.connect(path) as connection:
        connection.executescript(SCHEMA_2)
        connection.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [
                ("application", APPLICATION),
                ("schema_version", "2"),
                ("embedder", EMBEDDER_NAME),
                ("mac_key_id", key_id(mac_key)),
            ],
        )
        connection.execute("INSERT INTO identities VALUES (1, 'ada', 0)")
        connection.execute(
            "INSERT INTO templates VALUES (1, 1, ?, 'a.jpg', NULL, 0, ?)",
            (blob, seal(mac_key, 1, "ada", blob)),
        )


def test_a_schema_2_gallery_is_read_and_encrypted_by_reseal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home, path = tmp_path / "home", tmp_path / "old.sqlite"
    make_schema_2(path, home)
    with Gallery(path, data_dir=home) as gallery:
        assert identify(vector(5), gallery)[0].identity == "ada"
        with pytest.raises(IncompatibleGalleryError, match=r"unencrypted.*--reseal"):
            gallery.enroll("bob", [Template(vector(6), "b.jpg")])
    capsys.readouterr()
    assert main(["gallery", "check", "--db", str(path), "--reseal", "--data-dir", str(home)]) == 0
    with Gallery(path, data_dir=home) as gallery:
        assert gallery.version == 3 and gallery.check().ok
        gallery.enroll("bob", [Template(vector(6), "b.jpg")])
        assert identify(vector(5), gallery)[0].identity == "ada"
        gallery.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert vector(5).tobytes()[:16] not in path.read_bytes()


def test_rotate_key_command_replaces_the_data_folders_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home, path = tmp_path / "home", tmp_path / "g.sqlite"
    with Gallery(path, create=True, data_dir=home) as gallery:
        gallery.enroll("ada", [Template(vector(1), "a.jpg"), Template(vector(2), "b.jpg")])
    old = key_file(home).read_bytes()
    capsys.readouterr()
    assert main(["keys", "rotate-template-key", "--db", str(path), "--data-dir", str(home)]) == 0
    assert "re-encrypted 2 templates" in capsys.readouterr().out
    assert key_file(home).read_bytes() != old
    key_file(home).write_bytes(old)  # the retired key no longer opens it
    code = main(["gallery", "list", "--db", str(path), "--data-dir", str(home)])
    assert code == IncompatibleGalleryError.exit_code
    assert "another template key" in capsys.readouterr().err
