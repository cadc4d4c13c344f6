"""Foundation on real data: verification, identification, detection, video tracks."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.recognition import (
    Embedder,
    deepface_verification,
    detection_recall,
    orl_identification,
)
from unmask.identity import Gallery, ProbeMaker, Template, identify
from unmask.media import read_image

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


def test_deepface_pairs_verify_like_dlib_reports(shared_data: Path, embedder: Embedder) -> None:
    result = deepface_verification(shared_data, embedder)
    assert result["pairs"] == 280
    assert result["accuracy_at_0.6"] >= 0.97
    assert result["accuracy_at_default"] >= 0.95
    assert result["eer"] <= 0.03


def test_orl_rank1_on_the_first_ten_people(shared_data: Path, embedder: Embedder) -> None:
    result = orl_identification(shared_data, people=10, embedder=embedder)
    assert result["probes"] == 90
    assert result["rank1"] >= 0.95


def test_detection_recall_on_dlib_boxes(shared_data: Path) -> None:
    result = detection_recall(shared_data)
    assert result["recall"] >= 0.9
    assert result["false_positives"] <= 3


def test_webp_named_jpg_and_32bit_png_are_read(shared_data: Path) -> None:
    assert read_image(shared_data / "faces/deepface/img47.jpg").image.ndim == 3
    assert (
        read_image(shared_data / "faces/face_recognition/test_images/32bit.png").image.shape[2] == 3
    )


def test_hamilton_clip_names_the_speaker_on_screen(shared_data: Path, tmp_path: Path) -> None:
    maker = ProbeMaker()
    video = shared_data / "video/hamilton_clip.mp4"
    with Gallery(tmp_path / "g.sqlite", create=True) as gallery:
        for reference in sorted((shared_data / "video").glob("hamilton_ref_*.png")):
            gallery.enroll(
                reference.stem.removeprefix("hamilton_ref_"),
                [Template(maker.single(reference).embedding, reference.name)],
            )
        probes = maker.probes(video)
        assert len(probes) >= 2
        named = {
            identify(p.embedding, gallery, top=1)[0].identity
            for p in probes
            if identify(p.embedding, gallery, top=1)[0].match
        }
    assert "lin-manuel-miranda" in named
    longest = max(probes, key=lambda p: (p.last_seen or 0) - (p.first_seen or 0))
    assert (longest.last_seen or 0) - (longest.first_seen or 0) > 3.0
