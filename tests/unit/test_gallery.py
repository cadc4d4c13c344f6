"""The SQLite gallery: atomic, versioned, erasable, and strict about foreign files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from unmask.errors import (
    EmptyGalleryError,
    GalleryError,
    IncompatibleGalleryError,
    InputError,
    UnknownIdentityError,
)
from unmask.identity import Gallery, Template, identify, threshold_for_fmr, verify


def vector(seed: int) -> np.ndarray:
    values = np.random.default_rng(seed).normal(0, 0.09, 128).astype(np.float32)
    return values


def test_enrol_list_identify_verify(tmp_path: Path) -> None:
    with Gallery(tmp_path / "g.sqlite", create=True) as gallery:
        assert gallery.enroll("ada", [Template(vector(1), "a1"), Template(vector(2), "a2")]) == 2
        gallery.enroll("bob", [Template(vector(3), "b1")])
        assert [(r.name, r.templates) for r in gallery.identities()] == [("ada", 2), ("bob", 1)]
        probe = vector(2) + 0.001
        ranked = identify(probe, gallery, top=2)
        assert [c.identity for c in ranked] == ["ada", "bob"]
        assert ranked[0].match and not ranked[1].match
        assert verify(probe, gallery, "ada").match
        assert not verify(probe, gallery, "bob").match
        with pytest.raises(UnknownIdentityError):
            verify(probe, gallery, "carol")


def test_empty_and_missing_galleries(tmp_path: Path) -> None:
    with pytest.raises(GalleryError, match="enrol someone first"):
        Gallery(tmp_path / "absent.sqlite")
    with (
        Gallery(tmp_path / "empty.sqlite", create=True) as gallery,
        pytest.raises(EmptyGalleryError),
    ):
        identify(vector(1), gallery)


def test_failed_enrolment_leaves_gallery_unchanged(tmp_path: Path) -> None:
    with Gallery(tmp_path / "g.sqlite", create=True) as gallery:
        gallery.enroll("ada", [Template(vector(1), "a1")])
        bad = np.full(128, np.nan, dtype=np.float32)
        with pytest.raises(InputError):
            gallery.enroll("ada", [Template(vector(2), "a2"), Template(bad, "broken")])
        with pytest.raises(InputError):
            gallery.enroll("new", [Template(vector(5), "n1"), Template(vector(6)[:10], "short")])
        assert [(r.name, r.templates) for r in gallery.identities()] == [("ada", 1)]


def test_rename_and_clashes(tmp_path: Path) -> None:
    with Gallery(tmp_path / "g.sqlite", create=True) as gallery:
        gallery.enroll("ada", [Template(vector(1), "a")])
        gallery.enroll("bob", [Template(vector(2), "b")])
        gallery.rename("ada", "ada lovelace")
        with pytest.raises(InputError, match="already exists"):
            gallery.rename("bob", "ada lovelace")
        with pytest.raises(UnknownIdentityError):
            gallery.rename("nobody", "x")
        assert [r.name for r in gallery.identities()] == ["ada lovelace", "bob"]


def test_erasure_removes_the_bytes_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "g.sqlite"
    secret = vector(42)
    with Gallery(path, create=True) as gallery:
        gallery.enroll("ada", [Template(secret, "ada-passport.jpg")])
        gallery.enroll("bob", [Template(vector(2), "bob.jpg")])
        assert gallery.remove("ada") == 1
        assert [r.name for r in gallery.identities()] == ["bob"]
    stored = path.read_bytes() + (
        path.with_suffix(".sqlite-wal").read_bytes()
        if path.with_suffix(".sqlite-wal").exists()
        else b""
    )
    assert secret.tobytes() not in stored
    assert b"ada-passport" not in stored


def test_foreign_and_newer_files_are_refused_untouched(tmp_path: Path) -> None:
    text = tmp_path / "notes.sqlite"
    text.write_text("not a database at all, just some text that is long enough" * 20)
    before = text.read_bytes()
    with pytest.raises(IncompatibleGalleryError, match="not an unmask gallery"):
        Gallery(text)
    assert text.read_bytes() == before

    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE people (name TEXT)")
    with pytest.raises(IncompatibleGalleryError, match="not an unmask gallery"):
        Gallery(other)

    newer = tmp_path / "newer.sqlite"
    Gallery(newer, create=True).close()
    with sqlite3.connect(newer) as connection:
        connection.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(IncompatibleGalleryError, match="newer"):
        Gallery(newer)


def test_a_second_reader_sees_new_enrolments(tmp_path: Path) -> None:
    path = tmp_path / "g.sqlite"
    writer = Gallery(path, create=True)
    reader = Gallery(path)
    writer.enroll("ada", [Template(vector(1), "a")])
    assert reader.matrix()[0].shape == (1, 128)
    writer.enroll("bob", [Template(vector(2), "b")])
    assert reader.matrix()[2] == ["ada", "bob"]
    writer.close()
    reader.close()


def test_thresholds_tighten_as_fmr_falls() -> None:
    assert threshold_for_fmr(1e-2) > threshold_for_fmr(1e-3) > threshold_for_fmr(1e-4)
    assert threshold_for_fmr(1e-2) > threshold_for_fmr(3e-3) > threshold_for_fmr(1e-3)
    with pytest.raises(InputError, match="calibrated range"):
        threshold_for_fmr(1e-6)
