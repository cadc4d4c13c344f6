"""`unmask lab realism`: the statistics it measures, how it flags a difference, and the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from unmask.cli.main import main
from unmask.lab.realism import STATISTICS, ClipStats, compare, noise_sigma, table


def test_noise_estimate_recovers_the_sigma_of_added_noise() -> None:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:240, 0:320].astype(np.float32)
    smooth = 100 + 40 * np.sin(xx / 30.0) * np.cos(yy / 25.0)
    for sigma in (0.5, 2.0):
        noisy = smooth + rng.normal(0, sigma, smooth.shape).astype(np.float32)
        assert noise_sigma(noisy) == pytest.approx(sigma, rel=0.2)


def clips(values: list[float]) -> list[ClipStats]:
    return [ClipStats(f"clip{i}", 6.0, {"noise": v}) for i, v in enumerate(values)]


def test_a_lab_median_beyond_the_real_spread_is_flagged() -> None:
    real = clips([0.9, 1.0, 1.1, 1.0, 0.95])
    close = {row.statistic.name: row for row in compare(real, clips([1.02, 1.05]))}
    far = {row.statistic.name: row for row in compare(real, clips([2.0, 2.2]))}
    assert close["noise"].differs is False
    assert far["noise"].differs is True
    assert far["blink_rate"].differs is None  # measured on neither side
    alone = {row.statistic.name: row for row in compare(clips([1.0]), clips([3.0]))}
    assert alone["noise"].differs is None  # one real clip has no spread to judge by
    assert "DIFFERS" in table(list(far.values()))


def test_cli_compares_a_lab_set_with_videos(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    small = ["--seconds", "2", "--fps", "15", "--size", "256x192", "--species", "bona_fide"]
    for name, preset in (("lab", "default"), ("other", "hard")):
        args = ["lab", "generate", "--out", str(tmp_path / name), "--clips", "2", *small]
        assert main([*args, "--preset", preset, "--seed", "3"]) == 0
    capsys.readouterr()
    real = tmp_path / "other" / "bona_fide"
    code = main(["lab", "realism", "--lab", str(tmp_path / "lab"), "--real", str(real), "--json"])
    assert code == 0
    document = json.loads(capsys.readouterr().out)
    assert document["simulation"] is True and len(document["real_clips"]) == 2
    rows = {row["statistic"]: row for row in document["statistics"]}
    assert list(rows) == [s.name for s in STATISTICS]
    for name in ("head_speed", "noise", "sharpness", "skin_ita", "bits_per_pixel"):
        assert rows[name]["lab"]["clips"] == 2 and rows[name]["real"]["clips"] == 2, name
        assert math.isfinite(rows[name]["lab"]["median"]), name
    # The hard preset's wider lighting and noise ranges and CRF 23 compress smaller files.
    assert rows["bits_per_pixel"]["real"]["median"] < rows["bits_per_pixel"]["lab"]["median"]


def test_cli_refuses_a_folder_without_protocol(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lab", "realism", "--lab", str(tmp_path), "--real", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("unmask: error:")
