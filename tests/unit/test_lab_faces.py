"""Lab identities: folder layouts, the lazy catalogue and its fallback, greyscale photos, splits."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from unmask.lab.faces import PhotoFile, catalogue, folder_files, pixels
from unmask.lab.generate import plan
from unmask.lab.synthetic import synthetic_photo


def save(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((8, 8, 3), 128, dtype=np.uint8)).save(path)


def test_condition_folders_group_photos_by_person_prefix(tmp_path: Path) -> None:
    for condition, take in (("neutral", "03"), ("smiling", "08")):
        for person in ("001", "002", "003"):
            save(tmp_path / "set" / condition / f"{person}_{take}.png")
    found = folder_files(tmp_path / "set")
    assert sorted({identity for identity, _ in found}) == ["001", "002", "003"]
    assert len(found) == 6


def test_person_folders_keep_their_names_whatever_the_file_names(tmp_path: Path) -> None:
    save(tmp_path / "people" / "alice" / "IMG_0001.png")
    save(tmp_path / "people" / "bob" / "IMG_0002.png")
    save(tmp_path / "people" / "carol.png")
    found = folder_files(tmp_path / "people")
    assert sorted(identity for identity, _ in found) == ["alice", "bob", "carol"]


def test_without_shared_data_the_catalogue_is_the_two_bundled_portraits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("UNMASK_DATA", "/nonexistent")
    people = catalogue(None)
    assert sorted(people) == ["eileen_collins", "grace_hopper"]
    assert all(entry.located is None for entries in people.values() for entry in entries)


def test_a_greyscale_photo_is_skipped_without_running_the_face_models() -> None:
    grey = np.repeat(synthetic_photo("g", (96, 80)).image[..., :1], 3, axis=2)
    entry = PhotoFile("g", "grey.png", partial(pixels, np.ascontiguousarray(grey)))
    assert entry.photo() is None
    assert entry.failure is not None and "greyscale" in entry.failure


def test_a_few_clips_from_many_people_fill_every_split() -> None:
    people = {f"p{i:02d}": [synthetic_photo(f"p{i:02d}", (96, 80), seed=i)] for i in range(30)}
    for species in ("bona_fide", "print"):
        jobs = plan(people, [species], clips=3, seed=4)
        assert {job.split for job in jobs} == {"train", "dev", "test"}
    jobs = plan(people, ["bona_fide", "print", "mask_rigid"], clips=6, seed=4)
    split_of: dict[str, str] = {}
    for job in jobs:
        assert split_of.setdefault(job.subject.identity, job.split) == job.split
