"""Pulse recovery on default lab bona fide clips (SIMULATED): the engine, its plain POS, a simple POS.

    uv run python -m benchmarks.lab_pulse [--clips 4 --seconds 6,10 --seed 11 --size 320x240 --fps 20]

Clips come from `unmask.lab.generate` with its defaults (faces: the shared face sets when present,
else the bundled portraits; preset "default", H.264 CRF 0). Three readings per clip, on the same
face-stage region traces: the engine's verdict (POS over all skin regions, with its SNR gate),
the project's POS over cheeks and forehead read at its spectral peak, and the deliberately simple
POS of tests/unit/test_lab_pulse_recovery.py. A hit is within 5 bpm of the labelled rate.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from pathlib import Path

from tests.unit.test_lab_pulse_recovery import TOLERANCE_BPM, clip_rates
from unmask.lab import generate
from unmask.pulse import SKIN_REGIONS


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clips", type=int, default=4)
    parser.add_argument("--seconds", default="6,10")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--size", default="320x240")
    parser.add_argument("--fps", type=float, default=20.0)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    print(f"SIMULATED default lab bona fide clips, {args.size}, {args.fps:g} fps, seed {args.seed}")
    print("| s | clip | identity | truth bpm | engine (gated) | project POS | simple POS |")
    print("|---|---|---|---|---|---|---|")
    for seconds in (float(s) for s in args.seconds.split(",")):
        hits = {"engine": 0, "project": 0, "simple": 0}
        with tempfile.TemporaryDirectory() as tmp:
            protocol = generate(
                tmp, species=("bona_fide",), clips=args.clips, seconds=seconds, fps=args.fps,
                size=(width, height), seed=args.seed,
            )  # fmt: skip
            with protocol.open(newline="") as handle:
                rows = list(csv.DictReader(handle))
            for index, row in enumerate(rows):
                truth = float(row["hr_bpm"])
                rates = clip_rates(Path(tmp) / row["path"], SKIN_REGIONS)
                for name, found in (
                    ("engine", rates.engine),
                    ("project", rates.project_pos),
                    ("simple", rates.simple_pos),
                ):
                    hits[name] += found is not None and abs(found - truth) <= TOLERANCE_BPM
                print(
                    f"| {seconds:g} | {index} | {row['subject']} | {truth:.1f} | "
                    f"{fmt(rates.engine)} | {fmt(rates.project_pos)} | {fmt(rates.simple_pos)} |"
                )
        print(
            f"| {seconds:g} | hits within {TOLERANCE_BPM:g} bpm | | | {hits['engine']}/{len(rows)} | "
            f"{hits['project']}/{len(rows)} | {hits['simple']}/{len(rows)} |"
        )


if __name__ == "__main__":
    main()
