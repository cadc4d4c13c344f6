"""Remote photoplethysmography: skin regions -> colour traces -> pulse wave -> heart rate.

trace = read_rgb_csv("PPG.csv")                     # or region traces from a video
estimate = estimate_pulse(trace, method="pos")      # heart_rate_bpm or None + reason
"""

from unmask.pulse.estimate import PulseEstimate, estimate_best, estimate_pulse
from unmask.pulse.methods import METHOD_NAMES, extract_pulse
from unmask.pulse.recorder import FULL_FRAME, FaceTraceRecorder, FullFrameRecorder, TraceRecorder
from unmask.pulse.regions import BACKGROUND_REGIONS, REGION_POLYGONS, SKIN_REGIONS, RegionSampler
from unmask.pulse.streaming import RateStream
from unmask.pulse.trace import RGBTrace, pooled_trace, read_rgb_csv, trace_from_samples

__all__ = [
    "BACKGROUND_REGIONS",
    "FULL_FRAME",
    "METHOD_NAMES",
    "REGION_POLYGONS",
    "SKIN_REGIONS",
    "FaceTraceRecorder",
    "FullFrameRecorder",
    "PulseEstimate",
    "RGBTrace",
    "RateStream",
    "RegionSampler",
    "TraceRecorder",
    "estimate_best",
    "estimate_pulse",
    "extract_pulse",
    "pooled_trace",
    "read_rgb_csv",
    "trace_from_samples",
]
