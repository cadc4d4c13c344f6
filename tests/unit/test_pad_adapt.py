"""`pad adapt`: a model moved to a site's camera from bona fide captures alone."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from unmask.cli.main import main
from unmask.errors import InputError
from unmask.liveness.model import PadModel, default_model


def site_folder(root: Path, portraits: dict[str, np.ndarray]) -> Path:
    """Each portrait as a few 'site' captures: dimmer and noisier, as a cheap camera gives."""
    rng = np.random.default_rng(0)
    for name, image in portraits.items():
        folder = root / name
        folder.mkdir(parents=True)
        for shot in range(3):
            noisy = image.astype(np.float64) * (0.7 + 0.1 * shot) + rng.normal(0, 4, image.shape)
            Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(folder / f"{shot}.jpg")
    return root


def test_adapt_writes_a_loadable_model_with_a_before_and_after_report(
    tmp_path: Path, portraits, capsys
) -> None:
    site = site_folder(tmp_path / "site", portraits)
    out = tmp_path / "adapted"
    args = ["pad", "adapt", "--bona-fide", str(site), "--out", str(out), "--workers", "1"]
    code = main([*args, "--test-share", "0.5", "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert document["captures"] == 3 * len(portraits)
    assert document["adapted_on"] + document["held_out"] <= document["captures"]
    assert set(document["bpcer_before"]) == {"low", "medium", "high", "maximum"}
    adapted = PadModel.load(out)
    assert adapted.provenance["adapted"]["base_model"] == default_model().identity
    assert document["identity"] == adapted.identity


def test_adapt_refuses_a_folder_without_media(tmp_path: Path, capsys) -> None:
    (tmp_path / "empty").mkdir()
    args = ["pad", "adapt", "--bona-fide", str(tmp_path / "empty"), "--out", str(tmp_path / "m")]
    assert main(args) == InputError.exit_code
    assert "no images or videos" in capsys.readouterr().err
