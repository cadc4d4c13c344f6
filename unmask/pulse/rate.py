"""Heart rate from a pulse wave: spectral peak, SNR, a tracker over time, and beat counting.

SNR follows de Haan & Jeanne 2013: the power within +-0.1 Hz of the fundamental f0 and of its
first harmonic 2*f0, over the power in the rest of the 0.7-4 Hz band, in dB. A pulse wave puts
most of its power there; noise spreads over the band, which for white noise gives about -9 dB
on average and rarely above -3 dB once spectra are averaged (Welch).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import signal

from unmask.pulse.preprocess import BAND_HZ, bandpass

SNR_HALF_WIDTH_HZ = 0.1


@dataclass(frozen=True, eq=False)
class Spectrum:
    """Power spectral density restricted to the pulse band."""

    freqs: NDArray[np.float64]
    power: NDArray[np.float64]

    def peak(self) -> float:
        """Frequency of the highest peak, refined between bins by a parabola on log power."""
        if self.power.size == 0 or not np.any(self.power > 0):
            return float("nan")
        k = int(np.argmax(self.power))
        if 0 < k < self.power.size - 1:
            a, b, c = np.log(np.maximum(self.power[k - 1 : k + 2], 1e-30))
            denom = a - 2.0 * b + c
            shift = 0.5 * (a - c) / denom if denom < 0 else 0.0
            step = float(self.freqs[1] - self.freqs[0])
            return float(self.freqs[k] + np.clip(shift, -0.5, 0.5) * step)
        return float(self.freqs[k])

    def snr_db(self, f0: float) -> float:
        """de Haan's SNR around f0 and 2*f0, in dB (NaN when the band holds no power)."""
        if not np.isfinite(f0):
            return float("nan")
        near = (np.abs(self.freqs - f0) <= SNR_HALF_WIDTH_HZ) | (
            np.abs(self.freqs - 2.0 * f0) <= SNR_HALF_WIDTH_HZ
        )
        signal_power = float(self.power[near].sum())
        noise_power = float(self.power[~near].sum())
        if signal_power <= 0:
            return float("nan")
        if noise_power <= 0:
            return 60.0
        return float(10.0 * np.log10(signal_power / noise_power))

    def summary(self, f0: float, count: int = 3) -> dict[str, object]:
        """What a reader needs to judge the answer: the top peaks and where the power sits."""
        peaks, _ = signal.find_peaks(self.power)
        if peaks.size == 0:
            return {"peaks": [], "band_hz": list(BAND_HZ)}
        top = peaks[np.argsort(self.power[peaks])[::-1][:count]]
        total = float(self.power.sum()) or 1.0
        return {
            "band_hz": list(BAND_HZ),
            "resolution_hz": round(float(self.freqs[1] - self.freqs[0]), 4),
            "peaks": [
                {
                    "bpm": round(60.0 * float(self.freqs[k]), 1),
                    "power_share": round(float(self.power[k]) / total, 4),
                }
                for k in top
            ],
            "f0_bpm": round(60.0 * f0, 2) if np.isfinite(f0) else None,
        }


def spectrum(
    pulse: NDArray[np.float64],
    fs: float,
    segment_s: float = 12.0,
    band: tuple[float, float] = BAND_HZ,
) -> Spectrum:
    """Welch spectrum (Hann, 50 % overlap) on a fine grid (0.01 Hz) inside the band.

    Averaging segments of `segment_s` keeps a noise spectrum from producing one lucky tall
    peak, which is what lets the SNR threshold separate pulse from noise on long traces.
    """
    n = pulse.shape[0]
    if n < 8:
        return Spectrum(np.zeros(0), np.zeros(0))
    nperseg = min(n, max(8, int(segment_s * fs)))
    nfft = max(nperseg, int(2 ** np.ceil(np.log2(fs / 0.01))))
    freqs, power = signal.welch(
        pulse,
        fs=fs,
        window="hann",
        nperseg=nperseg,
        noverlap=nperseg // 2,
        nfft=nfft,
        detrend="constant",
    )
    keep = (freqs >= band[0]) & (freqs <= min(band[1], 0.5 * fs))
    return Spectrum(freqs[keep], power[keep])


@dataclass(frozen=True)
class TrackedRate:
    """Rate over time: one value per window, from a tracker that dislikes sudden jumps."""

    times: tuple[float, ...]
    bpm: tuple[float, ...]
    snr_db: tuple[float, ...]

    def stability(self, reference_bpm: float, tolerance_bpm: float = 6.0) -> float:
        """Fraction of windows whose rate agrees with `reference_bpm`."""
        if not self.bpm or not np.isfinite(reference_bpm):
            return 0.0
        return float(np.mean(np.abs(np.asarray(self.bpm) - reference_bpm) <= tolerance_bpm))


def track_rate(
    pulse: NDArray[np.float64],
    fs: float,
    *,
    window_s: float = 8.0,
    step_s: float = 1.0,
    max_jump_bpm_per_s: float = 6.0,
) -> TrackedRate:
    """Rates over sliding windows, chosen by dynamic programming over the spectrogram.

    Each window's spectrum is a set of candidate rates; the path through them that maximises
    normalised power minus a penalty on rate changes faster than `max_jump_bpm_per_s` wins
    (a Viterbi pass). A heart does not jump 30 bpm in a second; noise peaks do.
    """
    length = int(round(window_s * fs))
    hop = max(1, int(round(step_s * fs)))
    if pulse.shape[0] < length or length < 8:
        return TrackedRate((), (), ())
    nfft = max(length, int(2 ** np.ceil(np.log2(fs / 0.02))))
    freqs = np.fft.rfftfreq(nfft, 1.0 / fs)
    keep = (freqs >= BAND_HZ[0]) & (freqs <= min(BAND_HZ[1], 0.5 * fs))
    band_freqs = freqs[keep]
    taper = np.hanning(length)
    starts = range(0, pulse.shape[0] - length + 1, hop)
    rows = []
    for start in starts:
        piece = pulse[start : start + length]
        power = np.abs(np.fft.rfft((piece - piece.mean()) * taper, nfft)) ** 2
        rows.append(power[keep])
    spec = np.asarray(rows)
    spec = spec / np.maximum(spec.sum(axis=1, keepdims=True), 1e-30)
    score = np.log(np.maximum(spec, 1e-12))
    bpm = 60.0 * band_freqs
    allowed = max_jump_bpm_per_s * step_s
    jump = np.abs(bpm[:, None] - bpm[None, :])
    penalty = np.where(jump <= allowed, 0.0, (jump - allowed) / allowed)
    total = score[0].copy()
    back = np.zeros(spec.shape, dtype=np.int64)
    for i in range(1, spec.shape[0]):
        candidates = total[None, :] - penalty
        back[i] = np.argmax(candidates, axis=1)
        total = score[i] + candidates[np.arange(bpm.size), back[i]]
    path = np.zeros(spec.shape[0], dtype=np.int64)
    path[-1] = int(np.argmax(total))
    for i in range(spec.shape[0] - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    window_snr = []
    for i, k in enumerate(path):
        near = (np.abs(band_freqs - band_freqs[k]) <= SNR_HALF_WIDTH_HZ) | (
            np.abs(band_freqs - 2 * band_freqs[k]) <= SNR_HALF_WIDTH_HZ
        )
        s, n = float(spec[i, near].sum()), float(spec[i, ~near].sum())
        window_snr.append(10.0 * np.log10(s / n) if s > 0 and n > 0 else float("nan"))
    centres = [(start + length / 2) / fs for start in starts]
    return TrackedRate(tuple(centres), tuple(float(bpm[k]) for k in path), tuple(window_snr))


@dataclass(frozen=True)
class Beats:
    """Beat times found on the pulse wave and the rate they imply (60 / mean interval)."""

    times: tuple[float, ...]
    bpm: float | None
    interval_cv: float | None


def count_beats(
    pulse: NDArray[np.float64], fs: float, f0_hz: float, start_time: float = 0.0
) -> Beats:
    """Beats as peaks of the pulse wave filtered tightly around the spectral rate.

    The narrow band (f0 x 0.6 .. x 1.6, floored at 0.5 Hz) keeps the dicrotic notch and the
    harmonics from producing double peaks; peaks must be at least 0.6 of a period apart.
    Beats within one period of either end are left out: the filter's edge transients move
    them, and a span shortened by a fraction of a beat biases a 10 s rate by several %.
    Peak times are refined by a parabola through the three samples around each peak, and the
    rate is (number of intervals) / (last beat - first beat), the truth's own definition for
    a chest strap's RR intervals.
    """
    if not np.isfinite(f0_hz) or f0_hz <= 0 or pulse.shape[0] < int(3 * fs / f0_hz):
        return Beats((), None, None)
    band = (max(0.5, 0.6 * f0_hz), min(1.6 * f0_hz, 0.45 * fs))
    wave = bandpass(pulse, fs, band=band, order=2)
    peaks, _ = signal.find_peaks(wave, distance=max(1, int(0.6 * fs / f0_hz)))
    if peaks.size < 3:
        return Beats((), None, None)
    margin = int(round(fs / f0_hz))
    inner = peaks[(peaks >= max(1, margin)) & (peaks < wave.shape[0] - max(1, margin))]
    if inner.size < 3:
        return Beats((), None, None)
    a, b, c = wave[inner - 1], wave[inner], wave[inner + 1]
    denom = a - 2.0 * b + c
    shift = np.where(denom < 0, 0.5 * (a - c) / np.where(denom < 0, denom, -1.0), 0.0)
    times = (inner + np.clip(shift, -0.5, 0.5)) / fs
    intervals = np.diff(times)
    mean_interval = float(intervals.mean())
    return Beats(
        tuple(float(t + start_time) for t in times),
        60.0 / mean_interval if mean_interval > 0 else None,
        float(intervals.std() / mean_interval) if mean_interval > 0 else None,
    )
