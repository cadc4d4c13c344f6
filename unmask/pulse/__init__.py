"""Remote photoplethysmography: skin regions -> colour traces -> pulse wave -> heart rate.

trace = read_rgb_csv("PPG.csv")                     # or region traces from a video
estimate = estimate_pulse(trace, method="pos")      # heart_rate_bpm or None + reason
"""

from typing import TYPE_CHECKING

from unmask.lazy import lazy_exports

if TYPE_CHECKING:
    from unmask.face.mesh import SKIN_POLYGONS as SKIN_POLYGONS
    from unmask.pulse.estimate import PulseEstimate as PulseEstimate
    from unmask.pulse.estimate import estimate_best as estimate_best
    from unmask.pulse.estimate import estimate_pulse as estimate_pulse
    from unmask.pulse.methods import extract_pulse as extract_pulse
    from unmask.pulse.names import METHOD_NAMES as METHOD_NAMES
    from unmask.pulse.recorder import FULL_FRAME as FULL_FRAME
    from unmask.pulse.recorder import FaceTraceRecorder as FaceTraceRecorder
    from unmask.pulse.recorder import FullFrameRecorder as FullFrameRecorder
    from unmask.pulse.recorder import TraceRecorder as TraceRecorder
    from unmask.pulse.regions import BACKGROUND_REGIONS as BACKGROUND_REGIONS
    from unmask.pulse.regions import SKIN_REGIONS as SKIN_REGIONS
    from unmask.pulse.regions import RegionSampler as RegionSampler
    from unmask.pulse.streaming import RateStream as RateStream
    from unmask.pulse.trace import RGBTrace as RGBTrace
    from unmask.pulse.trace import pooled_trace as pooled_trace
    from unmask.pulse.trace import read_rgb_csv as read_rgb_csv
    from unmask.pulse.trace import trace_from_samples as trace_from_samples

# Resolved on first use, so a CLI command that only parses its arguments stays cheap.
EXPORTS = {
    "BACKGROUND_REGIONS": "unmask.pulse.regions",
    "FULL_FRAME": "unmask.pulse.recorder",
    "FaceTraceRecorder": "unmask.pulse.recorder",
    "FullFrameRecorder": "unmask.pulse.recorder",
    "METHOD_NAMES": "unmask.pulse.names",
    "PulseEstimate": "unmask.pulse.estimate",
    "SKIN_POLYGONS": "unmask.face.mesh",
    "RGBTrace": "unmask.pulse.trace",
    "RateStream": "unmask.pulse.streaming",
    "RegionSampler": "unmask.pulse.regions",
    "SKIN_REGIONS": "unmask.pulse.regions",
    "TraceRecorder": "unmask.pulse.recorder",
    "estimate_best": "unmask.pulse.estimate",
    "estimate_pulse": "unmask.pulse.estimate",
    "extract_pulse": "unmask.pulse.methods",
    "pooled_trace": "unmask.pulse.trace",
    "read_rgb_csv": "unmask.pulse.trace",
    "trace_from_samples": "unmask.pulse.trace",
}

__getattr__ = lazy_exports(__name__, EXPORTS)

__all__ = sorted(EXPORTS)
