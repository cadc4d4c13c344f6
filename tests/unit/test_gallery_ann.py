"""The ANN index beside a SQLite gallery: kept in sync by enrol, remove and rename, and found
out and rebuilt (with a warning) when stale, missing, damaged, from another gallery, or
behind a hand edit; never used when it does not match."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from unmask.errors import InputError
from unmask.identity import Gallery, Template, ann, identify, open_gallery
from unmask.identity.gallery import IndexRebuiltWarning


def person(seed: int, count: int = 3) -> list[Template]:
    rng = np.random.default_rng(seed)
    centre = rng.normal(0, 0.09, 128)
    return [
        Template((centre + rng.normal(0, 0.02, 128)).astype(np.float32), f"{seed}-{k}")
        for k in range(count)
    ]


def crowd(path: Path, people: int = 20) -> Path:
    with Gallery(path, create=True, ann_threshold=1) as gallery:
        for seed in range(people):
            gallery.enroll(f"p{seed:02d}", person(seed))
    return path


def top(path: Path, seed: int) -> str:
    with Gallery(path, ann_threshold=1) as gallery:
        return identify(person(seed)[0].embedding, gallery, top=1)[0].identity


def test_the_index_follows_enrol_remove_and_rename(tmp_path: Path) -> None:
    path = crowd(tmp_path / "g.sqlite")
    assert top(path, 3) == "p03"  # first use above the threshold builds and saves it
    assert Path(f"{path}.ann").exists()
    with Gallery(path, ann_threshold=1) as gallery:
        gallery.enroll("new", person(100))
        gallery.rename("p03", "renamed")
        gallery.remove("p04")
    with Gallery(path, ann_threshold=1) as gallery:
        index = gallery.index()
        assert gallery.index_note == "used"  # kept in step by each write: no rebuild
        assert len(index) == gallery.template_total() == 20 * 3
        assert identify(person(100)[0].embedding, gallery, top=1)[0].identity == "new"
        assert identify(person(3)[0].embedding, gallery, top=1)[0].identity == "renamed"
        assert "p04" not in [c.identity for c in identify(person(4)[0].embedding, gallery, top=5)]


def test_the_index_agrees_with_exact_search(tmp_path: Path) -> None:
    path = crowd(tmp_path / "g.sqlite", people=40)
    with Gallery(path, ann_threshold=1) as fast, Gallery(path, ann_threshold=10**9) as exact:
        for seed in range(0, 40, 3):
            probe = person(seed, 4)[3].embedding
            assert [(c.identity, round(c.distance, 5)) for c in identify(probe, fast, top=3)] == [
                (c.identity, round(c.distance, 5)) for c in identify(probe, exact, top=3)
            ]


def test_the_same_gallery_always_builds_the_same_index(tmp_path: Path) -> None:
    """One build thread: the candidates, hence the answers, never vary from build to build."""
    path = crowd(tmp_path / "g.sqlite", people=40)
    built = []
    for _ in range(3):
        Path(f"{path}.ann").unlink(missing_ok=True)
        with Gallery(path, ann_threshold=1) as gallery:
            built.append(bytes(gallery.index().index.save()))  # type: ignore[attr-defined]
    assert built[0] == built[1] == built[2]


@pytest.mark.parametrize(
    "case", ["stale", "other gallery", "damaged", "hand edit", "other settings"]
)
def test_an_index_that_does_not_match_is_rebuilt_not_used(
    tmp_path: Path, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = crowd(tmp_path / "g.sqlite")
    top(path, 0)
    index_file = Path(f"{path}.ann")
    if case == "stale":  # a write the index never saw (a crash between commit and save)
        old = index_file.read_bytes()
        with Gallery(path, ann_threshold=1) as gallery:
            gallery.enroll("late", person(200))
        index_file.write_bytes(old)
        expected = "stale"
    elif case == "other gallery":
        other = crowd(tmp_path / "other.sqlite", people=20)
        top(other, 0)
        shutil.copy(f"{other}.ann", index_file)
        expected = "another gallery"
    elif case == "damaged":
        data = bytearray(index_file.read_bytes())
        data[len(data) // 2] ^= 0x40
        index_file.write_bytes(bytes(data))
        expected = "encryption tag fails"
    elif case == "hand edit":  # a row deleted behind unmask's back: the generation did not move
        with sqlite3.connect(path) as connection:
            connection.execute("DELETE FROM templates WHERE id = 7")
        expected = "out of sync"
    else:  # an index file from an unmask with another HNSW shape
        index_file.unlink()
        with monkeypatch.context() as patch:
            patch.setattr(ann, "CONNECTIVITY", 8)
            top(path, 0)
        expected = "built with other settings"
    with Gallery(path, ann_threshold=1) as gallery:
        with pytest.warns(IndexRebuiltWarning, match=expected):
            gallery.index()
        assert gallery.index_note.startswith("rebuilt")
        assert len(gallery.index()) == gallery.template_total()
        if case == "stale":
            assert identify(person(200)[0].embedding, gallery, top=1)[0].identity == "late"
    with Gallery(path, ann_threshold=1) as gallery:
        gallery.index()
        assert gallery.index_note == "used"


def test_a_missing_index_is_rebuilt_and_the_file_holds_no_plain_vectors(tmp_path: Path) -> None:
    path = crowd(tmp_path / "g.sqlite")
    top(path, 1)
    index_file = Path(f"{path}.ann")
    index_file.unlink()
    assert top(path, 1) == "p01"
    data = index_file.read_bytes()
    vector = person(1)[0].embedding
    for plain in (vector.tobytes(), vector.astype(np.float16).tobytes()):
        assert plain[:32] not in data
    assert data.count(b'"encrypted": true') == 1


def test_the_search_breadth_is_the_callers_and_bounded(tmp_path: Path) -> None:
    path = crowd(tmp_path / "g.sqlite")
    with Gallery(path, ann_threshold=1, search_breadth=40) as gallery:
        assert gallery.index().index.expansion_search == 40  # type: ignore[attr-defined]
        assert identify(person(5)[0].embedding, gallery, top=1)[0].identity == "p05"
    with Gallery(path, ann_threshold=1) as gallery:
        assert gallery.index().index.expansion_search == ann.EXPANSION_SEARCH  # type: ignore[attr-defined]
    for wrong in (8, 5000):
        with pytest.raises(InputError, match="search breadth"):
            Gallery(path, search_breadth=wrong)


def test_the_environment_sets_the_breadth_of_every_gallery_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = crowd(tmp_path / "g.sqlite")
    monkeypatch.setenv("UNMASK_SEARCH_BREADTH", "64")
    with open_gallery(path, ann_threshold=1) as gallery:
        assert gallery.index().index.expansion_search == 64  # type: ignore[attr-defined]
    with open_gallery(path, ann_threshold=1, search_breadth=48) as gallery:  # the caller wins
        assert gallery.index().index.expansion_search == 48  # type: ignore[attr-defined]
    for wrong in ("wide", "8", "-64"):
        monkeypatch.setenv("UNMASK_SEARCH_BREADTH", wrong)
        with pytest.raises(InputError, match="UNMASK_SEARCH_BREADTH"):
            open_gallery(path)
