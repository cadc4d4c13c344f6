"""Heart rate on pulse/welltory (21 real phone-camera PPG recordings, chest-strap RR truth).

Truth: 60 / mean RR interval (the chest strap's own mean rate). RR.txt has no clock of its own,
so both records are taken to start together and are cut to their common span: the PPG trace
to min(PPG length, sum of RR), the RR intervals to those ending inside it. Prints one row per recording and the mean absolute error (MAE) of:
  reported  - what `unmask pulse --rgb-trace` reports (method auto; beat counting when it agrees
              with the spectrum within 8 %, else the spectral peak);
  spectral  - the Welch spectral peak of the same pulse wave;
  red       - method red alone (reported rate).

    uv run python benchmarks/pulse_welltory.py
"""

from __future__ import annotations

import sys

import numpy as np

from unmask.cli.pulse import AUTO_METHODS
from unmask.data import shared_data_dir
from unmask.pulse import estimate_best, estimate_pulse, read_rgb_csv


def main() -> int:
    root = shared_data_dir()
    if root is None or not (root / "pulse" / "welltory").is_dir():
        print("pulse/welltory not found (set UNMASK_DATA)")
        return 1
    rows = []
    print(
        f"{'subject':<11} {'truth':>6} {'method':>6} {'reported':>8} {'spectral':>8} {'red':>6} {'snr_db':>6} {'err':>5}"
    )
    for folder in sorted((root / "pulse" / "welltory").glob("subject_*")):
        full = read_rgb_csv(folder / "PPG.csv")
        rr = np.loadtxt(folder / "RR.txt")
        span = min(full.times[-1] - full.times[0], float(rr.sum()) / 1000.0)
        trace = full.until(full.times[0] + span)
        truth = 60000.0 / float(rr[np.cumsum(rr) / 1000.0 <= span + 1e-9].mean())
        best = estimate_best(trace, AUTO_METHODS)
        red = estimate_pulse(trace, "red")
        reported = best.heart_rate_bpm
        rows.append((truth, reported, best.spectral_bpm, red.heart_rate_bpm))
        error = abs(reported - truth) if reported is not None else float("nan")
        print(
            f"{folder.name:<11} {truth:6.2f} {best.method:>6} {_f(reported):>8} {_f(best.spectral_bpm):>8} "
            f"{_f(red.heart_rate_bpm):>6} {_f(best.snr_db, 1):>6} {error:5.2f}"
        )
    data = np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)
    truth = data[:, 0]
    for column, label in ((1, "reported (auto)"), (2, "spectral peak"), (3, "red only")):
        errors = np.abs(data[:, column] - truth)
        answered = np.isfinite(errors)
        print(
            f"MAE {label:<16} {np.nanmean(errors):.2f} bpm over {answered.sum()}/{len(rows)} recordings "
            f"(max {np.nanmax(errors):.2f}, within 1 bpm: {np.mean(errors[answered] <= 1.0):.0%})"
        )
    return 0


def _f(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


if __name__ == "__main__":
    sys.exit(main())
