"""A lab pulse as recoverable as a real webcam's, and nowhere else.

Default lab clips (every nuisance sampled, the default codec, the default faces: the shared
face sets when present, else the bundled portraits) of a person at rest, 6 s: a plain POS over
the cheeks and forehead must recover the labelled rate within 5 bpm on at least 3 of 4 clips,
both the project's engine (`unmask.pulse`) and a deliberately simple POS written here, apart
from the project's code, as an outsider would. Both are read as plain POS: the strongest
spectral peak, whatever its SNR (the engine's SNR gate, which refuses most 6 s clips, real or
simulated, is measured in benchmarks/lab_pulse.py). On mask and print skin the engine must find
no wearer's pulse; on a replay only the replayed person's own (weakened) pulse.

Passes with and without the shared data (`UNMASK_DATA=/nonexistent`): the beats then come
from the parametric model and the faces from the bundled portraits.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from unmask.lab import generate

pulse = pytest.importorskip("unmask.pulse")
video = pytest.importorskip("unmask.pulse.video")

SECONDS, FPS, SIZE = 6.0, 15.0, (256, 192)
TOLERANCE_BPM = 5.0
POS_REGIONS = ("forehead", "right_cheek", "left_cheek")


def simple_pos_bpm(times: NDArray[np.float64], rgb: NDArray[np.float64]) -> float:
    """Plane-orthogonal-to-skin (Wang et al. 2017, Algorithm 1) in its plainest form: 1.6 s
    windows normalised by their mean, projected on (G - B) and (G + B - 2R), mixed by their
    std ratio and overlap-added; the rate is the strongest spectral peak in 42-180 bpm.
    No filtering, detrending or quality gate beyond that."""
    fs = (len(times) - 1) / float(times[-1] - times[0])
    grid = times[0] + np.arange(len(times)) / fs
    colour = np.stack([np.interp(grid, times, rgb[:, c]) for c in range(3)], axis=1)
    window = int(round(1.6 * fs))
    wave = np.zeros(len(grid))
    for stop in range(window, len(grid) + 1):
        block = colour[stop - window : stop]
        normal = block / block.mean(axis=0)
        s1 = normal[:, 1] - normal[:, 2]
        s2 = normal[:, 1] + normal[:, 2] - 2 * normal[:, 0]
        h = s1 + (s1.std() / max(s2.std(), 1e-12)) * s2
        wave[stop - window : stop] += h - h.mean()
    wave = wave - wave.mean()
    size = 16 * len(wave)
    power = np.abs(np.fft.rfft(wave * np.hanning(len(wave)), size)) ** 2
    freqs = np.fft.rfftfreq(size, 1.0 / fs) * 60.0
    band = (freqs >= 42) & (freqs <= 180)
    return float(freqs[band][np.argmax(power[band])])


@dataclass(frozen=True)
class Rates:
    engine: float | None  # the engine's verdict over `skin`: None when below its SNR gate
    project_pos: float | None  # the project's POS over cheeks and forehead, spectral peak
    simple_pos: float  # this file's POS over cheeks and forehead


def clip_rates(path: Path, skin: tuple[str, ...]) -> Rates:
    """The rates found on the clip's longest face track (the project's region traces)."""
    tracks = video.face_track_traces(path)
    assert tracks, f"the face stage lost the face in {path.name}"
    track = max(tracks, key=lambda t: t.frames)
    engine_trace = pulse.pooled_trace(track.traces, tuple(n for n in skin if n in track.traces))
    plain = pulse.pooled_trace(track.traces, POS_REGIONS)
    assert engine_trace is not None and plain is not None
    seen = plain.pixels > 0
    return Rates(
        engine=pulse.estimate_pulse(engine_trace, "pos").heart_rate_bpm,
        project_pos=pulse.estimate_pulse(plain, "pos").spectral_bpm,
        simple_pos=simple_pos_bpm(plain.times[seen], plain.rgb[seen]),
    )


def lab_set(folder: Path, species: tuple[str, ...], clips: int, seed: int) -> list[dict[str, str]]:
    protocol = generate(
        folder, species=species, clips=clips, seconds=SECONDS, fps=FPS, size=SIZE, seed=seed
    )
    with protocol.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_plain_pos_recovers_the_rate_on_most_default_bona_fide_clips(tmp_path: Path) -> None:
    rows = lab_set(tmp_path, ("bona_fide",), clips=4, seed=11)
    project_hits = simple_hits = 0
    for row in rows:
        truth = float(row["hr_bpm"])
        rates = clip_rates(tmp_path / row["path"], pulse.SKIN_REGIONS)
        found = rates.project_pos
        project_hits += found is not None and abs(found - truth) <= TOLERANCE_BPM
        simple_hits += abs(rates.simple_pos - truth) <= TOLERANCE_BPM
    assert project_hits >= 3, f"the project's POS recovered {project_hits} of 4"
    assert simple_hits >= 3, f"the simple POS recovered {simple_hits} of 4"


def test_no_wearer_pulse_on_attack_skin_and_only_the_source_pulse_on_a_replay(
    tmp_path: Path,
) -> None:
    # Mask and print skin only: a mask's eye holes rightly show the wearer's periocular pulse.
    skin = tuple(n for n in pulse.SKIN_REGIONS if "periocular" not in n)
    rows = lab_set(tmp_path, ("print", "replay", "mask_rigid", "mask_silicone"), clips=1, seed=11)
    for row in rows:
        engine = clip_rates(tmp_path / row["path"], skin).engine
        if row["label"] == "replay":
            source = float(row["source_hr_bpm"])
            assert engine is None or abs(engine - source) <= TOLERANCE_BPM, row["path"]
        elif row["label"] == "print":
            assert engine is None, row["path"]
        else:
            truth = float(row["hr_bpm"])
            assert engine is None or abs(engine - truth) > TOLERANCE_BPM, row["path"]
