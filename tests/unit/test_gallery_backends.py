"""The same gallery behaviour on both stores: a SQLite file and PostgreSQL with pgvector.

PostgreSQL is real: `pgserver` (a dev dependency) bundles PostgreSQL 16 with pgvector and
starts it here on a unix socket in a temporary folder, one server for the module and one
database per test. Exact search and the index path (`ann_threshold=1`: usearch for SQLite,
pgvector's HNSW for PostgreSQL) run the same assertions.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from unmask.cli.main import main
from unmask.errors import DatabaseUnavailableError, GalleryError, IncompatibleGalleryError
from unmask.identity import Template, identify, open_gallery, rotate_template_key, verify
from unmask.identity.template_crypto import key_file, pending_key

# pgserver keeps its lock file in the user's runtime folder; CI has no XDG_RUNTIME_DIR.
pytestmark = pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set")


def people(count: int, per: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Clustered simulated descriptors: each person a centre, each template near it."""
    rng = np.random.default_rng(seed)
    return {
        f"p{k:03d}": (rng.normal(0, 0.09, 128) + rng.normal(0, 0.02, (per, 128))).astype(np.float32)
        for k in range(count)
    }


@pytest.fixture(scope="module")
def pg_server() -> Iterator[Any]:
    try:
        import pgserver
    except ImportError as exc:
        pytest.skip(f"PostgreSQL tests need the dev dependency pgserver ({exc})")
    folder = tempfile.mkdtemp(prefix="unmask-pg-")
    try:
        server = pgserver.get_server(folder, cleanup_mode="delete")
    except Exception as exc:  # pgserver raises plain exceptions when initdb or pg_ctl fail
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"pgserver could not start PostgreSQL with pgvector here: {exc}")
    import psycopg

    with psycopg.connect(server.get_uri(), autocommit=True) as connection:
        # A throwaway server: durability off, or its shutdown checkpoint takes most of the time.
        connection.execute("ALTER SYSTEM SET fsync = off")
        connection.execute("ALTER SYSTEM SET synchronous_commit = off")
        connection.execute("SELECT pg_reload_conf()")
    yield server
    server.cleanup()
    shutil.rmtree(folder, ignore_errors=True)


def new_database(server: Any) -> str:
    import psycopg

    name = f"g{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.get_uri(), autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return str(server.get_uri(name))


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "g.sqlite")
    return new_database(request.getfixturevalue("pg_server"))


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("ann_threshold", [10_000, 1], ids=["exact", "index"])
def test_enrol_identify_verify_rename_remove(db: str, ann_threshold: int) -> None:
    crowd = people(12, 3)
    with open_gallery(db, create=True, ann_threshold=ann_threshold) as gallery:
        for name, vectors in crowd.items():
            gallery.enroll(name, [Template(v, f"{name}.jpg") for v in vectors])
        probe = crowd["p005"][1] + np.float32(0.001)
        assert identify(probe, gallery, top=3)[0].identity == "p005"
        assert verify(probe, gallery, "p005").match
        assert not verify(probe, gallery, "p006").match
        gallery.rename("p005", "ada")
        assert identify(probe, gallery, top=1)[0].identity == "ada"
        assert gallery.remove("ada") == 3
        assert "ada" not in [c.identity for c in identify(probe, gallery, top=12)]
        assert gallery.template_total() == 33
        assert gallery.check().ok
    with open_gallery(db, ann_threshold=ann_threshold) as gallery:  # a fresh process's view
        assert identify(crowd["p007"][0], gallery, top=1)[0].identity == "p007"


def test_each_store_searches_as_wide_as_asked(db: str) -> None:
    """The search breadth reaches the store's own setting: usearch's expansion_search, or the
    session's hnsw.ef_search; unset, each store keeps its default."""
    crowd = people(6, 2)
    with open_gallery(db, create=True, ann_threshold=1, search_breadth=48) as gallery:
        for name, vectors in crowd.items():
            gallery.enroll(name, [Template(v, f"{name}.jpg") for v in vectors])
        assert identify(crowd["p002"][0], gallery, top=1)[0].identity == "p002"
        assert breadth_in_use(gallery) == 48
    with open_gallery(db, ann_threshold=1) as gallery:
        assert breadth_in_use(gallery) == (512 if db.startswith("postgresql") else 256)


def breadth_in_use(gallery: Any) -> int:
    if hasattr(gallery, "url"):
        return int(gallery.connection.execute("SHOW hnsw.ef_search").fetchone()[0])
    return int(gallery.index().index.expansion_search)


def test_cli_import_list_check_rename_remove(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crowd = people(5, 2, seed=3)
    names = [name for name, vectors in crowd.items() for _ in vectors]
    np.save(tmp_path / "v.npy", np.concatenate(list(crowd.values())))
    (tmp_path / "ids.txt").write_text("\n".join(names) + "\n")
    code, out = run_cli(
        capsys, "gallery", "import", "--db", db, str(tmp_path / "v.npy"), "--ids",
        str(tmp_path / "ids.txt"), "--create",
    )  # fmt: skip
    assert code == 0 and out["imported"] == {"templates": 10, "identities": 5, "total": 10}
    code, out = run_cli(capsys, "gallery", "list", "--db", db)
    assert out["identities"][0] == {"id": "p000", "templates": 2}
    assert run_cli(capsys, "gallery", "check", "--db", db)[1]["ok"]
    assert run_cli(capsys, "gallery", "rename", "--db", db, "--id", "p000", "--to", "x")[0] == 0
    code, out = run_cli(capsys, "gallery", "remove", "--db", db, "--id", "x")
    assert code == 0 and out["removed"]["templates"] == 2
    code, out = run_cli(capsys, "gallery", "list", "--db", db)
    assert [i["id"] for i in out["identities"]] == ["p001", "p002", "p003", "p004"]


def test_a_failed_import_writes_nothing(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    crowd = people(4, 2, seed=4)
    with open_gallery(db, create=True) as gallery:
        gallery.enroll("first", [Template(crowd["p000"][0], "a.jpg")])
        insert = type(gallery).insert_templates

        def failing(self: Any, rows: Any) -> list[int]:
            insert(self, rows[:4])  # half the rows are in when the write fails
            raise ValueError("disk full (simulated)")

        monkeypatch.setattr(type(gallery), "insert_templates", failing)
        rows = [(n, v, "bulk", None) for n, vs in crowd.items() for v in vs]
        with pytest.raises(GalleryError, match="disk full"):
            gallery.write_templates(rows)
        monkeypatch.undo()
        assert [(r.name, r.templates) for r in gallery.identities()] == [("first", 1)]


def test_a_flipped_byte_in_an_encrypted_template_is_named(db: str) -> None:
    crowd = people(3, 2, seed=5)
    with open_gallery(db, create=True) as gallery:
        for name, vectors in crowd.items():
            gallery.enroll(name, [Template(v, "x") for v in vectors])
        template_id, blob = gallery.connection.execute(
            "SELECT id, embedding FROM templates ORDER BY id LIMIT 1"
        ).fetchone()
        for position in (0, 20, len(blob) - 1):  # nonce, ciphertext, tag
            damaged = bytearray(blob)
            damaged[position] ^= 0x01
            gallery.connection.execute(
                "UPDATE templates SET embedding = ? WHERE id = ?", (bytes(damaged), template_id)
            )
            with pytest.raises(GalleryError, match=f"template {template_id} of 'p000' fails its"):
                identify(crowd["p001"][0], gallery)
            assert any("encryption tag" in p for p in gallery.check().problems)
        gallery.connection.execute(
            "UPDATE templates SET embedding = ? WHERE id = ?", (blob, template_id)
        )
        assert gallery.check().ok


def test_rotation_re_encrypts_and_an_interrupted_one_finishes(db: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    crowd = people(3, 2, seed=6)
    with open_gallery(db, create=True, data_dir=home) as gallery:
        for name, vectors in crowd.items():
            gallery.enroll(name, [Template(v, "x") for v in vectors])
        before = {
            r[0]: r[1] for r in gallery.connection.execute("SELECT id, embedding FROM templates")
        }
    old_key = key_file(home).read_text()
    assert rotate_template_key([db], data_dir=home) == {db: 6}
    assert key_file(home).read_text() != old_key and pending_key(home) is None
    with open_gallery(db, data_dir=home) as gallery:
        after = {
            r[0]: r[1] for r in gallery.connection.execute("SELECT id, embedding FROM templates")
        }
        assert all(after[i] != before[i] for i in before)
        assert identify(crowd["p002"][1], gallery, top=1)[0].identity == "p002"
    # A crash after the gallery was re-encrypted but before the new key replaced the old one.
    with open_gallery(db, data_dir=home) as gallery:
        from unmask.identity import template_crypto

        new = template_crypto.new_key()
        template_crypto.write_pending(home, new)
        gallery.reencrypt(new)
    with (
        open_gallery(db, data_dir=home) as gallery,
        pytest.raises(IncompatibleGalleryError, match="rotation was interrupted"),
    ):
        identify(crowd["p000"][0], gallery)
    assert rotate_template_key([db], data_dir=home) == {db: 0}
    with open_gallery(db, data_dir=home) as gallery:
        assert identify(crowd["p000"][0], gallery, top=1)[0].identity == "p000"


def test_postgres_down_is_exit_14_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql://unmask:secret@127.0.0.1:1/gallery"  # nothing listens on port 1
    code = main(["gallery", "list", "--db", url])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == DatabaseUnavailableError.exit_code == 14
    assert len(lines) == 1 and "cannot reach PostgreSQL" in lines[0]
    assert "unmask@127.0.0.1:1/gallery" in lines[0] and "secret" not in lines[0]


def test_scan_opens_a_postgres_gallery_like_every_other_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`scan --db postgresql://...` reaches for the server (here: none), not for a file."""
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"not opened: the gallery is opened first")
    url = "postgresql://unmask@127.0.0.1:1/gallery"
    code = main(["scan", str(clip), "--db", url, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == DatabaseUnavailableError.exit_code
    assert "cannot reach PostgreSQL" in err and "no gallery there" not in err


def test_postgres_going_away_mid_session_is_exit_14(pg_server: Any) -> None:
    import psycopg

    db = new_database(pg_server)
    with open_gallery(db, create=True) as gallery:
        gallery.enroll("ada", [Template(people(1, 1)["p000"][0], "x")])
        pid = gallery.connection.connection.info.backend_pid
        with psycopg.connect(pg_server.get_uri(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(DatabaseUnavailableError, match="unreachable or went away"):
            gallery.identities()
