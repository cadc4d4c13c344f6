"""A face's heart rate from agreement across skin regions, for traces too short for one SNR gate.

A 6-10 s trace has one spectrum, so its noise alone often makes a peak as tall as a weak pulse:
the single-trace gate (`estimate_pulse`) must then ask for an SNR that clean 6 s clips of living
faces rarely reach (SIMULATED lab clips: 1 of 4). Independent patches of skin (forehead, cheeks,
nose, chin) each see the same pulse under their own noise. This module asks for three things:

- their spectra, each scaled to unit power in the band and averaged, keep the pulse's peak while
  the noise peaks average out, as Welch averaging does over time (the mean spectrum's SNR);
- each region's own highest peak, chosen without looking at the others, falls near the same
  rate (at least 3 of them within 5 bpm); noise peaks fall anywhere in 42-240 bpm;
- those regions pooled into one trace have more power at that rate than noise leaves there.

The periocular rings are left out: a mask's eye holes show the wearer's pulse there, and the
pulse cue reads that pattern as an attack (`unmask.liveness.pulse`). The thresholds were set
on simulated pure-noise regions and checked on REAL recordings with no usable pulse
(pulse/bias-eval-india): see docs/pulse.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from unmask.pulse.estimate import PulseEstimate, estimate_pulse, quality_index
from unmask.pulse.rate import Spectrum, spectrum
from unmask.pulse.trace import RGBTrace, pooled_trace

CONSENSUS_REGIONS = ("forehead", "left_cheek", "right_cheek", "nose", "chin")
MIN_REGIONS = 4
"""Regions needed before agreement means anything (fewer: the single-trace gate alone)."""
MIN_AGREEING = 3
AGREE_BPM = 5.0
CONSENSUS_SNR_MIN_DB = -4.5
"""On 2,000 simulated pure-noise faces (five regions, 6 and 10 s, 15 and 30 fps) the mean
spectrum's SNR peaked at -4.4 to -3.9 dB, and was over this with 3 regions agreeing twice."""
MIN_BITS_PER_PIXEL = 0.5
"""Below this (file bits per pixel per frame) no consensus is sought: H.264 then leaves a slow
rhythm of its own in every region alike (SIMULATED: astronaut photo without any pulse, 12 s,
at 0.01 and 0.05 bits per pixel the five regions agreed on 60 and 63 bpm)."""
POOLED_AT_RATE_MIN_DB = -6.0
"""The consensus regions pooled must carry the agreed rate too: noise puts about -8.6 dB there
on average (the +-0.1 Hz windows at f0 and 2 f0 cover 0.4 of the band's 3.3 Hz). The two noise
faces above that passed the first two tests had -7.2 and -7.6 dB here (benchmarks/
pulse_consensus.py)."""


@dataclass(frozen=True)
class Consensus:
    """What the regions agree on: the mean spectrum's peak and SNR, and who peaks there."""

    bpm: float | None
    snr_db: float | None
    agreeing: tuple[str, ...]
    region_bpm: dict[str, float]
    pooled_snr_db: float | None = None

    @property
    def found(self) -> bool:
        return self.passes(MIN_REGIONS)

    def passes(self, min_regions: int) -> bool:
        """The three tests, with `min_regions` regions needed (a benchmark on data with fewer
        regions than a face has relaxes it)."""
        return (
            self.bpm is not None
            and self.snr_db is not None
            and len(self.region_bpm) >= min_regions
            and len(self.agreeing) >= MIN_AGREEING
            and self.snr_db >= CONSENSUS_SNR_MIN_DB
            and self.pooled_snr_db is not None
            and self.pooled_snr_db >= POOLED_AT_RATE_MIN_DB
        )

    @property
    def share(self) -> float:
        """The fraction of the consensus regions that peak at the agreed rate."""
        return len(self.agreeing) / len(self.region_bpm) if self.region_bpm else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "bpm": None if self.bpm is None else round(self.bpm, 2),
            "snr_db": None if self.snr_db is None else round(self.snr_db, 2),
            "agreeing_regions": list(self.agreeing),
            "region_bpm": {n: round(b, 1) for n, b in self.region_bpm.items()},
            "pooled_snr_db_at_rate": None
            if self.pooled_snr_db is None
            else round(self.pooled_snr_db, 2),
            "found": self.found,
        }


def _region_spectrum(estimate: PulseEstimate) -> Spectrum | None:
    if estimate.pulse is None or estimate.pulse.size < 8 or estimate.snr_db is None:
        return None
    found = spectrum(estimate.pulse, estimate.pulse_fs)
    return found if found.power.size and float(found.power.sum()) > 0 else None


def region_consensus(
    estimates: Mapping[str, PulseEstimate], pooled: PulseEstimate | None = None
) -> Consensus:
    """The rate the consensus regions' spectra share, from their single-trace estimates, and
    the SNR at that rate of `pooled`: the same regions pooled into one trace."""
    spectra = {
        n: s
        for n in CONSENSUS_REGIONS
        if n in estimates and (s := _region_spectrum(estimates[n])) is not None
    }
    if len(spectra) < 2:
        return Consensus(None, None, (), {})
    size = min(s.power.size for s in spectra.values())
    freqs = next(iter(spectra.values())).freqs[:size]
    if any(not np.allclose(s.freqs[:size], freqs) for s in spectra.values()):
        return Consensus(None, None, (), {})
    mean = Spectrum(
        freqs, np.mean([s.power[:size] / float(s.power[:size].sum()) for s in spectra.values()], 0)
    )
    f0 = mean.peak()
    snr = mean.snr_db(f0)
    if not np.isfinite(f0) or not np.isfinite(snr):
        return Consensus(None, None, (), {})
    region_bpm = {n: 60.0 * s.peak() for n, s in spectra.items()}
    agreeing = tuple(n for n, b in region_bpm.items() if abs(b - 60.0 * f0) <= AGREE_BPM)
    pooled_spectrum = None if pooled is None else _region_spectrum(pooled)
    pooled_snr = None if pooled_spectrum is None else float(pooled_spectrum.snr_db(f0))
    return Consensus(
        60.0 * f0,
        float(snr),
        agreeing,
        region_bpm,
        pooled_snr if pooled_snr is not None and np.isfinite(pooled_snr) else None,
    )


def face_estimate(
    pooled: PulseEstimate,
    regions: Mapping[str, PulseEstimate],
    traces: Mapping[str, RGBTrace],
    *,
    bits_per_pixel: float | None = None,
) -> tuple[PulseEstimate, Consensus | None]:
    """The all-skin estimate, or, when its own gate refused it after reading a spectrum, the
    consensus of `regions` (single-trace estimates of `traces`) in its place. The pulse wave
    stays the pooled skin's; its SNR becomes the consensus regions' pooled SNR at the rate.
    Video under `MIN_BITS_PER_PIXEL` (None: unknown, as from a camera) gets no consensus."""
    compressed = bits_per_pixel is not None and bits_per_pixel < MIN_BITS_PER_PIXEL
    if compressed or pooled.reliable or pooled.snr_db is None or pooled.pulse is None:
        return pooled, None
    names = tuple(n for n in CONSENSUS_REGIONS if n in regions and n in traces)
    together = pooled_trace(traces, names)
    consensus = region_consensus(
        regions, None if together is None else estimate_pulse(together, pooled.method)
    )
    if not consensus.found or consensus.bpm is None or consensus.pooled_snr_db is None:
        return pooled, consensus
    snr = consensus.pooled_snr_db
    accepted = replace(
        pooled,
        heart_rate_bpm=consensus.bpm,
        spectral_bpm=consensus.bpm,
        snr_db=snr,
        quality=quality_index(snr, pooled.stability),
        reason=None,
        spectrum_summary=pooled.spectrum_summary | {"consensus": consensus.as_dict()},
    )
    return accepted, consensus


def estimate_face(
    traces: Mapping[str, RGBTrace],
    skin: tuple[str, ...],
    method: str = "pos",
    *,
    bits_per_pixel: float | None = None,
) -> PulseEstimate | None:
    """Heart rate of one face from its region traces: all `skin` pooled, with the region
    consensus as a second chance (see `face_estimate`); None when no skin region was traced."""
    pooled_skin = pooled_trace(traces, tuple(n for n in skin if n in traces))
    if pooled_skin is None:
        return None
    pooled = estimate_pulse(pooled_skin, method)
    regions = {
        n: estimate_pulse(traces[n], method) for n in CONSENSUS_REGIONS if n in traces and n in skin
    }
    return face_estimate(pooled, regions, traces, bits_per_pixel=bits_per_pixel)[0]
