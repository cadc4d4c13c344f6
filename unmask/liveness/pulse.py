"""Pulse cue: is there blood under this skin?

Reads the region traces of one face track (forehead, cheeks, nose, chin, periocular rings,
background beside the face) and weighs four pieces of evidence:

(a) strength: the SNR of the pulse in each region and in all skin pooled;
(b) spatial coherence: independent skin regions beat at the same rate and in phase (mean
    pairwise correlation of their pulse waves, narrow-band around the pooled rate); a living
    face has it, noise does not, and a replayed or printed face has at most one light rhythm;
(c) face vs background: a rhythm at the same rate beside the face is the light, not blood;
(d) periocular vs cheeks: a pulse in the rings around the eyes while cheeks and forehead are
    silent at that rate (SNR at the eye rate 3 dB under the detection threshold, so a merely
    weak pulse does not count) is what a silicone mask with eye holes looks like.

It answers inconclusive (score None, with the reason) when the track is too short, too dark,
moves too much, the face is too small or the video too compressed to carry a pulse at all,
rather than calling a weak signal an attack. Thresholds are first settings from simulated
clips (docs/pulse.md); fusion calibrates the score.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.signal import welch

from unmask.liveness.features.colour import MONOCHROME_MARK
from unmask.pulse.estimate import MIN_SECONDS, PulseEstimate, estimate_pulse, snr_threshold
from unmask.pulse.preprocess import BAND_HZ, bandpass
from unmask.pulse.rate import spectrum
from unmask.pulse.recorder import FaceTraceRecorder, HeadPath
from unmask.pulse.regions import BACKGROUND_REGIONS, CHEEK_REGIONS, PERIOCULAR_REGIONS, SKIN_REGIONS
from unmask.pulse.trace import RGBTrace, pooled_trace
from unmask.types import CueScore, Face, Frame

CUE = "pulse"
MIN_REGION_PIXELS = 40
MIN_FACE_PX = 60.0
MIN_LUMA = 35.0
MAX_DROPPED = 0.4
MIN_BITS_PER_PIXEL = 0.5
COHERENT = 0.3
STRONG_COHERENCE = 0.5
"""Pulse waves this correlated across regions are shared even when no single region is strong
enough alone (simulated: 0.44-0.78 for weak or compressed bona fide pulses, -0.01 to 0.24 for
faces without a pulse, compressed or not)."""
PHASE_LOCKED = 0.7
"""Pulse waves this correlated across MIN_LOCKED_REGIONS regions that peak at the pooled rate are
one pulse even when neither the pooled trace nor any single region clears the SNR threshold. In
6 s the threshold is 1.8 dB and a normal pulse under a moving head often reaches 0-1.5 dB per
region; but the regions' waves, narrow-band around the rate, stay in phase (SIMULATED lab clips,
seed 7171: 0.75-0.91 on four of six living faces, -0.08 to 0.32 on twelve silicone and rigid
masks; independent noise in a 0.5 Hz band over 6 s gives about 0 +- 0.15 across 7 regions).
Common-mode light (the same rhythm beside the face) is still caught by the background check."""
MIN_LOCKED_REGIONS = 4
MAX_SWAY = 0.002
"""The most the head may move at the pulse rate (standard deviation of its centre and spread,
band-passed around the rate, over the face size) for a weak pulse to count: a sheet or a head
swaying at a heart-like rate shades every skin region in phase. SIMULATED lab clips (seeds 7171
and 7777, 6 s): living faces whose regions were in phase moved 0.0002-0.0006 of their size at
that rate; a print at 52 bpm whose regions reached 0.57 swayed 0.0086."""
AGREE_BPM = 6.0
ABSENCE_SECONDS = 10.0
SILENT_MARGIN_DB = 3.0
WEAK_PULSE = 0.001
"""A weak but normal skin pulse: 0.1 % of the green level (half peak-to-peak)."""
MODEL_GAP_DB = 10.0


@dataclass(frozen=True)
class PulseCueConfig:
    """Knobs of the cue. A pulse can be found in `MIN_SECONDS`, but its absence counts as
    evidence of an attack only after `absence_seconds` and when the video has at least
    `min_bits_per_pixel` (file bits per pixel per frame); below that a missing pulse is blamed
    on compression, not on the face."""

    method: str = "pos"
    min_face_px: float = MIN_FACE_PX
    min_region_pixels: int = MIN_REGION_PIXELS
    min_bits_per_pixel: float = MIN_BITS_PER_PIXEL
    coherent: float = COHERENT
    absence_seconds: float = ABSENCE_SECONDS


def _wave_on(estimate: PulseEstimate, grid: NDArray[np.float64]) -> NDArray[np.float64] | None:
    if estimate.pulse is None or estimate.pulse.size < 8:
        return None
    times = estimate.pulse_start + np.arange(estimate.pulse.size) / estimate.pulse_fs
    return np.interp(grid, times, estimate.pulse, left=np.nan, right=np.nan)


def _around_rate(f0_hz: float, fs: float) -> tuple[float, float]:
    """The narrow band (+-0.25 Hz) in which the regions' waves and the head's path are compared
    at the pulse rate."""
    return max(0.5, f0_hz - 0.25), min(f0_hz + 0.25, 0.45 * fs)


def _coherence(estimates: dict[str, PulseEstimate], f0_hz: float) -> tuple[float | None, int]:
    """Mean pairwise zero-lag correlation of the regions' pulse waves around f0."""
    usable = {n: e for n, e in estimates.items() if e.pulse is not None and e.pulse.size >= 8}
    if len(usable) < 2 or not np.isfinite(f0_hz):
        return None, len(usable)
    start = max(e.pulse_start for e in usable.values())
    stop = min(
        e.pulse_start + (e.pulse.size - 1) / e.pulse_fs
        for e in usable.values()
        if e.pulse is not None
    )
    fs = max(e.pulse_fs for e in usable.values())
    if stop - start < 3.0 / f0_hz:
        return None, len(usable)
    grid = np.arange(start, stop - 1e-9, 1.0 / fs)
    band = _around_rate(f0_hz, fs)
    waves = []
    for estimate in usable.values():
        wave = _wave_on(estimate, grid)
        if wave is None or np.isnan(wave).any():
            continue
        narrow = bandpass(wave, fs, band=band, order=2)
        spread = float(narrow.std())
        if spread > 0:
            waves.append((narrow - narrow.mean()) / spread)
    if len(waves) < 2:
        return None, len(waves)
    matrix = np.corrcoef(np.stack(waves))
    upper = matrix[np.triu_indices(len(waves), k=1)]
    return float(np.mean(upper)), len(waves)


def _snr_at(estimate: PulseEstimate, f0_hz: float, grid_fs: float | None = None) -> float | None:
    """SNR of a region's own spectrum measured at someone else's rate (the face's)."""
    if estimate.pulse is None or estimate.pulse.size < 8 or not np.isfinite(f0_hz):
        return None
    value = spectrum(estimate.pulse, grid_fs or estimate.pulse_fs).snr_db(f0_hz)
    return float(value) if np.isfinite(value) else None


def expected_snr_db(trace: RGBTrace, amplitude: float = WEAK_PULSE) -> float | None:
    """The SNR a pulse of relative `amplitude` would reach over this trace's own in-band noise.

    The noise is the median power density of the green log level inside the pulse band (Welch),
    so a peak (a pulse, or a rhythm the light adds) barely moves it, while noise outside the band
    (mains flicker aliased to 10 Hz, slow lighting drift) does not count: the band-pass removes
    it before any spectrum is read, and counting it once made the gate refuse clean clips lit
    by fluorescent lamps. A sinusoid of half peak-to-peak `amplitude` has power amplitude**2 / 2;
    the noise falls in the band outside the +-0.1 Hz SNR windows (about 2.9 Hz). That model
    over-predicts: on simulated clips (light and dark skin, pulses of 0.1-0.3 %, noise std 1-5)
    the measured SNR fell 3 to 10.6 dB short of it (harmonics, window leakage, the method's own
    noise), so `MODEL_GAP_DB` is subtracted and the gate errs toward inconclusive. When even a
    normal pulse would stay under the detection threshold, a missing pulse says nothing about
    the face.
    """
    seen = trace.seen()
    if len(seen) < 8 or seen.frame_rate <= 0:
        return None
    green = np.log(np.maximum(seen.rgb[:, 1], 1e-3))
    freqs, density = welch(
        green - green.mean(), fs=seen.frame_rate, nperseg=min(len(green), 256), detrend="linear"
    )
    band = (freqs >= BAND_HZ[0]) & (freqs <= min(BAND_HZ[1], seen.frame_rate / 2.0))
    if not band.any():
        return None
    noise_density = float(np.median(density[band]))
    if noise_density <= 0:
        return 60.0
    noise_power = noise_density * 2.9
    return float(10.0 * np.log10((amplitude**2 / 2.0) / noise_power)) - MODEL_GAP_DB


def _region_summary(estimate: PulseEstimate, pixels: float) -> dict[str, Any]:
    return {
        "snr_db": round(estimate.snr_db, 2) if estimate.snr_db is not None else None,
        "bpm": round(estimate.spectral_bpm, 1) if estimate.spectral_bpm is not None else None,
        "pulse": estimate.reliable,
        "pixels": int(round(pixels)),
        "reason": estimate.reason,
    }


MONOCHROME_REASON = (
    "monochrome video (a greyscale or night-mode camera): the pulse is read from the skin's "
    "colour change"
)


def monochrome_pulse() -> CueScore:
    """The pulse cue of a video without colour: silent, because the colour change it reads is
    not recorded there and its absence says nothing about the face."""
    return CueScore(CUE, None, reason=MONOCHROME_REASON, evidence={MONOCHROME_MARK: True})


def _inconclusive(reason: str, evidence: dict[str, Any]) -> CueScore:
    return CueScore(CUE, None, reason=reason, evidence=evidence)


def _viewing_problem(
    skin: RGBTrace,
    median_pixels: dict[str, float],
    face_size_px: float | None,
    config: PulseCueConfig,
    evidence: dict[str, Any],
) -> str | None:
    """Why this track cannot show a pulse whatever the face is (None when it can)."""
    seen = skin.seen()
    luma = float((seen.rgb @ np.array([0.299, 0.587, 0.114])).mean())
    evidence["mean_luma"] = round(luma, 1)
    if seen.duration < MIN_SECONDS:
        return f"too short: {seen.duration:.1f} s, need {MIN_SECONDS:.0f} s"
    if luma < MIN_LUMA:
        return f"too dark: mean skin level {luma:.0f} of 255"
    too_small = face_size_px is not None and face_size_px < config.min_face_px
    if too_small or max(median_pixels.values(), default=0) < config.min_region_pixels:
        return "face too small for a pulse: move closer or use a higher resolution"
    return None


def _spatial_evidence(
    regions: dict[str, PulseEstimate], pooled: PulseEstimate, evidence: dict[str, Any]
) -> tuple[float | None, list[str], list[str]]:
    """(b): how well the regions' pulse waves agree in phase, and which agree in rate: those
    with a reliable pulse of their own (agreeing) and those whose spectral peak merely falls
    within 6 bpm of the pooled rate (consistent: a weak pulse spread over several regions)."""
    f0 = (pooled.spectral_bpm or float("nan")) / 60.0
    coherence, compared = _coherence(regions, f0)
    consistent = [
        n
        for n, e in regions.items()
        if e.spectral_bpm is not None
        and pooled.spectral_bpm is not None
        and abs(e.spectral_bpm - pooled.spectral_bpm) <= AGREE_BPM
    ]
    agreeing = [n for n in consistent if regions[n].reliable]
    evidence["coherence"] = {
        "mean_correlation": None if coherence is None else round(coherence, 3),
        "regions": compared,
        "agreeing_regions": agreeing,
        "consistent_regions": consistent,
    }
    return coherence, agreeing, consistent


def _background_rhythm(
    traces: Mapping[str, RGBTrace],
    pooled: PulseEstimate,
    method: str,
    duration: float,
    evidence: dict[str, Any],
) -> bool:
    """(c): does the background beside the face beat at the skin's rate?"""
    f0 = (pooled.spectral_bpm or float("nan")) / 60.0
    estimates = [
        estimate_pulse(traces[n], method)
        for n in BACKGROUND_REGIONS
        if n in traces and len(traces[n].seen()) > 1
    ]
    snrs = [s for s in (_snr_at(e, f0) for e in estimates) if s is not None]
    same = bool(snrs) and max(snrs) >= snr_threshold(duration)
    evidence["background"] = {
        "snr_at_face_rate_db": [round(s, 2) for s in snrs],
        "same_rhythm": same,
    }
    return same


def _eye_hole_pattern(
    regions: dict[str, PulseEstimate], duration: float, evidence: dict[str, Any]
) -> bool:
    """(d): a pulse in the periocular rings while cheeks and forehead are silent at that rate."""
    periocular_pulse = [n for n in PERIOCULAR_REGIONS if n in regions and regions[n].reliable]
    cheek_like = [n for n in (*CHEEK_REGIONS, "forehead") if n in regions]
    cheek_pulse = [n for n in cheek_like if regions[n].reliable]
    eye_rates = [regions[n].spectral_bpm or float("nan") for n in periocular_pulse]
    eye_rate = float(np.mean(eye_rates)) / 60.0 if eye_rates else float("nan")
    cheek_snr = {n: _snr_at(regions[n], eye_rate) for n in cheek_like}
    silent_floor = snr_threshold(duration) - SILENT_MARGIN_DB
    silent = all(v is not None and v < silent_floor for v in cheek_snr.values())
    pattern = bool(periocular_pulse) and bool(cheek_like) and not cheek_pulse and silent
    evidence["periocular_vs_cheeks"] = {
        "periocular_pulse": periocular_pulse,
        "cheek_forehead_pulse": cheek_pulse,
        "cheek_forehead_snr_at_eye_rate_db": {
            n: None if v is None else round(v, 2) for n, v in cheek_snr.items()
        },
        "eye_hole_pattern": pattern,
    }
    return pattern


def _head_sway(
    head: HeadPath | None, pooled: PulseEstimate, face_size_px: float | None
) -> float | None:
    """How much the head moved at the pooled pulse rate, as a share of the face size: the
    largest standard deviation of its centre (x, y) and spread band-passed around the rate
    (None when the path or the rate is missing)."""
    if head is None or len(head) < 8 or not face_size_px:
        return None
    if pooled.pulse is None or pooled.pulse.size < 8 or pooled.spectral_bpm is None:
        return None
    f0 = pooled.spectral_bpm / 60.0
    grid = pooled.pulse_start + np.arange(pooled.pulse.size) / pooled.pulse_fs
    band = _around_rate(f0, pooled.pulse_fs)
    sways = []
    for signal in (head.centre[:, 0], head.centre[:, 1], head.spread):
        path = np.interp(grid, head.times, signal)
        sways.append(float(bandpass(path - path.mean(), pooled.pulse_fs, band=band, order=2).std()))
    return max(sways) / face_size_px


def _absence_problem(
    skin: RGBTrace, bits_per_pixel: float | None, config: PulseCueConfig, evidence: dict[str, Any]
) -> str | None:
    """Why a missing pulse says nothing about this face (None when it does count)."""
    duration = skin.seen().duration
    if bits_per_pixel is not None and bits_per_pixel < config.min_bits_per_pixel:
        return (
            f"too compressed: no pulse found, and {bits_per_pixel:.3f} bits per pixel can remove it"
        )
    detectable = expected_snr_db(skin)
    evidence["expected_snr_db_of_weak_pulse"] = None if detectable is None else round(detectable, 2)
    if detectable is not None and detectable < snr_threshold(duration):
        return f"too noisy: a normal pulse would reach only {detectable:.1f} dB SNR here"
    if duration < config.absence_seconds:
        return f"too short to call a missing pulse: {duration:.1f} s, need {config.absence_seconds:.0f} s"
    return None


def pulse_cue(
    traces: Mapping[str, RGBTrace],
    *,
    face_size_px: float | None = None,
    bits_per_pixel: float | None = None,
    config: PulseCueConfig | None = None,
    head: HeadPath | None = None,
) -> CueScore:
    """The pulse cue for one face track's region traces (as FaceTraceRecorder.traces() gives);
    `head` (FaceTraceRecorder.head_path()) lets a weak pulse count when the regions beat in
    phase and the head did not sway at that rate."""
    config = config or PulseCueConfig()
    skin = pooled_trace(traces, tuple(n for n in SKIN_REGIONS if n in traces))
    if skin is None or len(skin.seen()) < 2:
        return CueScore(CUE, None, reason="no skin regions seen")
    duration = skin.seen().duration
    evidence: dict[str, Any] = {"method": config.method, "duration_s": round(duration, 2)}
    if face_size_px is not None:
        evidence["face_size_px"] = round(face_size_px, 1)
    if bits_per_pixel is not None:
        evidence["bits_per_pixel"] = round(bits_per_pixel, 4)
    median_pixels = {
        n: float(np.median(traces[n].seen().pixels)) if len(traces[n].seen()) else 0.0
        for n in SKIN_REGIONS
        if n in traces
    }
    problem = _viewing_problem(skin, median_pixels, face_size_px, config, evidence)
    if problem:
        return _inconclusive(problem, evidence)
    pooled = estimate_pulse(skin, config.method)
    evidence["skin"] = pooled.as_dict() | {"rate_over_time": None}
    if pooled.dropped_fraction > MAX_DROPPED or (pooled.reason or "").startswith("too much motion"):
        return _inconclusive(
            f"too much motion: {100 * pooled.dropped_fraction:.0f}% of frames dropped", evidence
        )

    regions = {
        n: estimate_pulse(traces[n], config.method)
        for n in SKIN_REGIONS
        if median_pixels.get(n, 0) >= config.min_region_pixels / 2
    }
    evidence["regions"] = {n: _region_summary(e, median_pixels[n]) for n, e in regions.items()}
    coherence, agreeing, consistent = _spatial_evidence(regions, pooled, evidence)
    background_rhythm = _background_rhythm(traces, pooled, config.method, duration, evidence)
    if _eye_hole_pattern(regions, duration, evidence):
        finding = "pulse around the eyes only: a mask with eye holes"
        return CueScore(CUE, 0.1, confidence=0.7, evidence=evidence | {"finding": finding})
    shared = coherence is not None and (
        (coherence >= config.coherent and len(agreeing) >= 2)
        or (coherence >= STRONG_COHERENCE and len(consistent) >= 3)
    )
    sway = _head_sway(head, pooled, face_size_px)
    evidence["coherence"]["head_sway_at_rate"] = None if sway is None else round(sway, 5)
    locked = (
        coherence is not None
        and coherence >= PHASE_LOCKED
        and len(consistent) >= MIN_LOCKED_REGIONS
        and sway is not None
        and sway <= MAX_SWAY
    )
    live = (pooled.reliable and shared) or locked
    if live and background_rhythm:
        return _inconclusive(
            "the same rhythm is in the background: periodic lighting, not blood", evidence
        )
    if live:
        strength = min(
            float(np.clip(pooled.quality, 0.0, 1.0)), float(np.clip(coherence or 0.0, 0.0, 1.0))
        )
        finding = (
            "coherent pulse across skin regions"
            if pooled.reliable
            else f"a weak pulse, in phase across {len(consistent)} skin regions"
        )
        return CueScore(
            CUE,
            round(0.6 + 0.4 * strength**0.5, 3),
            confidence=round(0.5 + 0.5 * strength, 3),
            evidence=evidence | {"finding": finding},
        )
    if pooled.reliable or agreeing:
        return _inconclusive(
            "a pulse-like rhythm that skin regions do not share: not coherent enough to judge",
            evidence,
        )
    problem = _absence_problem(skin, bits_per_pixel, config, evidence)
    if problem:
        return _inconclusive(problem, evidence)
    return CueScore(
        CUE, 0.25, confidence=0.5, evidence=evidence | {"finding": "no pulse on any skin region"}
    )


@dataclass
class PulseStream:
    """The pulse cue on a live track, updated frame by frame.

    It evaluates once a second after the first `MIN_SECONDS` over the most recent `window_s`,
    and stops at the first conclusive answer with confidence of at least `min_confidence`;
    `decided_after_s` then says how much video the decision took (time to decision).
    """

    window_s: float = 12.0
    every_s: float = 1.0
    min_confidence: float = 0.5
    max_seconds: float = 30.0
    bits_per_pixel: float | None = None
    config: PulseCueConfig = field(default_factory=PulseCueConfig)
    recorder: FaceTraceRecorder = field(default_factory=FaceTraceRecorder)
    latest: CueScore | None = None
    decided_after_s: float | None = None
    _started: float | None = None
    _last_eval: float = -1e9

    def update(self, frame: Frame, face: Face | None) -> CueScore | None:
        """Add one frame (face None when the track was not seen); the cue when re-evaluated."""
        if self.decided_after_s is not None:
            return self.latest
        if self._started is None:
            self._started = frame.timestamp
        self.recorder.add_face(frame, face)
        elapsed = frame.timestamp - self._started
        if elapsed < MIN_SECONDS or frame.timestamp - self._last_eval < self.every_s:
            return None
        self._last_eval = frame.timestamp
        start = frame.timestamp - self.window_s
        traces = {name: trace.since(start) for name, trace in self.recorder.traces().items()}
        self.latest = pulse_cue(
            traces,
            face_size_px=self.recorder.face_size_px(),
            bits_per_pixel=self.bits_per_pixel,
            config=self.config,
            head=self.recorder.head_path(),
        )
        if (
            self.latest.conclusive and self.latest.confidence >= self.min_confidence
        ) or elapsed >= self.max_seconds:
            self.decided_after_s = elapsed
        return self.latest

    @property
    def decided(self) -> bool:
        return self.decided_after_s is not None
