"""Extra ONNX models as cues: preprocessing known answers, and every way loading must refuse.

The networks are built here with the `onnx` helper API: a global average pool returns the mean
of each input channel, so the output tells exactly which pixels, in which order and with which
normalisation, reached the network.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from unmask.cli.main import main
from unmask.errors import ModelError
from unmask.liveness.extra_model import (
    ExtraModel,
    extra_cue,
    load_extra_models,
    scaled_crop_box,
)
from unmask.types import Box, Frame

SIDE = 16


def channel_means_model(path: Path, layout: str = "NCHW", outputs: int = 3) -> Path:
    """A network whose output k is the mean of input channel k (NCHW) or the same for NHWC."""
    if layout == "NCHW":
        shape = [1, 3, SIDE, SIDE]
        nodes = [
            helper.make_node("GlobalAveragePool", ["input"], ["pooled"]),
            helper.make_node("Flatten", ["pooled"], ["means"]),
        ]
    else:
        shape = [1, SIDE, SIDE, 3]
        nodes = [
            helper.make_node("Transpose", ["input"], ["chw"], perm=[0, 3, 1, 2]),
            helper.make_node("GlobalAveragePool", ["chw"], ["pooled"]),
            helper.make_node("Flatten", ["pooled"], ["means"]),
        ]
    last = "means"
    if outputs != 3:
        nodes.append(helper.make_node("ReduceMean", ["means"], ["one"], axes=[1], keepdims=1))
        last = "one"
    graph = helper.make_graph(
        nodes,
        "channel_means",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info(last, TensorProto.FLOAT, [1, outputs])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


def sidecar(path: Path, **overrides: Any) -> Path:
    document = {
        "kind": "unmask.extra-model",
        "version": 1,
        "crop_scale": 1.0,
        "input_size": [SIDE, SIDE],
        "channel_order": "RGB",
        "scale": 1 / 255,
        "layout": "NCHW",
        "bona_fide_index": 0,
        "softmax": False,
    }
    document.update(overrides)
    target = path.with_suffix(".json")
    target.write_text(json.dumps({k: v for k, v in document.items() if v is not None}))
    return target


def plugin(tmp_path: Path, layout: str = "NCHW", **overrides: Any) -> ExtraModel:
    path = channel_means_model(tmp_path / "means.onnx", layout)
    sidecar(path, layout=layout, **overrides)
    return ExtraModel.load(path)


def uniform(rgb: tuple[int, int, int], size: int = 64) -> np.ndarray:
    return np.broadcast_to(np.array(rgb, dtype=np.uint8), (size, size, 3)).copy()


CENTRE = Box(16, 16, 32, 32)


@pytest.mark.parametrize("layout", ["NCHW", "NHWC"])
def test_channel_order_picks_the_right_plane(tmp_path: Path, layout: str) -> None:
    image = uniform((200, 100, 50))
    rgb = plugin(tmp_path, layout)
    assert rgb.probability(image, CENTRE) == pytest.approx(200 / 255, abs=1e-5)
    bgr = plugin(tmp_path, layout, channel_order="BGR")
    assert bgr.probability(image, CENTRE) == pytest.approx(50 / 255, abs=1e-5)
    assert plugin(tmp_path, layout, bona_fide_index=1).probability(image, CENTRE) == (
        pytest.approx(100 / 255, abs=1e-5)
    )


def test_normalisation_is_scale_then_mean_then_std(tmp_path: Path) -> None:
    model = plugin(tmp_path, scale=1.0, mean=[100, 0, 0], std=[400, 1, 1])
    assert model.probability(uniform((200, 100, 50)), CENTRE) == pytest.approx(0.25, abs=1e-5)


def test_crop_scale_takes_in_the_surroundings(tmp_path: Path) -> None:
    image = uniform((0, 0, 0), 200)
    image[80:120, 80:120] = 255
    box = Box(80, 80, 40, 40)
    # Upstream's crop includes its right and bottom edge: 41 px around a 40 px face.
    assert plugin(tmp_path).probability(image, box) == pytest.approx((40 / 41) ** 2, abs=0.03)
    # Twice the side: the white face is about a quarter of the crop.
    assert plugin(tmp_path, crop_scale=2.0).probability(image, box) == pytest.approx(
        (40 / 81) ** 2, abs=0.03
    )


def test_crop_box_is_shifted_inside_and_scale_capped_like_silent_face() -> None:
    assert scaled_crop_box(Box(0, 0, 20, 20), 2.0, 100, 100) == (0, 0, 40, 40)
    assert scaled_crop_box(Box(80, 70, 20, 20), 2.0, 100, 100) == (59, 59, 99, 99)
    # Scale 4 would exceed the image: it is capped at (100 - 1) / 60.
    left, top, right, bottom = scaled_crop_box(Box(20, 20, 60, 60), 4.0, 100, 100)
    assert (left, top, right, bottom) == (0, 0, 99, 99)


def test_softmax_and_cue_median_with_identity(tmp_path: Path) -> None:
    model = plugin(tmp_path, softmax=True, scale=1.0, name="means")
    image = uniform((2, 1, 0))
    expected = np.exp(2.0) / (np.exp(2.0) + np.exp(1.0) + 1.0)
    assert model.probability(image, CENTRE) == pytest.approx(expected, abs=1e-5)
    frames = [(Frame(image, index=i), CENTRE) for i in range(3)]
    cue = extra_cue(frames, model)
    assert cue.cue == "extra:means" and cue.score == pytest.approx(expected, abs=1e-5)
    assert cue.evidence["sha256"] == model.sha256[:12] and cue.evidence["frames_scored"] == 3
    assert model.identity["preprocessing"]["softmax"] is True
    assert extra_cue([], model).score is None


def test_logits_without_softmax_are_refused_not_clipped(tmp_path: Path) -> None:
    model = plugin(tmp_path, scale=1.0)
    with pytest.raises(ModelError, match="not a probability"):
        model.probability(uniform((200, 100, 50)), CENTRE)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"input_size": [32, 32]}, "network input is"),
        ({"layout": "NHWC"}, "network input is"),
        ({"bona_fide_index": 3}, "3 output"),
        ({"channel_order": "GBR"}, "channel_order"),
        ({"crop_scale": None}, "lacks 'crop_scale'"),
        ({"mean": [0, 0]}, "wrong type or length"),
        ({"colour": "RGB"}, "unknown sidecar field"),
        ({"kind": "something"}, "not an extra-model sidecar"),
        ({"version": 2}, "sidecar version"),
        ({"input_name": "pixels"}, "no input named"),
    ],
)
def test_sidecar_mismatches_are_model_errors(
    tmp_path: Path, overrides: dict[str, Any], message: str
) -> None:
    path = channel_means_model(tmp_path / "means.onnx")
    sidecar(path, **overrides)
    with pytest.raises(ModelError, match=message):
        ExtraModel.load(path)


def test_missing_or_broken_files_are_model_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        ExtraModel.load(tmp_path / "absent.onnx")
    path = channel_means_model(tmp_path / "means.onnx")
    with pytest.raises(ModelError, match=r"no sidecar means\.json"):
        ExtraModel.load(path)
    path.with_suffix(".json").write_text("{not json")
    with pytest.raises(ModelError, match="not readable JSON"):
        ExtraModel.load(path)
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(b"\x08\x07 this is not a protobuf")
    sidecar(corrupt)
    with pytest.raises(ModelError, match="not a readable ONNX model"):
        ExtraModel.load(corrupt)


def test_one_output_sigmoid_model_and_duplicate_names(tmp_path: Path) -> None:
    path = channel_means_model(tmp_path / "single.onnx", outputs=1)
    sidecar(path)
    assert ExtraModel.load(path).probability(uniform((90, 90, 90)), CENTRE) == pytest.approx(
        90 / 255, abs=1e-5
    )
    with pytest.raises(ModelError, match="share the name"):
        load_extra_models([path, path])


def test_cli_adds_the_cue_and_refuses_a_bad_model(
    tmp_path: Path, portrait_files, capsys: pytest.CaptureFixture[str]
) -> None:
    path = channel_means_model(tmp_path / "means.onnx")
    sidecar(path, name="means")
    image = str(portrait_files["eileen_collins"])
    # the shipped model was not calibrated with it: refused, never silently ignored
    assert main(["liveness", image, "--extra-model", str(path)]) == 11
    assert "was not calibrated into this PAD model" in capsys.readouterr().err
    path.with_suffix(".json").unlink()
    assert main(["liveness", image, "--extra-model", str(path)]) == 11
    assert "no sidecar" in capsys.readouterr().err
