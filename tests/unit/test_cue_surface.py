"""Surface cue: features, the trainable model's contract, and inconclusive cases."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from unmask.errors import InputError, ModelError
from unmask.liveness.features import spectrum_features
from unmask.liveness.surface import (
    CROP_SIZE,
    N_FEATURES,
    SurfaceModel,
    crop_face,
    score_crop,
    surface_cue,
    surface_features,
)
from unmask.types import Box, Frame


def skin(rng: np.random.Generator, size: int = CROP_SIZE) -> NDArray[np.uint8]:
    """Smooth shading plus fine random micro-texture in a skin colour."""
    yy, xx = np.mgrid[0:size, 0:size] / size
    shade = 0.8 + 0.2 * np.cos(3 * (xx - 0.5)) * np.cos(2 * (yy - 0.4))
    grain = cv2.GaussianBlur(rng.normal(0, 1, (size, size)), (0, 0), 0.8)
    base = np.array([200.0, 150.0, 125.0]) * rng.uniform(0.8, 1.1)
    image = base[None, None, :] * shade[..., None] + 6.0 * grain[..., None]
    return np.clip(image, 0, 255).astype(np.uint8)


def moire(rng: np.random.Generator, size: int = CROP_SIZE) -> NDArray[np.uint8]:
    """The same face-like shading seen through a screen: a fine periodic grid beats with it."""
    yy, xx = np.mgrid[0:size, 0:size]
    period = rng.uniform(2.6, 3.4)
    angle = rng.uniform(0, np.pi)
    grid = np.cos(2 * np.pi * (xx * np.cos(angle) + yy * np.sin(angle)) / period)
    image = skin(rng, size).astype(np.float64) * (1.0 + 0.12 * grid[..., None])
    return np.clip(image, 0, 255).astype(np.uint8)


def dataset(n: int, seed: int) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    rng = np.random.default_rng(seed)
    rows = [surface_features(skin(rng)) for _ in range(n)] + [
        surface_features(moire(rng)) for _ in range(n)
    ]
    return np.array(rows), np.array([1] * n + [0] * n)


@pytest.fixture(scope="module")
def trained() -> SurfaceModel:
    X, y = dataset(20, seed=0)
    return SurfaceModel(C=0.1).fit(X, y, provenance={"data": "synthetic skin vs moire, unit test"})


def test_moire_has_a_peakier_high_band_than_skin() -> None:
    rng = np.random.default_rng(5)
    skin_peak = spectrum_features(cv2.cvtColor(skin(rng), cv2.COLOR_RGB2GRAY))[8]
    moire_peak = spectrum_features(cv2.cvtColor(moire(rng), cv2.COLOR_RGB2GRAY))[8]
    assert moire_peak > skin_peak + 1.0


def test_features_have_the_documented_length_and_any_crop_size() -> None:
    rng = np.random.default_rng(1)
    assert surface_features(skin(rng)).shape == (N_FEATURES,)
    assert surface_features(skin(rng, 150)).shape == (N_FEATURES,)


def test_model_separates_unseen_skin_from_moire(trained: SurfaceModel) -> None:
    X, y = dataset(10, seed=99)
    assert trained.score(X, y) >= 0.95
    proba = trained.predict_proba(X)
    assert proba.shape == (20, 2) and np.allclose(proba.sum(axis=1), 1.0)
    assert list(trained.classes_) == [0, 1]


def test_save_load_round_trip_keeps_scores_and_provenance(
    trained: SurfaceModel, tmp_path: Path
) -> None:
    X, _ = dataset(3, seed=7)
    path = trained.save(tmp_path / "surface")
    assert path.suffix == ".npz"
    loaded = SurfaceModel.load(path)
    assert np.allclose(loaded.predict_proba(X), trained.predict_proba(X))
    assert loaded.provenance_["data"].startswith("synthetic")
    assert loaded.get_params() == trained.get_params()


def test_load_refuses_other_versions_and_foreign_files(
    trained: SurfaceModel, tmp_path: Path
) -> None:
    path = trained.save(tmp_path / "m.npz")
    with np.load(path) as data:
        arrays = {key: data[key] for key in data.files}
    header = json.loads(str(arrays["header"]))
    header["format_version"] = 999
    arrays["header"] = np.array(json.dumps(header))
    np.savez(tmp_path / "future.npz", **arrays)
    with pytest.raises(ModelError, match="retrain"):
        SurfaceModel.load(tmp_path / "future.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a model")
    with pytest.raises(ModelError):
        SurfaceModel.load(tmp_path / "junk.npz")
    with pytest.raises(ModelError, match="not found"):
        SurfaceModel.load(tmp_path / "missing.npz")


def test_nothing_is_learned_before_fit_and_bad_training_data_is_refused() -> None:
    model = SurfaceModel(C=2.0)
    assert not hasattr(model, "coef_")
    with pytest.raises(ModelError, match="not fitted"):
        model.predict_proba(np.zeros((1, N_FEATURES)))
    with pytest.raises(InputError, match="both classes"):
        model.fit(np.zeros((4, 3)), [1, 1, 1, 1])
    with pytest.raises(InputError, match="NaN"):
        model.fit(np.full((2, 3), np.nan), [0, 1])
    with pytest.raises(InputError):
        model.set_params(gamma=1)


def test_wrong_feature_count_is_refused(trained: SurfaceModel) -> None:
    with pytest.raises(InputError, match="expected 240 features"):
        trained.predict_proba(np.zeros((1, 10)))


def test_crop_pads_faces_at_the_border_instead_of_failing() -> None:
    image = np.full((100, 100, 3), 90, dtype=np.uint8)
    crop = crop_face(image, Box(-20, 60, 60, 60))
    assert crop.shape == (CROP_SIZE, CROP_SIZE, 3)
    with pytest.raises(InputError, match="no area"):
        crop_face(image, Box(0, 0, 0, 10))
    with pytest.raises(InputError, match="RGB uint8"):
        surface_features(np.zeros((10, 10), dtype=np.uint8))


def test_cue_scores_high_for_skin_and_low_for_moire(trained: SurfaceModel) -> None:
    rng = np.random.default_rng(11)
    canvas = np.zeros((240, 320, 3), dtype=np.uint8)
    box = Box(100, 60, 110, 110)
    canvas[:] = 60
    for maker, bona_fide in ((skin, True), (moire, False)):
        canvas[40:200, 80:240] = cv2.resize(
            maker(rng, 160), (160, 160), interpolation=cv2.INTER_AREA
        )
        cue = surface_cue(Frame(canvas.copy()), box, trained)
        assert cue.cue == "surface" and cue.score is not None
        assert (cue.score > 0.5) == bona_fide, cue.evidence
        assert 0.0 <= cue.confidence <= 1.0
        assert set(cue.evidence["group_logits"]) == {
            "lbp_y",
            "lbp_value",
            "lbp_chroma",
            "spectrum",
            "colour",
            "specular",
        }


def test_cue_is_inconclusive_without_model_tiny_face_or_flat_crop(trained: SurfaceModel) -> None:
    rng = np.random.default_rng(2)
    assert score_crop(skin(rng), None).score is None
    tiny = score_crop(skin(rng), trained, face_px=12)
    assert tiny.score is None and "too small" in (tiny.reason or "")
    flat = score_crop(np.full((96, 96, 3), 255, dtype=np.uint8), trained)
    assert flat.score is None and "flat" in (flat.reason or "")
