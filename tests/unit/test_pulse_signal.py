"""Pulse methods, rate, SNR and the 'no reliable pulse' answer on traces with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from unmask.errors import InputError
from unmask.pulse import METHOD_NAMES, RateStream, estimate_pulse, extract_pulse, trace_from_samples
from unmask.pulse.estimate import snr_threshold
from unmask.pulse.preprocess import bandpass, find_jumps, remove_steps, to_uniform
from unmask.pulse.rate import Spectrum, count_beats, spectrum, track_rate
from unmask.pulse.regions import RegionSample
from unmask.pulse.synthetic import BLOOD_SIGNATURE, pulse_wave


def skin_trace(
    bpm: float = 72.0,
    seconds: float = 20.0,
    fps: float = 30.0,
    amplitude: float = 0.004,
    noise: float = 0.15,
    seed: int = 0,
    jitter: float = 0.0,
    drop_every: int = 0,
):
    """Mean skin colour with a blood-volume pulse, slow light drift and sensor noise."""
    rng = np.random.default_rng(seed)
    times = np.arange(0.0, seconds, 1.0 / fps)
    if jitter:
        times = times + rng.uniform(-jitter, jitter, times.size) / fps
    if drop_every:
        times = np.delete(times, np.arange(0, times.size, drop_every))
    wave = pulse_wave(times, bpm, seed=seed)
    base = np.array([180.0, 130.0, 110.0])
    drift = 1.0 + 0.02 * np.sin(2 * np.pi * 0.05 * times)
    rgb = (
        base[None, :]
        * drift[:, None]
        * (1.0 - amplitude * wave[:, None] * BLOOD_SIGNATURE / BLOOD_SIGNATURE[1])
    )
    rgb = rgb + rng.normal(0.0, noise, rgb.shape)
    return trace_from_samples(times, rgb)


@pytest.mark.parametrize("method", [m for m in METHOD_NAMES if m != "red"])
@pytest.mark.parametrize("bpm", [55.0, 84.0, 130.0])
def test_each_method_recovers_a_known_rate(method: str, bpm: float) -> None:
    estimate = estimate_pulse(skin_trace(bpm=bpm, seed=int(bpm)), method)
    assert estimate.reliable, estimate.reason
    assert estimate.heart_rate_bpm == pytest.approx(bpm, abs=1.5)
    assert estimate.snr_db is not None and estimate.snr_db > 0


def test_the_filters_keep_a_slow_rest_pulse() -> None:
    # extract_pulse filters twice (before and after the projection), each pass forward and back.
    times = np.arange(0.0, 20.0, 1 / 30.0)
    middle = slice(150, 450)
    kept = {}
    for bpm in (45.0, 60.0):
        wave = np.sin(2 * np.pi * bpm / 60.0 * times)
        twice = bandpass(bandpass(wave, 30.0), 30.0)
        kept[bpm] = float(twice[middle].std() / wave[middle].std())
    assert kept[45.0] > 0.7
    assert kept[45.0] > 0.75 * kept[60.0]


def test_a_45_bpm_pulse_is_found_in_ten_seconds() -> None:
    estimate = estimate_pulse(skin_trace(bpm=45.0, seconds=10.0, amplitude=0.002, seed=3), "pos")
    assert estimate.spectral_bpm == pytest.approx(45.0, abs=2.0)


def test_red_method_reads_a_contact_trace_with_dead_green_and_blue() -> None:
    times = np.arange(0.0, 30.0, 1 / 30.0)
    red = 240.0 - 3.0 * pulse_wave(times, 66.0)
    trace = trace_from_samples(
        times, np.column_stack([red, np.zeros_like(red), np.zeros_like(red)])
    )
    assert estimate_pulse(trace, "red").heart_rate_bpm == pytest.approx(66.0, abs=1.0)
    refused = estimate_pulse(trace, "pos")
    assert refused.heart_rate_bpm is None
    assert refused.reason is not None and "G/B carries no signal" in refused.reason


def test_variable_frame_rate_and_dropped_frames_keep_the_rate() -> None:
    trace = skin_trace(bpm=90.0, jitter=0.4, drop_every=7, seed=3)
    assert estimate_pulse(trace, "pos").heart_rate_bpm == pytest.approx(90.0, abs=1.5)


def test_lighting_jumps_are_cut_out_not_filtered_into_ringing() -> None:
    trace = skin_trace(bpm=75.0, seed=4)
    jumps = np.ones(len(trace))
    jumps[(trace.times % 4.0) > 2.0] = 1.1
    jumpy = trace_from_samples(trace.times, trace.rgb * jumps[:, None])
    estimate = estimate_pulse(jumpy, "chrom")
    assert estimate.heart_rate_bpm == pytest.approx(75.0, abs=1.5)
    uniform = to_uniform(jumpy)
    assert 0.0 < uniform.jump_fraction < 0.05


def test_remove_steps_restores_a_stepped_signal() -> None:
    values = np.zeros((50, 3))
    values[25:] += 0.1
    flagged = find_jumps(values, np.zeros(0))
    assert flagged[25] and flagged.sum() == 1
    assert np.allclose(remove_steps(values, flagged), 0.0)


def test_fast_motion_frames_are_flagged() -> None:
    motion = np.full(100, 0.3)
    motion[40:45] = 12.0
    flagged = find_jumps(np.zeros((100, 3)), motion)
    assert flagged[40:45].all() and flagged.sum() == 5


@pytest.mark.parametrize("seed", range(6))
def test_noise_is_no_reliable_pulse(seed: int) -> None:
    rng = np.random.default_rng(seed)
    times = np.arange(0.0, 15.0, 1 / 30.0)
    trace = trace_from_samples(times, 150.0 + rng.normal(0.0, 1.0, (times.size, 3)))
    estimate = estimate_pulse(trace, "pos")
    assert estimate.heart_rate_bpm is None
    assert estimate.reason is not None and estimate.reason.startswith("no reliable pulse")
    assert estimate.spectrum_summary["peaks"], "the spectrum evidence is still reported"


def test_refusals_say_why() -> None:
    assert "too short" in (estimate_pulse(skin_trace(seconds=3.0), "pos").reason or "")
    dark = skin_trace()
    dark = trace_from_samples(dark.times, dark.rgb * 0.05)
    assert "too dark" in (estimate_pulse(dark, "pos").reason or "")
    slow = skin_trace(fps=5.0)
    assert "frame rate too low" in (estimate_pulse(slow, "pos").reason or "")
    with pytest.raises(InputError):
        estimate_pulse(skin_trace(), "nonsense")


def test_short_traces_need_a_higher_snr() -> None:
    assert snr_threshold(5.0) > snr_threshold(12.0) > snr_threshold(30.0) == snr_threshold(120.0)


def test_spectral_peak_is_refined_between_bins() -> None:
    fs = 30.0
    t = np.arange(0.0, 20.0, 1 / fs)
    wave = np.sin(2 * np.pi * 1.2345 * t)
    assert spectrum(wave, fs).peak() == pytest.approx(1.2345, abs=0.005)
    coarse = Spectrum(
        np.arange(0.7, 4.0, 0.1), np.exp(-((np.arange(0.7, 4.0, 0.1) - 1.23) ** 2) / 0.02)
    )
    assert coarse.peak() == pytest.approx(1.23, abs=0.01)


def test_snr_separates_a_sinusoid_from_noise() -> None:
    fs = 30.0
    t = np.arange(0.0, 30.0, 1 / fs)
    rng = np.random.default_rng(1)
    clean = spectrum(np.sin(2 * np.pi * 1.5 * t) + 0.1 * rng.normal(size=t.size), fs)
    noise = spectrum(rng.normal(size=t.size), fs)
    assert clean.snr_db(clean.peak()) > 10.0
    assert noise.snr_db(noise.peak()) < -2.0


def test_beat_counting_matches_known_beats() -> None:
    fs = 30.0
    rng = np.random.default_rng(2)
    intervals = 0.8 + 0.05 * rng.standard_normal(40)
    beats = np.cumsum(intervals)
    t = np.arange(0.0, beats[-1] + 1.0, 1 / fs)
    wave = sum(np.exp(-((t - b) ** 2) / (2 * 0.08**2)) for b in beats)
    found = count_beats(wave, fs, 1.0 / 0.8)
    truth = 60.0 / float(np.mean(intervals[1:]))
    assert found.bpm == pytest.approx(truth, abs=0.5)
    assert len(found.times) >= 38


def test_tracker_follows_a_changing_rate_and_ignores_a_noise_burst() -> None:
    fs = 30.0
    t = np.arange(0.0, 40.0, 1 / fs)
    rate_hz = np.where(t < 20.0, 1.0, 1.0 + (t - 20.0) * 0.025)
    wave = np.sin(2 * np.pi * np.cumsum(rate_hz) / fs)
    wave[600:630] += 5.0 * np.sin(2 * np.pi * 3.0 * t[600:630])
    tracked = track_rate(wave, fs)
    bpm = np.asarray(tracked.bpm)
    centres = np.asarray(tracked.times)
    assert np.all(np.abs(bpm[centres < 15] - 60.0) < 3.0)
    assert bpm[-1] == pytest.approx(60.0 * (1.0 + (centres[-1] - 20.0) * 0.025), abs=4.0)


def test_overlap_add_output_has_the_input_length() -> None:
    uniform = to_uniform(skin_trace(seconds=8.0))
    for method in METHOD_NAMES:
        assert extract_pulse(uniform, method).shape == (uniform.log_rgb.shape[0],)


def test_rate_stream_reports_the_first_reliable_rate() -> None:
    trace = skin_trace(bpm=66.0, seconds=15.0, seed=5)
    stream = RateStream()
    estimates = []
    for t, rgb in zip(trace.times, trace.rgb, strict=True):
        sample = RegionSample((float(rgb[0]), float(rgb[1]), float(rgb[2])), 100, (0.0, 0.0))
        found = stream.add(float(t), {"forehead": sample, "left_cheek": sample})
        if found is not None:
            estimates.append(found)
    assert len(estimates) >= 9
    assert stream.first_rate_after_s is not None and 5.0 <= stream.first_rate_after_s <= 7.0
    assert stream.latest is not None and stream.latest.heart_rate_bpm == pytest.approx(
        66.0, abs=1.5
    )
