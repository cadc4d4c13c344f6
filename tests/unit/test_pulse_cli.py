"""`unmask pulse`: the JSON contract on traces and videos the tests make."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest

from unmask.cli.main import main
from unmask.pulse.synthetic import BLOOD_SIGNATURE, pulse_wave


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    """The exit code and the one file's entry of `results`."""
    code = main(["pulse", *argv, "--json"])
    (entry,) = json.loads(capsys.readouterr().out)["results"]
    return code, entry


def write_trace(path: Path, bpm: float, *, dead_green: bool = False) -> None:
    times = np.arange(0.0, 40.0, 1 / 30.0)
    wave = pulse_wave(times, bpm)
    red = 200.0 - 2.0 * wave
    green = np.zeros_like(red) if dead_green else 60.0 - 1.0 * wave
    lines = ["time,R,G,B"] + [
        f"{1000 * t:.0f},{r:.3f},{g:.3f},0.5" for t, r, g in zip(times, red, green, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")


def write_skin_video(
    path: Path, bpm: float, seconds: float = 14.0, fps: int = 20, grey: bool = False
) -> None:
    rng = np.random.default_rng(0)
    times = np.arange(0.0, seconds, 1.0 / fps)
    wave = pulse_wave(times, bpm)
    base = np.array([190.0, 135.0, 115.0])
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width = stream.height = 64
        stream.pix_fmt = "yuv420p"
        stream.bit_rate = 4_000_000
        for value in wave:
            colour = base * (1.0 - 0.01 * value * BLOOD_SIGNATURE / BLOOD_SIGNATURE[1])
            image = np.clip(colour + rng.normal(0.0, 2.0, (64, 64, 3)), 0, 255).astype(np.uint8)
            if grey:
                image = np.repeat(image.mean(axis=2, keepdims=True), 3, axis=2).astype(np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def test_rgb_trace_reports_the_rate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "PPG.csv"
    write_trace(path, 67.0, dead_green=True)
    code, document = run_json(capsys, "--rgb-trace", str(path))
    assert code == 0
    assert document["heart_rate_bpm"] == pytest.approx(67.0, abs=1.0)
    assert document["method"] == "red"
    for key in ("snr_db", "quality", "regions", "spectrum", "reason"):
        assert key in document
    code, document = run_json(capsys, "--rgb-trace", str(path), "--method", "pos")
    assert code == 0 and document["heart_rate_bpm"] is None
    assert "carries no signal" in document["reason"]


def test_full_frame_video(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "skin.avi"
    write_skin_video(path, 96.0)
    code, document = run_json(capsys, str(path), "--roi", "full-frame")
    assert code == 0
    assert document["heart_rate_bpm"] == pytest.approx(96.0, abs=2.0), document["reason"]
    assert document["roi"] == "full-frame" and "full_frame" in document["regions"]
    assert document["bits_per_pixel"] > 0
    assert (document["bits_per_pixel"] < 0.5) == bool(document["warnings"])


def test_text_output_and_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "PPG.csv"
    write_trace(path, 80.0)
    assert main(["pulse", "--rgb-trace", str(path)]) == 0
    assert "bpm" in capsys.readouterr().out
    assert main(["pulse"]) == 2
    assert "exactly one" in capsys.readouterr().err
    assert main(["pulse", str(tmp_path / "missing.mp4")]) == 3
    assert main(["pulse", "--rgb-trace", str(path), str(path)]) == 2


def test_a_monochrome_video_is_named_not_read_as_no_pulse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same pulsing skin recorded by a greyscale camera: the colour change the methods read
    is gone, and the output says why instead of only finding no pulse."""
    path = tmp_path / "grey.avi"
    write_skin_video(path, 96.0, grey=True)
    code, document = run_json(capsys, str(path), "--roi", "full-frame")
    assert code == 0
    assert any("monochrome video" in warning for warning in document["warnings"])
    colour = tmp_path / "skin.avi"
    write_skin_video(colour, 96.0)
    _, document = run_json(capsys, str(colour), "--roi", "full-frame")
    assert not any("monochrome" in warning for warning in document["warnings"])
