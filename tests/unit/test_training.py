"""`pad train` on a tiny rendered lab protocol: splits respected, model written and reloaded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from unmask.cli.main import main
from unmask.evaluation.protocols.base import read_protocol_csv
from unmask.lab import generate
from unmask.liveness.model import PadModel
from unmask.liveness.training import assign_splits


@pytest.fixture(scope="module")
def tiny_lab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lab")
    return generate(
        out,
        species=("bona_fide", "print", "mask_rigid"),
        clips=3,
        seconds=2.5,
        size=(256, 192),
        channels=("rgb", "thermal"),
        seed=3,
    )


def test_declared_test_rows_are_held_out(tiny_lab: Path) -> None:
    protocol = read_protocol_csv(tiny_lab)
    splits = assign_splits(protocol.entries, seed=0)
    assert {e.split for e in protocol.entries} == {"train", "dev", "test"}
    assert all(
        s == "held out" for e, s in zip(protocol.entries, splits, strict=True) if e.split == "test"
    )


def test_train_writes_a_loadable_model_with_provenance(
    tiny_lab: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "model"
    code = main(
        ["pad", "train", "--protocol", str(tiny_lab), "--out", str(out), "--workers", "1", "--json"]
    )
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert sum(document["train"].values()) == 3 and sum(document["dev"].values()) == 3
    model = PadModel.load(out)
    assert model.surface is not None
    assert model.provenance["data"][0]["presentations"] == 9
    assert model.provenance["seed"] == 0
    thresholds = [model.fusion.levels[n].threshold for n in ("low", "medium", "high", "maximum")]
    assert thresholds == sorted(thresholds)
    assert not model.fusion.levels["high"].resolvable


def test_train_refuses_data_without_both_classes(tmp_path: Path, capsys) -> None:
    (tmp_path / "only" / "print").mkdir(parents=True)
    assert (
        main(["pad", "train", "--folders", str(tmp_path / "only"), "--out", str(tmp_path / "m")])
        != 0
    )
    assert "unmask: error:" in capsys.readouterr().err


def test_train_without_surface_leaves_texture_out(tiny_lab: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "model"
    args = ["pad", "train", "--protocol", str(tiny_lab), "--out", str(out), "--workers", "1"]
    code = main([*args, "--without-surface", "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert document["surface_crops"] == 0
    assert document["train"] == {} and sum(document["dev"].values()) == 6
    model = PadModel.load(out)
    assert model.surface is None
    assert model.provenance["surface_classifier"] is False
    assert "surface" not in model.fusion.calibration
    assert "thermal" in model.fusion.calibration
    assert set(model.fusion.channel_levels) == set(model.fusion.levels)
