"""The shipped recapture model on REAL captures and REAL print attacks it never saw in training
(it was trained on permissive faces and simulated recaptures only)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.shared import shared_path
from unmask.face import FaceAnalyzer
from unmask.liveness.model import DEFAULT_MODEL_DIR
from unmask.liveness.recapture import RecaptureModel, score_view
from unmask.media import read_image
from unmask.types import Box, Frame

MODEL = DEFAULT_MODEL_DIR / "recapture.npz"
pytestmark = pytest.mark.skipif(not MODEL.is_file(), reason="no shipped recapture model")


@pytest.fixture(scope="module")
def analyzer() -> FaceAnalyzer:
    return FaceAnalyzer(mesh=False)


def score(path: Path, analyzer: FaceAnalyzer, model: RecaptureModel) -> float:
    image = read_image(path).image
    faces = analyzer.analyze(Frame(image))
    box = faces[0].box if faces else Box(0.0, 0.0, float(image.shape[1]), float(image.shape[0]))
    cue = score_view(image, box, model)
    assert cue.score is not None, cue.reason
    return float(cue.score)


def test_silent_face_print_scores_below_the_real_photo(analyzer: FaceAnalyzer) -> None:
    folder = shared_path("pad", "silent-face")
    model = RecaptureModel.load(MODEL)
    real = score(folder / "image_T1.jpg", analyzer, model)
    printed = score(folder / "image_F1.jpg", analyzer, model)
    assert printed < real


def test_nuaa_print_separates_better_than_chance(analyzer: FaceAnalyzer) -> None:
    """30 crops a class, spread over all subjects: the share of (print, bona fide) pairs ranked
    the right way round (ROC AUC) is above one half, with a margin for the small sample."""
    root = shared_path("pad", "nuaa")
    model = RecaptureModel.load(MODEL)
    scores = {}
    for label in ("bona_fide", "print"):
        paths = sorted((root / label).rglob("*.jpg"))
        picked = np.random.default_rng(0).choice(len(paths), 30, replace=False)
        scores[label] = np.array([score(paths[i], analyzer, model) for i in picked])
    auc = np.mean(scores["bona_fide"][:, None] > scores["print"][None, :])
    assert auc > 0.6
