"""Confident answers on pulse/bias-eval-india (12 people x 3 skin-crop videos, 15 fps, compressed).

An independent check found almost no pulse in these clips, so the question is not accuracy but
honesty: per method and region, how often unmask reports a confident rate, how wrong those
rates are against India_GT.csv, and what the spectral peak would have said had we reported it
anyway. Each clip is decoded once (`--roi full-frame`: the whole frame is skin).

    uv run python benchmarks/pulse_india.py            # summary table
    uv run python benchmarks/pulse_india.py --clips    # plus the per-clip spectrum evidence (pos)
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict

import numpy as np

from unmask.data import shared_data_dir
from unmask.pulse import FULL_FRAME, estimate_pulse
from unmask.pulse.estimate import snr_threshold
from unmask.pulse.video import full_frame_traces

METHODS = ("green", "chrom", "pos", "lgi", "pbv")
CONSTANT_GUESS = 77.0


def main() -> int:
    root = shared_data_dir()
    folder = root / "pulse" / "bias-eval-india" if root else None
    if folder is None or not folder.is_dir():
        print("pulse/bias-eval-india not found (set UNMASK_DATA)")
        return 1
    truth = {}
    with (folder / "India_GT.csv").open(encoding="utf-8-sig") as handle:
        for row in csv.reader(handle):
            if row and row[0].strip().startswith("video"):
                truth[row[0].strip()] = float(row[1])
    show_clips = "--clips" in sys.argv
    table: dict[tuple[str, str], list[tuple[bool, float, float, float]]] = defaultdict(list)
    constant_errors = []
    for clip in sorted(folder.glob("*.avi")):
        video, region = clip.stem.split("_", 1)
        if video not in truth:
            continue
        trace = full_frame_traces(clip)[FULL_FRAME]
        constant_errors.append(abs(CONSTANT_GUESS - truth[video]))
        for method in METHODS:
            estimate = estimate_pulse(trace, method)
            peak_error = (
                abs(estimate.spectral_bpm - truth[video]) if estimate.spectral_bpm else float("nan")
            )
            reported_error = (
                abs(estimate.heart_rate_bpm - truth[video])
                if estimate.heart_rate_bpm
                else float("nan")
            )
            table[(method, region)].append(
                (estimate.reliable, reported_error, peak_error, estimate.snr_db or float("nan"))
            )
            if show_clips and method == "pos":
                peaks = ", ".join(
                    f"{p['bpm']:.0f} ({100 * p['power_share']:.1f}%)"
                    for p in estimate.spectrum_summary.get("peaks", [])
                )
                print(
                    f"{clip.stem:<20} truth {truth[video]:5.1f}  {trace.duration:5.1f} s  SNR {estimate.snr_db or float('nan'):5.1f} dB "
                    f"(need {snr_threshold(trace.duration):4.1f})  stability {estimate.stability:.2f}  "
                    f"dropped {estimate.dropped_fraction:.2f}  peaks bpm (power share): {peaks}  -> "
                    f"{_said(estimate.heart_rate_bpm)}"
                )
    print(
        f"\n{'method':<6} {'region':<10} {'clips':>5} {'confident':>9} {'conf. MAE':>9} {'peak MAE':>8} {'peak<=5':>7} {'SNR med':>7} {'SNR max':>7}"
    )
    for (method, region), rows in sorted(table.items()):
        data = np.array(rows, dtype=float)
        confident = data[:, 0].astype(bool)
        conf_mae = f"{np.nanmean(data[confident, 1]):.1f}" if confident.any() else "-"
        print(
            f"{method:<6} {region:<10} {len(rows):>5} {int(confident.sum()):>9} {conf_mae:>9} "
            f"{np.nanmean(data[:, 2]):8.1f} {np.mean(data[:, 2] <= 5.0):7.0%} {np.nanmedian(data[:, 3]):7.1f} {np.nanmax(data[:, 3]):7.1f}"
        )
    all_rows = np.array([row for rows in table.values() for row in rows], dtype=float)
    print(
        f"\nall methods x regions: {int(all_rows[:, 0].sum())}/{len(all_rows)} confident; "
        f"spectral peak MAE if reported anyway {np.nanmean(all_rows[:, 2]):.1f} bpm; "
        f"constant {CONSTANT_GUESS:.0f} bpm guess MAE {np.mean(constant_errors):.1f} bpm"
    )
    return 0


def _said(rate: float | None) -> str:
    return f"{rate:.1f} bpm" if rate is not None else "no reliable pulse"


if __name__ == "__main__":
    sys.exit(main())
