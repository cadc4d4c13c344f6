"""Recapture cue: the model's contract and file format, inconclusive cases, the PAD model slot,
and the shipped model on a bundled public-domain portrait and its simulated print."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from benchmarks.colour_cast import exposed
from unmask.bundled import bundled_faces
from unmask.errors import InputError, ModelError
from unmask.lab.recapture import capture, sample_camera, sample_print, sample_screen
from unmask.liveness.features.colour import (
    MONOCHROME_CAST,
    MONOCHROME_CHROMA,
    MONOCHROME_MARK,
    chroma_beyond_luma,
    is_monochrome,
)
from unmask.liveness.fusion import FusionModel
from unmask.liveness.model import DEFAULT_MODEL_DIR, PadModel
from unmask.liveness.recapture import (
    EXPOSURE_SCALED,
    FEATURE_NAMES,
    MODEL_COLUMNS,
    MODEL_FEATURES,
    N_FEATURES,
    RecaptureModel,
    analysis_crop,
    recapture_cue,
    recapture_features,
    score_view,
)
from unmask.types import Box, Face, Frame


def features(n: int, seed: int) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Two Gaussian clouds, shifted along a few features: a separable toy problem."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(2 * n, N_FEATURES))
    y = np.array([1] * n + [0] * n)
    X[y == 0, :3] += 3.0
    return X, y


@pytest.fixture(scope="module")
def toy_model() -> RecaptureModel:
    X, y = features(40, seed=0)
    return RecaptureModel(C=0.5).fit(X, y, provenance={"data": "unit-test Gaussians"})


def face_at(box: Box, index: int = 0) -> Face:
    return Face(box=box, score=0.9, keypoints=np.zeros((6, 2), np.float32), frame_index=index)


def test_fit_learns_and_follows_the_contract(toy_model: RecaptureModel) -> None:
    X, y = features(40, seed=1)
    assert np.mean(toy_model.predict(X) == y) > 0.9
    proba = toy_model.predict_proba(X)
    assert proba.shape == (80, 2) and np.allclose(proba.sum(axis=1), 1.0)
    assert not hasattr(RecaptureModel(), "coef_")
    assert RecaptureModel(C=2.0).get_params() == {"C": 2.0, "max_iter": 1000}
    with pytest.raises(InputError):
        RecaptureModel().set_params(gamma=1.0)
    with pytest.raises(ModelError):
        RecaptureModel().predict_proba(X)


def test_save_load_round_trip_and_format_checks(toy_model: RecaptureModel, tmp_path: Path) -> None:
    path = toy_model.save(tmp_path / "recapture")
    assert path.suffix == ".npz" and path.stat().st_size < 1_000_000
    loaded = RecaptureModel.load(path)
    X, _ = features(10, seed=2)
    assert np.allclose(loaded.predict_proba(X), toy_model.predict_proba(X))
    assert loaded.provenance_ == {"data": "unit-test Gaussians"}
    with np.load(path) as data:
        header = json.loads(str(data["header"]))
        arrays = {k: data[k] for k in ("mean", "scale", "coef")}
    for change in ({"kind": "unmask.surface"}, {"format_version": 99}, {"feature_version": 99}):
        bad = tmp_path / "bad.npz"
        np.savez(bad, header=np.array(json.dumps(header | change)), **arrays)
        with pytest.raises(ModelError):
            RecaptureModel.load(bad)
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(ModelError):
        RecaptureModel.load(tmp_path / "junk.npz")
    with pytest.raises(ModelError):
        RecaptureModel.load(tmp_path / "absent.npz")


def test_cue_is_inconclusive_without_model_or_with_a_tiny_face(toy_model: RecaptureModel) -> None:
    image = np.random.default_rng(0).integers(0, 255, (200, 200, 3), dtype=np.uint8)
    frame = Frame(image)
    no_model = recapture_cue([(frame, face_at(Box(50, 50, 100, 100)))], None)
    assert (
        no_model.cue == "recapture"
        and no_model.score is None
        and "no recapture" in str(no_model.reason)
    )
    tiny = recapture_cue([(frame, face_at(Box(80, 80, 30, 30)))], toy_model)
    assert tiny.score is None and "too small" in str(tiny.reason)
    assert recapture_cue([], toy_model).score is None
    judged = recapture_cue([(frame, face_at(Box(50, 50, 100, 100)))] * 3, toy_model)
    assert judged.score is not None and 0.0 <= judged.score <= 1.0
    assert judged.evidence["frames_scored"] == 3
    weighed = {"periodic_peaks", "sharpness", "gamut", "specular", "relative_to_level"}
    assert set(judged.evidence["group_logits"]) == weighed
    # Dynamic range and LBP texture are measured (dynamic range reported), not weighed.
    assert "dynamic_range" not in judged.evidence["group_logits"]
    assert "dynamic_range_stops" in judged.evidence


def test_model_weighs_every_measurement_but_the_camera_set_groups(
    toy_model: RecaptureModel,
) -> None:
    """The model's input is FEATURE_NAMES without the dynamic-range and LBP groups, in order,
    and the groups' shares of the logit add up to the logit less the intercept."""
    dynamic = {"luma_p1", "luma_p50", "luma_p99", "dynamic_range_stops", "shadow_saturation"}
    lbp = {name for name in FEATURE_NAMES if name.startswith("lbp_")}
    assert len(lbp) == 30
    assert set(FEATURE_NAMES) - set(MODEL_FEATURES) == dynamic | lbp
    assert [FEATURE_NAMES[i] for i in MODEL_COLUMNS] == list(MODEL_FEATURES)
    assert len(MODEL_FEATURES) == N_FEATURES
    X, _ = features(3, seed=4)
    shares = toy_model.contributions(X[0])
    logit = float(toy_model.decision_function(X[:1])[0]) - toy_model.intercept_
    assert sum(shares.values()) == pytest.approx(logit)


def test_exposure_moves_the_absolute_contrast_and_colour_but_not_their_share_of_the_level() -> None:
    """Half a stop darker (a gain on linear light, re-encoded) lowers the 8-bit spreads and
    chroma means by about 15 %; divided by the inner face's median level they stay within 2 %,
    which is what lets the classifier tell a dark exposure from a print."""
    image = bundled_faces()["eileen_collins"]
    box = Box(174.0, 70.0, 105.0, 105.0)  # BlazeFace's box of her face in the 512x512 image
    darker = exposed(image, -0.5)
    before = recapture_features(analysis_crop(image, box))
    after = recapture_features(analysis_crop(darker, box))
    for name in EXPOSURE_SCALED:
        absolute = FEATURE_NAMES.index(name)
        relative = FEATURE_NAMES.index(f"{name}_per_level")
        assert after[absolute] / before[absolute] < 0.9, name
        assert after[relative] / before[relative] == pytest.approx(1.0, abs=0.02), name


def test_pad_model_saves_and_finds_recapture(toy_model: RecaptureModel, tmp_path: Path) -> None:
    fusion = FusionModel()
    PadModel(surface=None, fusion=fusion, recapture=toy_model).save(tmp_path / "named")
    document = json.loads((tmp_path / "named" / "pad.json").read_text())
    assert document["recapture"]["file"] == "recapture.npz"
    assert PadModel.load(tmp_path / "named").recapture is not None
    PadModel(surface=None, fusion=fusion).save(tmp_path / "plain")
    toy_model.save(tmp_path / "plain" / "recapture.npz")  # a file pad.json does not name
    assert PadModel.load(tmp_path / "plain").recapture is None
    (tmp_path / "named" / "recapture.npz").write_bytes(b"altered")
    with pytest.raises(ModelError):
        PadModel.load(tmp_path / "named")


@pytest.mark.skipif(
    not (DEFAULT_MODEL_DIR / "recapture.npz").is_file(), reason="no shipped recapture model"
)
@pytest.mark.parametrize("kind", ["print", "screen"])
def test_shipped_model_scores_a_recaptured_portrait_below_the_original(kind: str) -> None:
    """Eileen Collins (NASA, public domain) seen directly and as a print or a screen through the
    same camera, for three cameras: each recapture scores below its own original."""
    photo = bundled_faces()["eileen_collins"]
    box = Box(174.0, 70.0, 105.0, 105.0)  # BlazeFace's box of her face in the 512x512 image
    model = RecaptureModel.load(DEFAULT_MODEL_DIR / "recapture.npz")
    for seed in range(3):
        rng = np.random.default_rng(seed)
        camera = sample_camera(rng) | {"face_px": 105.0}
        medium = sample_print(rng) if kind == "print" else sample_screen(rng)
        scores = {}
        for version in ("bona_fide", kind):
            shot = capture(photo, box, version, camera, rng, medium=medium)
            scores[version] = score_view(shot.image, shot.box, model).score
        assert scores[kind] is not None and scores["bona_fide"] is not None
        assert scores[kind] < scores["bona_fide"], seed


def test_analysis_crop_stays_inside_a_tight_frame() -> None:
    """A dataset's tight face crop (the face fills the frame) gives a crop of real pixels
    only: smaller than 1.2 face widths and shifted inside, never padded with edge copies."""
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (200, 180, 3), dtype=np.uint8)
    crop = analysis_crop(image, Box(10, 5, 165, 190))
    side = crop.shape[0]
    assert crop.shape == (side, side, 3) and side <= 180
    matches = [
        (y, x)
        for y in range(0, 200 - side + 1)
        for x in range(0, 180 - side + 1)
        if np.array_equal(image[y : y + side, x : x + side], crop)
    ]
    assert matches, "the crop is not a window of the frame"
    # With room around the face it is the usual 1.2 x face square, area-reduced above 320 px.
    large = rng.integers(0, 256, (900, 900, 3), dtype=np.uint8)
    assert analysis_crop(large, Box(300, 300, 100, 100)).shape == (120, 120, 3)
    assert analysis_crop(large, Box(100, 100, 500, 500)).shape == (384, 384, 3)


def greyscale(photo: NDArray[np.uint8]) -> NDArray[np.uint8]:
    return np.repeat(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)


def test_monochrome_frames_are_told_from_muted_colour() -> None:
    """A grey image, the same after JPEG, and one with a faint cast (chroma proportional to
    brightness, as an infrared camera's) are monochrome; a colour photo with a tenth of its
    saturation is not, and neither is a close-up of one uniform colour (skin filling the
    frame), whose chroma its luma explains but which sits far from grey."""
    photo = bundled_faces()["eileen_collins"]
    grey = greyscale(photo)
    _, encoded = cv2.imencode(".jpg", grey, [cv2.IMWRITE_JPEG_QUALITY, 50])
    cast = np.clip(grey * np.array([1.0, 0.98, 0.96]), 0, 255).astype(np.uint8)
    muted = np.clip(grey + 0.1 * (photo.astype(np.float64) - grey), 0, 255).astype(np.uint8)
    skin = np.clip(grey[..., :1] / 255.0 * np.array([230.0, 170.0, 140.0]), 0, 255)
    for image in (grey, cv2.imdecode(encoded, cv2.IMREAD_COLOR), cast):
        assert is_monochrome(image), chroma_beyond_luma(image)
    for image in (muted, photo, skin.astype(np.uint8)):
        assert not is_monochrome(image), chroma_beyond_luma(image)
    assert chroma_beyond_luma(muted)[0] > 2 * MONOCHROME_CHROMA
    assert chroma_beyond_luma(skin.astype(np.uint8))[1] > 2 * MONOCHROME_CAST


def test_the_cue_stays_silent_on_a_monochrome_frame(toy_model: RecaptureModel) -> None:
    """It reads ink and screen colour: on a grey frame that absence is no evidence of a print,
    and the cue says so instead of scoring it."""
    photo = bundled_faces()["eileen_collins"]
    box = Box(174.0, 70.0, 105.0, 105.0)
    assert score_view(photo, box, toy_model).score is not None
    silent = score_view(greyscale(photo), box, toy_model)
    assert silent.score is None and "monochrome" in (silent.reason or "")
    assert silent.evidence[MONOCHROME_MARK] is True
