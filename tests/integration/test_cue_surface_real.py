"""Surface cue on real print attacks (pad/nuaa), subject-disjoint, and on pad/silent-face."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.shared import shared_path
from unmask.face import FaceAnalyzer
from unmask.liveness.surface import SurfaceModel, surface_cue, surface_features
from unmask.media import read_image

pytestmark = pytest.mark.integration
PER_SUBJECT = 25
TRAIN = ("0001", "0002", "0003", "0004", "0005", "0006")
TEST = ("0007", "0008", "0009")


def features(
    root: Path, subjects: tuple[str, ...]
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    rows, labels = [], []
    for label, folder in ((1, "bona_fide"), (0, "print")):
        for subject in subjects:
            files = sorted((root / folder / subject).glob("*.jpg"))
            for path in files[:: max(1, len(files) // PER_SUBJECT)][:PER_SUBJECT]:
                rows.append(surface_features(read_image(path).image))
                labels.append(label)
    return np.array(rows), np.array(labels)


@pytest.fixture(scope="module")
def nuaa_model() -> SurfaceModel:
    root = shared_path("pad", "nuaa")
    X, y = features(root, TRAIN)
    return SurfaceModel().fit(
        X, y, provenance={"data": "pad/nuaa subjects 0001-0006 (test subset)"}
    )


def test_held_out_nuaa_subjects_are_separated(nuaa_model: SurfaceModel) -> None:
    X, y = features(shared_path("pad", "nuaa"), TEST)
    scores = nuaa_model.predict_proba(X)[:, 1]
    apcer = float(np.mean(scores[y == 0] >= 0.5))
    bpcer = float(np.mean(scores[y == 1] < 0.5))
    # Full leave-one-subject-out on all 8,411 images gives ACER about 1-2 % (benchmarks/surface_nuaa.py);
    # this subset of 150 images from three unseen subjects must stay well under 10 %.
    assert (apcer + bpcer) / 2 < 0.10, (apcer, bpcer)


def test_silent_face_print_scores_below_its_bona_fide(nuaa_model: SurfaceModel) -> None:
    folder = shared_path("pad", "silent-face")
    analyzer = FaceAnalyzer(mesh=False, iris=False)
    scores = {}
    for name in ("image_T1.jpg", "image_F1.jpg"):
        frame = read_image(folder / name)
        face = max(analyzer.analyze(frame), key=lambda f: f.box.area)
        cue = surface_cue(frame, face, nuaa_model)
        assert cue.score is not None and cue.evidence["face_px"] > 100
        scores[name] = cue.score
    assert scores["image_T1.jpg"] > scores["image_F1.jpg"], scores
