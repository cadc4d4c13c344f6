"""Recognition scores for benchmarks: references from a gallery or lab photos, and matching."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from unmask.errors import NoFaceError
from unmask.evaluation import Protocol, ProtocolEntry
from unmask.identity import DEFAULT_FMR, Gallery, Template, threshold_for_fmr
from unmask.identity.scoring import (
    References,
    TargetMatcher,
    embed_photo,
    gallery_references,
    lab_references,
    match_threshold,
)


def test_threshold_is_the_recognisers_on_the_negated_distance_scale() -> None:
    assert match_threshold() == -threshold_for_fmr(DEFAULT_FMR)
    assert match_threshold(1e-2) < match_threshold(1e-4)  # stricter FMR, higher score needed


def test_gallery_references_group_templates_by_identity(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(3, 128)).astype(np.float32)
    with Gallery(tmp_path / "g.sqlite", create=True) as gallery:
        gallery.enroll("bob", [Template(vectors[0], "b0"), Template(vectors[1], "b1")])
        gallery.enroll("alice", [Template(vectors[2], "a0")])
    references = gallery_references(tmp_path / "g.sqlite")
    assert sorted(references.templates) == ["alice", "bob"]
    np.testing.assert_array_equal(references.templates["bob"], vectors[:2])
    np.testing.assert_array_equal(references.templates["alice"], vectors[2:])
    assert references.summary()["templates"] == 3


def _entry(path: Path, target: str | None, photo: str | None = None) -> ProtocolEntry:
    extra = {"photo_target": photo} if photo else {}
    return ProtocolEntry(path, "print", subject="x", target=target, extra=extra)


def test_matcher_scores_main_face_against_the_targets_closest_template(
    portrait_files: dict[str, Path],
) -> None:
    from unmask.media import read_image

    own = {name: embed_photo(read_image(path).image) for name, path in portrait_files.items()}
    assert all(vector is not None for vector in own.values())
    far = np.full(128, 5.0, np.float32)
    templates = {
        name: np.stack([far, vector]) for name, vector in own.items() if vector is not None
    }
    matcher = TargetMatcher(References(templates, source="test"), max_seconds=None)
    photo = portrait_files["grace_hopper"]
    same = matcher(_entry(photo, "grace_hopper"))
    other = matcher(_entry(photo, "eileen_collins"))
    assert same is not None and other is not None
    assert same == pytest.approx(0.0, abs=1e-4)  # the same picture: distance 0 to the 2nd template
    assert other < match_threshold() < same
    assert matcher(_entry(photo, "nobody")) is None
    assert matcher(_entry(photo, None)) is None


def test_matcher_without_a_face_raises(tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((100, 100, 3), 120, np.uint8)).save(blank)
    matcher = TargetMatcher(References({"a": np.zeros((1, 128), np.float32)}, "t"), None)
    with pytest.raises(NoFaceError, match="recognition"):
        matcher(_entry(blank, "a"))


def test_lab_references_find_photos_locally_in_metadata_or_defaults(
    portrait_files: dict[str, Path], tmp_path: Path
) -> None:
    root = tmp_path / "lab"
    root.mkdir()
    shutil.copy(portrait_files["grace_hopper"], root / "local.png")
    elsewhere = shutil.copy(portrait_files["eileen_collins"], tmp_path / "recorded.png")
    (root / "metadata.json").write_text(
        json.dumps({"faces": [str(elsewhere), "matplotlib sample_data/grace_hopper.jpg"]})
    )
    entries = (
        _entry(root / "a.mp4", "hopper", "local.png"),  # next to the protocol
        _entry(root / "b.mp4", "collins", "recorded.png"),  # where metadata.json says
        _entry(root / "c.mp4", "hopper2", "grace_hopper.jpg"),  # the lab's default portrait
        _entry(root / "d.mp4", "astro", "skimage.data.astronaut"),  # default, but not in metadata
        _entry(root / "e.mp4", "ghost", "missing.png"),
        _entry(root / "f.mp4", None, "local.png"),  # no target: nothing to enrol
    )
    references = lab_references(Protocol("lab", root, entries))
    assert references is not None
    assert sorted(references.templates) == ["collins", "hopper", "hopper2"]
    assert [line.split(":")[0] for line in references.unresolved] == ["astro", "ghost"]
    # the local copy and the default portrait are the same photo: the same template
    np.testing.assert_allclose(
        references.templates["hopper"], references.templates["hopper2"], atol=1e-3
    )


def test_not_a_lab_protocol_has_no_lab_references(tmp_path: Path) -> None:
    entries = (_entry(tmp_path / "a.jpg", "alice"),)
    assert lab_references(Protocol("generic", tmp_path, entries)) is None
