"""The skin regions' consensus (unmask.pulse.consensus) where there is no usable pulse.

1. REAL: pulse/bias-eval-india holds, per person, three simultaneous skin crops of one video
   (forehead, left and right cheek; 15 fps, compressed), on which no method finds a confident
   rate over the whole clip (benchmarks/pulse_india.py). Cut into 6 s and 10 s windows, how
   often do the three regions reach a consensus, and how far is it from India_GT.csv? The
   engine needs 4 regions; here 3 are allowed, which makes the test easier to pass, not harder.
2. SIMULATED: faces of pure noise (five regions, 150 +- 1 grey level, half of them with a slow
   random walk), 6 and 10 s at 15 and 30 fps: how many pass the mean-spectrum and agreement
   tests, and how many all three (the engine's rule).

    uv run python benchmarks/pulse_consensus.py [--trials 500]
"""

from __future__ import annotations

import argparse
import csv
import sys

import numpy as np

from unmask.data import shared_data_dir
from unmask.pulse import FULL_FRAME, RGBTrace, estimate_pulse, pooled_trace, trace_from_samples
from unmask.pulse.consensus import (
    CONSENSUS_REGIONS,
    CONSENSUS_SNR_MIN_DB,
    MIN_AGREEING,
    Consensus,
    region_consensus,
)
from unmask.pulse.video import full_frame_traces

CROPS = {"forehead": "forehead", "leftcheek": "left_cheek", "rightcheek": "right_cheek"}


def consensus_of(traces: dict[str, RGBTrace]) -> Consensus:
    names = tuple(traces)
    together = pooled_trace(traces, names)
    pooled = None if together is None else estimate_pulse(together, "pos")
    return region_consensus({n: estimate_pulse(t, "pos") for n, t in traces.items()}, pooled)


def india() -> None:
    root = shared_data_dir()
    folder = root / "pulse" / "bias-eval-india" if root else None
    if folder is None or not folder.is_dir():
        print("pulse/bias-eval-india not found (set UNMASK_DATA)")
        return
    truth = {}
    with (folder / "India_GT.csv").open(encoding="utf-8-sig") as handle:
        for row in csv.reader(handle):
            if row and row[0].strip().startswith("video"):
                truth[row[0].strip()] = float(row[1])
    people: dict[str, dict[str, RGBTrace]] = {}
    for clip in sorted(folder.glob("*.avi")):
        video, crop = clip.stem.split("_", 1)
        if video in truth and crop in CROPS:
            people.setdefault(video, {})[CROPS[crop]] = full_frame_traces(clip)[FULL_FRAME]
    print("REAL pulse/bias-eval-india, three regions per person, POS")
    print(
        "| window | windows | consensus (3 regions) | of which within 5 bpm | mean-spectrum SNR p99 |"
    )
    print("|---|---|---|---|---|")
    for window in (6.0, 10.0):
        found, right, snrs, total = 0, 0, [], 0
        for video, traces in sorted(people.items()):
            start, stop = traces["forehead"].times[0], traces["forehead"].times[-1]
            for t0 in np.arange(start, stop - window, window):
                piece = {n: t.since(t0).until(t0 + window) for n, t in traces.items()}
                result = consensus_of(piece)
                total += 1
                snrs.append(result.snr_db if result.snr_db is not None else -99.0)
                if result.passes(3) and result.bpm is not None:
                    found += 1
                    right += abs(result.bpm - truth[video]) <= 5.0
        print(f"| {window:g} s | {total} | {found} | {right} | {np.percentile(snrs, 99):.1f} dB |")


def noise(trials: int) -> None:
    rng = np.random.default_rng(5)
    print(f"\nSIMULATED pure-noise faces, five regions, {trials} per row")
    print("| fps | s | mean-spectrum SNR max | SNR and agreement pass | all three pass |")
    print("|---|---|---|---|---|")
    for fps in (15.0, 30.0):
        for seconds in (6.0, 10.0):
            first_two = passed = 0
            best = -99.0
            for index in range(trials):
                times = np.arange(0.0, seconds, 1.0 / fps)
                walk = index % 2 == 0
                traces = {
                    n: trace_from_samples(
                        times,
                        150.0
                        + rng.normal(0.0, 1.0, (times.size, 3))
                        + (
                            np.cumsum(rng.normal(0.0, 0.05, (times.size, 3)), axis=0)
                            if walk
                            else 0.0
                        ),
                        pixels=np.full(times.size, 100.0),
                    )
                    for n in CONSENSUS_REGIONS
                }
                result = consensus_of(traces)
                snr = result.snr_db if result.snr_db is not None else -99.0
                best = max(best, snr)
                first_two += snr >= CONSENSUS_SNR_MIN_DB and len(result.agreeing) >= MIN_AGREEING
                passed += result.found
            print(f"| {fps:g} | {seconds:g} | {best:.1f} dB | {first_two} | {passed} |")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trials", type=int, default=500)
    args = parser.parse_args()
    india()
    noise(args.trials)
    return 0


if __name__ == "__main__":
    sys.exit(main())
