"""The descriptor pipeline: mesh alignment, mirror averaging, and galleries that record which
pipeline made their templates (a public-domain portrait shipped with matplotlib)."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib import cbook

from unmask.errors import IncompatibleGalleryError
from unmask.face import FaceAnalyzer
from unmask.identity import embedder, gallery
from unmask.identity.embedder import aligned_chip, chip_descriptors, embed_face
from unmask.media import read_image


@pytest.fixture(scope="module")
def portrait():
    image = read_image(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)).image
    face = FaceAnalyzer(iris=False).analyze(image)[0]
    return image, face


def test_mesh_alignment_crops_the_face_as_dlib_s_predictor_does(portrait):
    image, face = portrait
    by_mesh, by_dlib = aligned_chip(image, face.box, face.mesh), aligned_chip(image, face.box)
    assert by_mesh.shape == by_dlib.shape == (150, 150, 3)
    a, b = chip_descriptors([by_mesh, by_dlib])
    assert np.linalg.norm(a - b) < 0.2


def test_the_descriptor_hardly_changes_when_the_picture_is_mirrored(portrait):
    image, face = portrait
    mirrored = np.ascontiguousarray(image[:, ::-1])
    other = FaceAnalyzer(iris=False).analyze(mirrored)[0]
    ours = np.linalg.norm(
        embed_face(image, face.box, face.mesh) - embed_face(mirrored, other.box, other.mesh)
    )
    single = chip_descriptors(
        [aligned_chip(image, face.box, face.mesh), aligned_chip(mirrored, other.box, other.mesh)]
    )
    assert ours < 0.75 * np.linalg.norm(single[0] - single[1])


def test_a_gallery_of_another_pipeline_is_refused_not_mixed(tmp_path, monkeypatch):
    path = tmp_path / "g.sqlite"
    monkeypatch.setattr(gallery, "EMBEDDER_NAME", "dlib_face_recognition_resnet_model_v1")
    with gallery.Gallery(path, create=True) as old:
        old.enroll("ada", [gallery.Template(np.zeros(128, dtype=np.float32), "a.jpg")])
    monkeypatch.setattr(gallery, "EMBEDDER_NAME", embedder.EMBEDDER_NAME)
    with pytest.raises(IncompatibleGalleryError, match="templates were made by") as caught:
        gallery.Gallery(path)
    assert caught.value.exit_code == 10
