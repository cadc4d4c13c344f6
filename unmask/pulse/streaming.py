"""Heart rate on a live trace: re-estimated once a second over a sliding window.

The liveness cue has its own stream (unmask.liveness.pulse.PulseStream) that decides bona fide
or attack; this one only follows the rate, for a display or a log, and says when the first
reliable rate came.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from unmask.pulse.estimate import MIN_SECONDS, PulseEstimate, estimate_pulse
from unmask.pulse.recorder import TraceRecorder
from unmask.pulse.regions import RegionSample
from unmask.pulse.trace import pooled_trace


@dataclass
class RateStream:
    """Feed region samples frame by frame (as RegionSampler.sample gives them); every `every_s`
    the rate of all regions pooled over the last `window_s` is re-estimated.

    `first_rate_after_s` is the time from the first frame to the first reliable rate.
    """

    method: str = "pos"
    window_s: float = 12.0
    every_s: float = 1.0
    regions: tuple[str, ...] | None = None
    recorder: TraceRecorder = field(default_factory=TraceRecorder)
    latest: PulseEstimate | None = None
    first_rate_after_s: float | None = None
    _started: float | None = None
    _last_eval: float = -1e9

    def add(self, timestamp: float, samples: dict[str, RegionSample]) -> PulseEstimate | None:
        """Record one frame; the new estimate when one was due, else None."""
        if self._started is None:
            self._started = timestamp
        self.recorder.add(timestamp, samples)
        elapsed = timestamp - self._started
        if elapsed < MIN_SECONDS or timestamp - self._last_eval < self.every_s:
            return None
        self._last_eval = timestamp
        traces = {
            name: trace.since(timestamp - self.window_s)
            for name, trace in self.recorder.traces().items()
        }
        names = self.regions or tuple(traces)
        pooled = pooled_trace(traces, names)
        if pooled is None:
            return None
        self.latest = estimate_pulse(pooled, self.method)
        if self.latest.reliable and self.first_rate_after_s is None:
            self.first_rate_after_s = elapsed
        return self.latest
