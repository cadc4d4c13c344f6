"""The real MiniFASNet networks (shared/models) through the extra-model slot, on pad/silent-face."""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from benchmarks.minifasnet import install_minifasnet
from tests.shared import shared_model_path, shared_path
from unmask.face import FaceAnalyzer
from unmask.liveness.extra_model import ExtraModel, extra_cue
from unmask.media import read_image
from unmask.types import Box, Frame

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> list[ExtraModel]:
    source = shared_model_path("minifasnet", "2.7_80x80_MiniFASNetV2.onnx").parent
    return [ExtraModel.load(p) for p in install_minifasnet(source, tmp_path_factory.mktemp("mf"))]


@pytest.fixture(scope="module")
def silent_face() -> dict[str, tuple[Frame, Box]]:
    folder = shared_path("pad", "silent-face")
    analyzer = FaceAnalyzer(mesh=False, iris=False)
    views = {}
    for name in ("T1", "F1", "F2"):
        frame = read_image(folder / f"image_{name}.jpg")
        views[name] = (frame, max(analyzer.analyze(frame), key=lambda f: f.box.area).box)
    return views


def readme_recipe(image: np.ndarray, box: Box, scale: float) -> np.ndarray:
    """shared/models/minifasnet/README.md, step by step, written independently of the plug-in."""
    H, W = image.shape[:2]
    scale = min(scale, (H - 1) / box.h, (W - 1) / box.w)
    w, h = box.w * scale, box.h * scale
    x0, y0 = box.x + box.w / 2 - w / 2, box.y + box.h / 2 - h / 2
    x0 = min(max(x0, 0.0), W - 1 - w)
    y0 = min(max(y0, 0.0), H - 1 - h)
    crop = image[int(y0) : int(y0 + h) + 1, int(x0) : int(x0 + w) + 1]
    bgr = cv2.resize(np.ascontiguousarray(crop[..., ::-1]), (80, 80)).astype(np.float32)
    return bgr.transpose(2, 0, 1)


def test_preprocessing_reproduces_the_readme_recipe(
    models: list[ExtraModel], silent_face: dict[str, tuple[Frame, Box]]
) -> None:
    assert [m.spec.crop_scale for m in models] == [2.7, 4.0]
    for frame, box in silent_face.values():
        for model in models:
            expected = readme_recipe(frame.image, box, model.spec.crop_scale)
            np.testing.assert_allclose(model.tensor(frame.image, box), expected, atol=1e-4)


def test_live_photo_scores_above_print_and_replay(
    models: list[ExtraModel], silent_face: dict[str, tuple[Frame, Box]]
) -> None:
    averaged = {
        name: float(np.mean([extra_cue([view], m).score for m in models]))
        for name, view in silent_face.items()
    }
    # Measured: T1 0.986, F1 0.037, F2 0.399 (the 4.0 network alone gives F2 0.80).
    assert averaged["T1"] > 0.9
    assert averaged["T1"] > max(averaged["F1"], averaged["F2"]) + 0.4
    assert averaged["F1"] < 0.5 and averaged["F2"] < 0.5


def test_sidecar_identity_names_the_real_network(models: list[ExtraModel]) -> None:
    source = shared_model_path("minifasnet", "2.7_80x80_MiniFASNetV2.onnx")
    assert models[0].identity["sha256"] == hashlib.sha256(Path(source).read_bytes()).hexdigest()
    assert models[0].identity["preprocessing"]["channel_order"] == "BGR"
