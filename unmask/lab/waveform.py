"""Blood-volume pulse waveforms with a real beat shape and real heart-rate variability.

rPPG methods key on the fundamental and harmonics of the pulse, on its beat-to-beat timing and on
its shape; a pure sine would flatter them. So each beat is a systolic peak plus a later diastolic
wave with a dicrotic notch between, and beat times come from RR intervals with respiratory sinus
arrhythmia, or from real chest-strap RR series (welltory, CC0) when the shared data is present.
"""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.signal import butter, filtfilt, find_peaks

from unmask.data import shared_data_dir

Array = NDArray[np.float64]
TEMPLATE_SAMPLES = 64


@dataclass(frozen=True, eq=False)
class Pulse:
    """One wearer's pulse: beat onset times (s) and the shape of one beat (0..1 over the beat)."""

    beats: Array
    shape: Array
    source: str

    def rate(self, start: float, stop: float) -> float:
        """Heart rate over [start, stop] in bpm: 60 / mean interval of the beats in that window,
        the definition welltory's chest-strap truth uses, so labels match what a clip shows."""
        inside = self.beats[(self.beats >= start) & (self.beats <= stop)]
        if len(inside) < 2:
            inside = self.beats
        return float(60.0 / np.mean(np.diff(inside)))

    def sample(self, times: Array) -> Array:
        """The waveform at `times`, zero-mean and unit peak-to-peak over a beat."""
        index = np.clip(
            np.searchsorted(self.beats, times, side="right") - 1, 0, len(self.beats) - 2
        )
        start, stop = self.beats[index], self.beats[index + 1]
        phase = np.clip((times - start) / (stop - start), 0.0, 1.0)
        grid = np.linspace(0.0, 1.0, len(self.shape))
        return np.interp(phase, grid, self.shape)


def parametric_beat(notch_depth: float, diastolic_ratio: float, systolic_phase: float) -> Array:
    """Two Gaussians per beat (Gaussian-sum PPG models, e.g. Tang et al. 2020).

    The diastolic wave sits about 0.25 beat after the systolic peak; its height relative to the
    systolic one (`diastolic_ratio`, 0.2-0.6 in young to middle-aged adults per Millasseau 2006)
    and a `notch_depth` dip between them make the dicrotic notch. The widths are set so the
    harmonics match real beats: the welltory median beats have a second harmonic at 0.35 of
    the fundamental (p10-p90 0.28-0.44) and a third at 0.17; these give 0.31-0.41 and 0.14-0.27
    over the parameter ranges. (Narrower peaks gave 0.3-0.6 and 0.5-0.6, so a plain POS
    locked onto twice the heart rate on slow pulses.)
    """
    phase = np.linspace(0.0, 1.0, TEMPLATE_SAMPLES)
    systolic = np.exp(-((phase - systolic_phase) ** 2) / (2 * 0.12**2))
    diastolic = diastolic_ratio * np.exp(-((phase - systolic_phase - 0.25) ** 2) / (2 * 0.14**2))
    notch = (
        notch_depth
        * diastolic_ratio
        * np.exp(-((phase - systolic_phase - 0.14) ** 2) / (2 * 0.05**2))
    )
    beat = systolic + diastolic - notch
    beat = beat - np.linspace(beat[0], beat[-1], TEMPLATE_SAMPLES)  # onset and end meet
    return normalise(beat)


def normalise(beat: Array) -> Array:
    beat = beat - beat.mean()
    span = beat.max() - beat.min()
    return beat / span if span > 0 else beat


def synthetic_rr(
    rng: np.random.Generator, hr_bpm: float, seconds: float, sdnn_ms: float, breath_hz: float
) -> Array:
    """RR intervals (s): mean 60/hr, respiratory sinus arrhythmia at the breathing rate plus
    white jitter, together giving about `sdnn_ms` of variability (Task Force 1996 short-term
    SDNN at rest is about 20-80 ms)."""
    mean = 60.0 / hr_bpm
    count = int(seconds / mean) + 4
    t = np.cumsum(np.full(count, mean))
    rsa = np.sin(2 * np.pi * breath_hz * t + rng.uniform(0, 2 * np.pi))
    rr = mean + (sdnn_ms / 1000.0) * (0.8 * np.sqrt(2) * rsa + 0.6 * rng.standard_normal(count))
    return np.clip(rr, 0.3, 2.0)


@lru_cache(maxsize=1)
def welltory_library() -> tuple[tuple[str, Array, Array], ...]:
    """(name, RR series in s, mean beat shape) for each welltory subject, or () without the data.

    The finger-on-lens red channel darkens as blood volume rises, hence the sign flip; beats are
    cut at the troughs of the band-passed trace and averaged after resampling to a common length.
    """
    root = shared_data_dir()
    folder = root / "pulse" / "welltory" if root is not None else None
    if folder is None or not folder.is_dir():
        return ()
    library = []
    for subject in sorted(p for p in folder.iterdir() if (p / "PPG.csv").is_file()):
        entry = read_welltory(subject)
        if entry is not None:
            library.append(entry)
    return tuple(library)


def read_welltory(subject: Path) -> tuple[str, Array, Array] | None:
    try:
        with (subject / "PPG.csv").open() as handle:
            rows = [(float(r["time"]), float(r["R"])) for r in csv.DictReader(handle)]
        rr = np.array((subject / "RR.txt").read_text().split(), dtype=np.float64) / 1000.0
    except (OSError, ValueError, KeyError):
        return None
    times, red = np.array(rows).T
    if len(times) < 300 or len(rr) < 20:
        return None
    fs = 1000.0 * (len(times) - 1) / (times[-1] - times[0])
    uniform = np.arange(times[0], times[-1], 1000.0 / fs)
    trace = -np.interp(uniform, times, red)
    b, a = butter(2, [0.6 / (fs / 2), 8.0 / (fs / 2)], btype="band")
    trace = filtfilt(b, a, trace)
    troughs, _ = find_peaks(-trace, distance=int(0.33 * fs))
    beats = [
        np.interp(
            np.linspace(0, 1, TEMPLATE_SAMPLES), np.linspace(0, 1, stop - start), trace[start:stop]
        )
        for start, stop in itertools.pairwise(troughs)
        if 0.33 * fs <= stop - start <= 1.5 * fs
    ]
    if len(beats) < 10:
        return None
    shape = np.median(
        np.array([normalise(b - np.linspace(b[0], b[-1], len(b))) for b in beats]), axis=0
    )
    return subject.name, rr[(rr > 0.3) & (rr < 2.0)], normalise(shape)


def make_pulse(
    rng: np.random.Generator,
    hr_bpm: float,
    seconds: float,
    sdnn_ms: float,
    breath_hz: float,
    beat_shape: dict[str, float],
    use_real: bool = True,
) -> Pulse:
    """A pulse at `hr_bpm` for `seconds` (plus a beat either side for phase delays).

    With welltory present (and `use_real`), a random subject's beat shape and a random stretch of
    its RR series rescaled to `hr_bpm` keep real variability; otherwise the parametric model.
    """
    library = welltory_library() if use_real else ()
    if library:
        name, series, shape = library[int(rng.integers(len(library)))]
        need = int(seconds * hr_bpm / 60.0) + 6
        start = int(rng.integers(0, max(1, len(series) - need)))
        rr = np.resize(series[start:], need)
        rr = rr * (60.0 / hr_bpm) / rr.mean()
        source = f"welltory/{name}"
    else:
        rr = synthetic_rr(rng, hr_bpm, seconds + 4.0, sdnn_ms, breath_hz)
        shape = parametric_beat(**beat_shape)
        source = "parametric"
    beats = np.concatenate([[0.0], np.cumsum(rr)]) - rr[0] - rng.uniform(0, rr[1])
    return Pulse(beats=beats, shape=shape, source=source)
