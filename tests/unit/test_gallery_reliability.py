"""The gallery under stress: concurrent creation, kill -9, damaged and tampered files, seals.

Every damaged case must end in exit 7 or 10 with one stderr line, and must leave the file as
it was; every concurrent or killed enrolment must keep every template it committed.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from unmask.cli.main import main
from unmask.errors import GalleryError, IncompatibleGalleryError, InputError
from unmask.identity import Gallery, Template, identify, verify
from unmask.identity.embedder import EMBEDDER_NAME
from unmask.identity.gallery import APPLICATION, seal
from unmask.identity.template_crypto import encrypt

LEGACY_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE identities (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created REAL NOT NULL);
CREATE TABLE templates (
    id INTEGER PRIMARY KEY,
    identity_id INTEGER NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
    embedding BLOB NOT NULL, source TEXT NOT NULL, quality REAL, created REAL NOT NULL
);
"""


def vector(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 0.09, 128).astype(np.float32)


def templates(seed: int, count: int) -> list[Template]:
    return [Template(vector(seed * 1000 + k), f"t{k}") for k in range(count)]


def two_people(path: Path) -> Path:
    with Gallery(path, create=True) as gallery:
        gallery.enroll("ada", templates(1, 2))
        gallery.enroll("bob", templates(2, 2))
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Exit code, and the one error line (or stdout; `gallery check` reports on stdout)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    if code != 0 and not captured.out:
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("unmask: error: "), captured.err
        return code, lines[0]
    return code, captured.out


def enrol_together(path: str, name: str, barrier: multiprocessing.synchronize.Barrier) -> None:
    barrier.wait()
    with Gallery(path, create=True) as gallery:
        gallery.enroll(name, templates(int(name[1:]), 10))


@pytest.mark.parametrize("existing", [False, True])
def test_concurrent_enrolments_keep_every_template(tmp_path: Path, existing: bool) -> None:
    context = multiprocessing.get_context("fork")
    for round_ in range(3):
        path = tmp_path / f"round{round_}.sqlite"
        if existing:
            Gallery(path, create=True).close()
        barrier = context.Barrier(4)
        workers = [
            context.Process(target=enrol_together, args=(str(path), f"c{i}", barrier))
            for i in range(4)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
        assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
        with Gallery(path) as gallery:
            assert gallery.matrix()[0].shape == (40, 128)
            assert gallery.check().ok


KILL_CHILD = """
import sys
import numpy as np
from unmask.identity import Gallery, Template
path = sys.argv[1]
for batch in range(10_000):
    rng = np.random.default_rng(batch)
    found = [Template(rng.normal(0, 0.09, 128).astype(np.float32), "x") for _ in range(5)]
    with Gallery(path, create=True) as gallery:
        gallery.enroll(f"p{batch}", found)
    print(batch, flush=True)
"""


def test_kill_9_during_enrolment_loses_nothing_committed(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    for trial in range(3):
        path = tmp_path / f"killed{trial}.sqlite"
        child = subprocess.Popen(
            [sys.executable, "-c", KILL_CHILD, str(path)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        committed = int(child.stdout.readline())  # started and committed at least once
        time.sleep(float(rng.uniform(0.0, 0.4)))
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        for line in child.stdout:
            committed = max(committed, int(line))
        with Gallery(path) as gallery:
            assert gallery.check().ok
            counts = {record.name: record.templates for record in gallery.identities()}
        assert all(count == 5 for count in counts.values())  # all or nothing per enrolment
        assert {f"p{batch}" for batch in range(committed + 1)} <= set(counts)


def test_schema_version_that_is_not_a_number(tmp_path: Path, capsys) -> None:
    path = two_people(tmp_path / "g.sqlite")
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE meta SET value = '1.1' WHERE key = 'schema_version'")
    before = path.read_bytes()
    code, line = run_cli(capsys, "gallery", "list", "--db", str(path))
    assert code == IncompatibleGalleryError.exit_code
    assert "schema version '1.1'" in line
    assert path.read_bytes() == before


def test_wrong_size_and_non_finite_templates_are_reported_on_read(tmp_path: Path) -> None:
    path = two_people(tmp_path / "g.sqlite")
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE templates SET embedding = zeroblob(100) WHERE id = 1")
    with Gallery(path) as gallery, pytest.raises(GalleryError, match="fails its encryption tag"):
        identify(vector(1), gallery)
    # Even a row sealed and encrypted with the right keys (a buggy writer) is refused.
    with Gallery(path) as gallery:
        identity_id = gallery.identity_id("ada")
        nan = np.full(128, np.nan, dtype=np.float32).tobytes()
        short = bytes(100)
        for template_id, blob in ((1, short), (2, nan)):
            gallery.connection.execute(
                "UPDATE templates SET embedding = ?, mac = ? WHERE id = ?",
                (
                    encrypt(gallery.template_key, identity_id, blob),
                    seal(gallery.key, identity_id, "ada", blob),
                    template_id,
                ),
            )
    with Gallery(path) as gallery:
        with pytest.raises(GalleryError, match="has 100 bytes"):
            verify(vector(1), gallery, "bob")
        problems = gallery.check().problems
    assert any("has 100 bytes" in p for p in problems)
    assert any("non-finite" in p for p in problems)


def test_non_finite_templates_are_refused_on_write(tmp_path: Path) -> None:
    with Gallery(tmp_path / "g.sqlite", create=True) as gallery:
        with pytest.raises(InputError, match="finite"):
            gallery.enroll("ada", [Template(np.full(128, np.inf, dtype=np.float32), "x")])
        assert gallery.identities() == []


def test_a_template_copied_to_another_identity_fails_verification(tmp_path: Path, capsys) -> None:
    path = two_people(tmp_path / "g.sqlite")
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO templates(identity_id, embedding, source, quality, created, mac) "
            "SELECT (SELECT id FROM identities WHERE name = 'bob'), embedding, source, quality, "
            "created, mac FROM templates WHERE id = 1"
        )
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with (
        Gallery(path) as gallery,
        pytest.raises(GalleryError, match="of 'bob' fails its encryption tag"),
    ):
        verify(vector(1000), gallery, "bob")
    before = path.read_bytes()
    code, report = run_cli(capsys, "gallery", "check", "--db", str(path))
    assert (
        code == GalleryError.exit_code and "template 5 of 'bob' fails its encryption tag" in report
    )
    code, line = run_cli(capsys, "gallery", "list", "--db", str(path))
    assert code == GalleryError.exit_code and "fails its encryption tag" in line
    with Gallery(path) as gallery, pytest.raises(GalleryError, match="fails its encryption tag"):
        gallery.enroll("carol", templates(3, 1))
    assert path.read_bytes() == before


def test_a_template_of_no_identity_is_damage(tmp_path: Path, capsys) -> None:
    path = two_people(tmp_path / "g.sqlite")
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA foreign_keys = OFF")
        connection.execute("DELETE FROM identities WHERE name = 'bob'")
    code, line = run_cli(capsys, "gallery", "list", "--db", str(path))
    assert code == GalleryError.exit_code and "of no identity" in line


def test_swapped_names_fail_their_seals(tmp_path: Path) -> None:
    path = two_people(tmp_path / "g.sqlite")
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE identities SET name = 'tmp' WHERE name = 'ada'")
        connection.execute("UPDATE identities SET name = 'ada' WHERE name = 'bob'")
        connection.execute("UPDATE identities SET name = 'bob' WHERE name = 'tmp'")
    with Gallery(path) as gallery, pytest.raises(GalleryError, match="fails its seal"):
        identify(vector(1000), gallery)


def test_rename_reseals_and_keeps_verifying(tmp_path: Path) -> None:
    path = two_people(tmp_path / "g.sqlite")
    with Gallery(path) as gallery:
        gallery.rename("ada", "ada lovelace")
        assert verify(vector(1000), gallery, "ada lovelace").match
        assert gallery.check().ok


def test_another_data_folder_is_named_not_taken_for_tampering(tmp_path: Path) -> None:
    path = two_people(tmp_path / "g.sqlite")
    with (
        Gallery(path, data_dir=tmp_path / "other-home") as gallery,
        pytest.raises(IncompatibleGalleryError, match="another data folder's key"),
    ):
        identify(vector(1), gallery)


def make_legacy(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.executescript(LEGACY_SCHEMA)
        connection.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [("application", APPLICATION), ("schema_version", "1"), ("embedder", EMBEDDER_NAME)],
        )
        connection.execute("INSERT INTO identities VALUES (1, 'ada', 0)")
        connection.execute(
            "INSERT INTO templates VALUES (1, 1, ?, 'a.jpg', NULL, 0)", (vector(5).tobytes(),)
        )


def test_schema_1_galleries_are_read_only_after_an_explicit_reseal(tmp_path: Path, capsys) -> None:
    path = tmp_path / "old.sqlite"
    make_legacy(path)
    code, listing = run_cli(capsys, "gallery", "list", "--db", str(path), "--json")
    assert code == 0 and '"ada"' in listing
    with Gallery(path) as gallery, pytest.raises(IncompatibleGalleryError, match="--reseal"):
        identify(vector(5), gallery)
    code, line = run_cli(capsys, "gallery", "check", "--db", str(path))
    assert code == GalleryError.exit_code and "not sealed" in line
    code, text = run_cli(capsys, "gallery", "check", "--db", str(path), "--reseal")
    assert code == 0 and "sealed 1 template" in text
    with Gallery(path) as gallery:
        assert gallery.version == 3
        assert identify(vector(5), gallery)[0].identity == "ada"


def flipped(source: Path, destination: Path, seed: int) -> Path:
    data = bytearray(source.read_bytes())
    rng = np.random.default_rng(seed)
    for position in rng.integers(100, len(data), 8):
        data[position] ^= int(rng.integers(1, 256))
    destination.write_bytes(bytes(data))
    return destination


@pytest.mark.parametrize("seed", range(12))
def test_byte_flips_give_a_gallery_error_or_a_sound_answer(tmp_path: Path, seed: int) -> None:
    path = two_people(tmp_path / "g.sqlite")
    with Gallery(path) as gallery:
        gallery.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damaged = flipped(path, tmp_path / "damaged.sqlite", seed)
    before = damaged.read_bytes()
    outcomes = []
    for action in ("list", "identify", "enroll"):
        try:
            with Gallery(damaged, create=action == "enroll") as gallery:
                if action == "list":
                    gallery.identities()
                elif action == "identify":
                    identify(vector(1000), gallery)
                else:
                    gallery.enroll("carol", templates(3, 1))
            outcomes.append("ok")
        except GalleryError as exc:
            assert len(str(exc).splitlines()) == 1
            outcomes.append(type(exc).__name__)
    if outcomes[1] != "ok":  # a gallery that cannot answer is never written into
        assert outcomes[2] != "ok"
        assert damaged.read_bytes() == before


def test_empty_and_foreign_files_are_never_given_a_schema(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as connection:
        connection.execute("PRAGMA user_version = 7")
    foreign_bytes = foreign.read_bytes()
    for path, before in ((empty, b""), (foreign, foreign_bytes)):
        for action in ("list", "check"):
            code, line = run_cli(capsys, "gallery", action, "--db", str(path))
            assert code == IncompatibleGalleryError.exit_code and "enroll" in line
        assert path.read_bytes() == before


def deny_writes(monkeypatch: pytest.MonkeyPatch, denied: Path) -> None:
    """Root ignores permission bits, so as root the gallery is told it may not write here."""
    real_access = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda p, mode: real_access(p, mode) and not (mode & os.W_OK and Path(p) == denied),
    )


def test_read_only_file_is_read_and_refuses_writes_in_one_line(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    path = two_people(tmp_path / "g.sqlite")
    path.chmod(0o444)
    if os.geteuid() == 0:
        deny_writes(monkeypatch, path)
    before = path.read_bytes()
    assert run_cli(capsys, "gallery", "list", "--db", str(path))[0] == 0
    code, line = run_cli(capsys, "gallery", "remove", "--db", str(path), "--id", "ada")
    assert code == GalleryError.exit_code and "read-only" in line
    assert path.read_bytes() == before


def test_read_only_folder_still_opens_a_valid_gallery(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    path = two_people(folder / "g.sqlite")
    with Gallery(path) as gallery:
        gallery.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for side in ("-wal", "-shm"):
        Path(f"{path}{side}").unlink(missing_ok=True)
    if os.geteuid() == 0:
        deny_writes(monkeypatch, folder)
    else:
        folder.chmod(0o555)
    try:
        with Gallery(path) as gallery:
            assert [r.name for r in gallery.identities()] == ["ada", "bob"]
            assert identify(vector(1000), gallery)[0].identity == "ada"
            with pytest.raises(GalleryError, match="read-only"):
                gallery.remove("ada")
        assert sorted(p.name for p in folder.iterdir()) == ["g.sqlite"]
    finally:
        folder.chmod(0o755)


def test_full_check_passes_on_a_healthy_gallery(tmp_path: Path, capsys) -> None:
    path = two_people(tmp_path / "g.sqlite")
    code, text = run_cli(capsys, "gallery", "check", "--db", str(path), "--json")
    assert code == 0 and '"ok": true' in text
