"""Match thresholds stated as a target false match rate (FMR), not as a magic distance.

The table was measured with `uv run python benchmarks/calibrate_fmr.py` on real photos from
../shared/data (ORL 40x10 greyscale, johns 5x11, face_recognition knn_examples; 463 faces,
104,883 impostor and 2,070 genuine pairs), for the descriptor pipeline of
`unmask.identity.embedder` (PIPELINE: mesh alignment, mirror averaging; FNMR 1.1 % at FMR 1e-3,
against 2.8 % for dlib's own alignment without the mirror). It is a modest sample: the 1e-4
point rests on about ten impostor pairs, so treat it as an estimate; calibrate on your own
population for certification (the evaluation tools compute FMR/FNMR from your scores). A change
of pipeline needs this table measured again.
"""

from __future__ import annotations

import itertools
import math

from unmask.errors import InputError

# target FMR -> Euclidean distance threshold (match when distance <= threshold)
FMR_THRESHOLDS: dict[float, float] = {1e-2: 0.5809, 1e-3: 0.5105, 1e-4: 0.4671}
DEFAULT_FMR = 1e-3


def threshold_for_fmr(fmr: float) -> float:
    """Distance threshold for a target FMR, log-linearly interpolated within the calibrated range."""
    points = sorted(FMR_THRESHOLDS.items())
    low, high = points[0][0], points[-1][0]
    if not (low <= fmr <= high):
        raise InputError(f"target FMR {fmr:g} is outside the calibrated range [{low:g}, {high:g}]")
    for (f0, t0), (f1, t1) in itertools.pairwise(points):
        if f0 <= fmr <= f1:
            share = (math.log10(fmr) - math.log10(f0)) / (math.log10(f1) - math.log10(f0))
            return t0 + share * (t1 - t0)
    return points[-1][1]
