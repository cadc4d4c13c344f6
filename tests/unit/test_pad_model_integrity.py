"""The PAD model file is trusted only when it is what was shipped or what the user named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from unmask.errors import ModelError
from unmask.liveness import model as model_module
from unmask.liveness.model import PadModel, default_model


@pytest.fixture
def shipped_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "models" / "default"
    shutil.copytree(model_module.DEFAULT_MODEL_DIR, folder)
    digests = tmp_path / "models" / "default.sha256.json"
    shutil.copy(model_module.SHIPPED_DIGESTS, digests)
    monkeypatch.setattr(model_module, "DEFAULT_MODEL_DIR", folder)
    monkeypatch.setattr(model_module, "SHIPPED_DIGESTS", digests)
    default_model.cache_clear()
    yield folder
    default_model.cache_clear()


def test_the_shipped_model_verifies(shipped_copy: Path) -> None:
    assert len(default_model().identity) == 64


def test_edited_thresholds_in_the_shipped_model_are_refused(shipped_copy: Path) -> None:
    header = shipped_copy / "pad.json"
    document = json.loads(header.read_text())
    for level in document["fusion"]["levels"].values():
        level["threshold"] = 0.0
    header.write_text(json.dumps(document))
    with pytest.raises(ModelError, match=r"differs from its recorded checksums \(pad.json\)"):
        default_model()


def test_a_file_added_to_the_shipped_model_is_refused(shipped_copy: Path) -> None:
    (shipped_copy / "extra.npz").write_bytes(b"x")
    with pytest.raises(ModelError, match=r"extra\.npz"):
        default_model()


def test_a_user_model_naming_a_file_outside_its_folder_is_refused(
    shipped_copy: Path, tmp_path: Path
) -> None:
    mine = tmp_path / "mine"
    shutil.copytree(shipped_copy, mine)
    header = mine / "pad.json"
    document = json.loads(header.read_text())
    document["surface"] = {"file": "../../etc/passwd", "sha256": "0" * 64}
    header.write_text(json.dumps(document))
    with pytest.raises(ModelError, match="leaves the model's folder"):
        PadModel.load(mine)


def test_identity_changes_with_any_threshold(shipped_copy: Path, tmp_path: Path) -> None:
    model = PadModel.load(shipped_copy)
    before = model.identity
    level = model.fusion.levels["medium"]
    model.fusion.levels["medium"] = type(level)(**{**level.__dict__, "threshold": 0.5})
    assert model.identity != before
