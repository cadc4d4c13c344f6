"""One call from a trace to a heart rate, or to a reasoned "no reliable pulse".

The thresholds below decide when a rate is reported. They were set so that pure noise traces
(simulated, 5 to 90 s long: none of 3,000 passed) do not pass, and then checked on real data:
see docs/pulse.md for the figures and the commands that produce them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from unmask.pulse.methods import dead_channels, extract_pulse
from unmask.pulse.preprocess import UniformSignal, to_uniform
from unmask.pulse.rate import Beats, TrackedRate, count_beats, spectrum, track_rate
from unmask.pulse.trace import RGBTrace

MIN_SECONDS = 5.0
MIN_FRAME_RATE = 8.0
MIN_LEVEL = 20.0
MAX_DROPPED = 0.4
SNR_MIN_DB = -1.0
SHORT_SECONDS = 24.0
SHORT_EXTRA_DB = 3.0
STABILITY_MIN = 0.6
BEATS_AGREE = 0.08


@dataclass(frozen=True, eq=False)
class PulseEstimate:
    """A heart rate (or None) with everything needed to trust or distrust it."""

    heart_rate_bpm: float | None
    snr_db: float | None
    quality: float
    method: str
    reason: str | None = None
    spectral_bpm: float | None = None
    beats_bpm: float | None = None
    stability: float = 0.0
    duration_s: float = 0.0
    frame_rate: float = 0.0
    dropped_fraction: float = 0.0
    jump_fraction: float = 0.0
    motion_fraction: float = 0.0
    spectrum_summary: dict[str, Any] = field(default_factory=dict)
    tracked: TrackedRate | None = None
    beats: Beats | None = None
    pulse: NDArray[np.float64] | None = None
    pulse_fs: float = 0.0
    pulse_start: float = 0.0

    @property
    def reliable(self) -> bool:
        return self.heart_rate_bpm is not None

    def as_dict(self) -> dict[str, Any]:
        def rounded(value: float | None, digits: int = 2) -> float | None:
            return round(float(value), digits) if value is not None and np.isfinite(value) else None

        document: dict[str, Any] = {
            "heart_rate_bpm": rounded(self.heart_rate_bpm),
            "snr_db": rounded(self.snr_db),
            "quality": round(self.quality, 3),
            "method": self.method,
            "reason": self.reason,
            "spectral_bpm": rounded(self.spectral_bpm),
            "beats_bpm": rounded(self.beats_bpm),
            "stability": round(self.stability, 3),
            "duration_s": round(self.duration_s, 2),
            "frame_rate": round(self.frame_rate, 2),
            "dropped_fraction": round(self.dropped_fraction, 3),
            "jump_fraction": round(self.jump_fraction, 3),
            "motion_fraction": round(self.motion_fraction, 3),
            "beat_interval_cv": rounded(self.beats.interval_cv, 3)
            if self.beats is not None
            else None,
            "spectrum": self.spectrum_summary,
        }
        if self.tracked is not None and self.tracked.bpm:
            document["rate_over_time"] = {
                "t_s": [round(t, 1) for t in self.tracked.times],
                "bpm": [round(b, 1) for b in self.tracked.bpm],
            }
        return document


def quality_index(snr_db: float, stability: float) -> float:
    """0..1: SNR mapped linearly from -6 dB (0) to +6 dB (1), times the tracker's stability."""
    if not np.isfinite(snr_db):
        return 0.0
    return float(np.clip((snr_db + 6.0) / 12.0, 0.0, 1.0) * np.clip(stability, 0.0, 1.0))


def snr_threshold(duration_s: float) -> float:
    """The SNR a trace must reach: -1 dB from 24 s on, up to +2 dB for the shortest traces.

    Short traces average fewer spectra, so their noise SNR spreads wider: on simulated white
    noise the 99th percentile is about +0.2 dB at 7 s but -4 dB at 30 s.
    """
    shortfall = max(0.0, SHORT_SECONDS - duration_s) / (SHORT_SECONDS - MIN_SECONDS)
    return SNR_MIN_DB + SHORT_EXTRA_DB * min(1.0, shortfall)


def _refuse(
    method: str, reason: str, trace: RGBTrace, uniform: UniformSignal | None = None
) -> PulseEstimate:
    return PulseEstimate(
        heart_rate_bpm=None,
        snr_db=None,
        quality=0.0,
        method=method,
        reason=reason,
        duration_s=trace.duration,
        frame_rate=trace.frame_rate,
        dropped_fraction=float(uniform.dropped.mean())
        if uniform is not None and uniform.dropped.size
        else 0.0,
    )


def estimate_pulse(
    trace: RGBTrace, method: str = "pos", *, fs: float | None = None
) -> PulseEstimate:
    """Heart rate of a trace by `method`, or None with the reason it cannot be trusted."""
    seen = trace.seen()
    if len(seen) < 2 or seen.duration < MIN_SECONDS:
        return _refuse(
            method, f"too short: {seen.duration:.1f} s of signal, need {MIN_SECONDS:.0f} s", trace
        )
    if seen.frame_rate < MIN_FRAME_RATE:
        return _refuse(
            method,
            f"frame rate too low: {seen.frame_rate:.1f} fps, need {MIN_FRAME_RATE:.0f}",
            trace,
        )
    if float(seen.rgb.mean(axis=0).max()) < MIN_LEVEL:
        return _refuse(method, "too dark: mean level below 20 of 255 in every channel", trace)
    uniform = to_uniform(seen, fs)
    dead = dead_channels(uniform, method)
    if dead:
        return _refuse(
            method,
            f"channel {'/'.join(dead)} carries no signal (clipped or absent); try --method red or auto",
            trace,
            uniform,
        )
    dropped = float(uniform.dropped.mean())
    if dropped > MAX_DROPPED:
        return _refuse(
            method,
            f"too much motion or lighting jumps: {100 * dropped:.0f}% of frames dropped",
            trace,
            uniform,
        )
    pulse = extract_pulse(uniform, method)
    spec = spectrum(pulse, uniform.fs)
    f0 = spec.peak()
    snr = spec.snr_db(f0)
    tracked = track_rate(pulse, uniform.fs)
    spectral_bpm = 60.0 * f0 if np.isfinite(f0) else None
    stability = tracked.stability(spectral_bpm) if spectral_bpm is not None else 0.0
    if not tracked.bpm and spectral_bpm is not None:
        stability = 1.0
    beats = count_beats(pulse, uniform.fs, f0, start_time=float(uniform.times[0]))
    quality = quality_index(snr, stability)
    reason = None
    if spectral_bpm is None or not np.isfinite(snr):
        reason = "no reliable pulse: no power in the 42-240 bpm band"
    elif snr < snr_threshold(seen.duration):
        reason = f"no reliable pulse: SNR {snr:.1f} dB below {snr_threshold(seen.duration):.1f} dB"
    elif stability < STABILITY_MIN:
        reason = (
            f"no reliable pulse: rate unstable over time ({100 * stability:.0f}% of windows agree)"
        )
    rate: float | None = None
    if reason is None and spectral_bpm is not None:
        agrees = (
            beats.bpm is not None and abs(beats.bpm - spectral_bpm) <= BEATS_AGREE * spectral_bpm
        )
        rate = beats.bpm if agrees else spectral_bpm
    return PulseEstimate(
        heart_rate_bpm=rate,
        snr_db=snr if np.isfinite(snr) else None,
        quality=quality,
        method=method,
        reason=reason,
        spectral_bpm=spectral_bpm,
        beats_bpm=beats.bpm,
        stability=stability,
        duration_s=seen.duration,
        frame_rate=seen.frame_rate,
        dropped_fraction=dropped,
        jump_fraction=uniform.jump_fraction,
        motion_fraction=uniform.motion_fraction,
        spectrum_summary=spec.summary(f0),
        tracked=tracked,
        beats=beats,
        pulse=pulse,
        pulse_fs=uniform.fs,
        pulse_start=float(uniform.times[0]),
    )


def estimate_best(trace: RGBTrace, methods: tuple[str, ...]) -> PulseEstimate:
    """The estimate with the highest SNR among `methods` (for traces whose best channel is unknown,
    such as contact PPG where red carries the pulse and green may be clipped to zero)."""
    estimates = [estimate_pulse(trace, name) for name in methods]
    scored = [e for e in estimates if e.snr_db is not None]
    if not scored:
        return estimates[0]
    return max(scored, key=lambda e: (e.reliable, e.snr_db))
