"""`unmask lab realism`: the statistics it measures, how it flags a difference, and the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from unmask.cli.main import main
from unmask.lab.realism import (
    STATISTICS,
    ClipStats,
    blink_depth,
    blink_runs,
    compare,
    noise_sigma,
    table,
)


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


def blinking_eyes(
    fps: float, seconds: float, starts: list[float], seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Times, mesh eye aspect ratio and eye darkness of a face blinking at `starts` (0.2 s
    closures, the sizes measured on GRID blinks: the mesh's lids fall about 8 %, the eye's
    darkness about 25 %), with landmark and pixel noise, a slow gaze drift and a step in the
    darkness (a change of light) that are not blinks."""
    rng = np.random.default_rng(seed)
    times = np.arange(int(seconds * fps)) / fps
    closed = np.zeros_like(times)
    for start in starts:
        closed[(times >= start) & (times < start + 0.2)] = 1.0
    drift = 0.05 * np.sin(2 * np.pi * times / seconds)
    ear = 0.30 * (1 + drift - 0.08 * closed) + rng.normal(0, 0.003, times.size)
    dark = 0.40 * (1 + drift - 0.25 * closed + 0.1 * (times > seconds / 2))
    dark += rng.normal(0, 0.008, times.size)
    return times, ear, dark


def test_blinks_are_counted_where_the_eyes_close_and_nowhere_else() -> None:
    starts = [1.5, 4.0, 7.2, 9.0]
    for seed in range(3):
        times, ear, dark = blinking_eyes(25.0, 12.0, starts, seed)
        assert len(blink_runs(times, ear, dark)) == len(starts)
        # A closure cut by the end of the clip is not a blink it can count.
        times, ear, dark = blinking_eyes(25.0, 12.0, [*starts, 11.9], seed)
        assert len(blink_runs(times, ear, dark)) == len(starts)
        # Eyes that never close, the same drift, light step and noise: no blink.
        times, ear, dark = blinking_eyes(25.0, 12.0, [], seed)
        assert len(blink_runs(times, ear, dark)) == 0


def test_a_blink_that_rebounds_mid_closure_is_one_blink() -> None:
    for seed in range(3):
        times, ear, dark = blinking_eyes(25.0, 12.0, [1.5, 4.0, 4.38, 7.2], seed)
        assert len(blink_runs(times, ear, dark)) == 3


def test_the_realism_report_sees_the_blinks_of_a_lab_clip(tmp_path: Path) -> None:
    import cv2

    from unmask.lab import load_identities, render_presentation
    from unmask.lab.realism import SEQUENCE_FPS, measure_clip

    photo = load_identities(None)[0]["eileen_collins"][0]
    still = {"head_rotation_deg": 0.2, "head_shift_iod": 0.01, "expression_gap_s": 30.0}
    clip = render_presentation(
        "bona_fide",
        photo,
        photo,
        seconds=6.0,
        fps=SEQUENCE_FPS,
        size=(320, 240),
        seed=2,
        overrides={**still, "blink_gap_s": 2.0, "blink_ms": 250.0},
    )
    for index, frame in enumerate(clip.frames):
        cv2.imwrite(str(tmp_path / f"{index:04d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    stats = measure_clip(tmp_path)
    seen = stats.values["blink_rate"] * (stats.seconds + 1.0 / SEQUENCE_FPS) / 60.0
    assert clip.params["blinks"] >= 2
    assert round(seen) == clip.params["blinks"]


def test_blink_depth_is_the_lowest_lid_gap_of_each_blink_over_the_open_eye() -> None:
    openness = np.full(40, 0.1)
    openness[10:13] = [0.06, 0.03, 0.05]  # closes to 30 % of open
    openness[30:32] = [0.05, 0.07]  # to 50 %
    assert blink_depth([(10, 13), (30, 32)], openness) == pytest.approx(0.4)
    assert np.isnan(blink_depth([], openness))
    assert np.isnan(blink_depth([(10, 13)], np.full(40, np.nan)))
