"""Time `unmask.evaluation.assessment` on 1 million simulated scores, with bootstrap intervals.

Simulated data (no real system made these scores): 40 % bona fide, four attack species,
Gaussian scores, optional subjects (presentations of one subject share an offset) and match
scores. Prints one table row per configuration. With `--real`, also evaluates the one set of
real third-party scores in the shared data: the VGG-Face cosine distances published with the
deepface pairs (recognition only). Usage:

    uv run python benchmarks/evaluation.py [--n 1000000] [--replicates 1000] [--real]
"""

from __future__ import annotations

import argparse
import csv
import time

import numpy as np

from unmask.data import shared_data_dir
from unmask.evaluation import BootstrapSpec, ScoreSet, evaluate, read_protocol

SPECIES = ["bona_fide", "print", "replay", "mask_rigid", "mask_silicone"]


def simulate(n: int, subjects: int, seed: int = 0) -> ScoreSet:
    rng = np.random.default_rng(seed)
    labels = np.asarray(SPECIES)[rng.choice(len(SPECIES), n, p=[0.4, 0.15, 0.15, 0.15, 0.15])]
    subject = rng.integers(0, subjects, n) if subjects else None
    offset = rng.normal(0, 0.3, subjects)[subject] if subjects else 0.0
    scores = np.where(labels == "bona_fide", 1.0, -1.0) + offset + rng.normal(0, 1, n)
    names = None if subject is None else np.char.add("s", subject.astype(str)).tolist()
    targets = None
    match = None
    if names is not None:
        impostor = rng.random(n) < 0.5
        targets = [
            f"s{(s + 1) % subjects}" if imp else name
            for s, imp, name in zip(subject, impostor, names, strict=True)
        ]
        match = np.where(impostor, rng.normal(0, 1, n), rng.normal(2.5, 1, n))
    return ScoreSet.from_columns(
        labels.tolist(), scores, subjects=names, targets=targets, match_scores=match
    )


def deepface_vggface(replicates: int) -> None:
    """Recognition figures of the VGG-Face distances shipped with the deepface pairs (real)."""
    data = shared_data_dir()
    if data is None:
        print("shared data not found: skipping the real deepface figures")
        return
    folder = data / "faces" / "deepface"
    protocol = read_protocol("faces/deepface", folder)
    with (folder / "face-recognition-pivot.csv").open(newline="") as handle:
        distances = [float(row["VGG-Face_cosine"]) for row in csv.DictReader(handle)]
    scores = ScoreSet.from_columns(
        ["bona_fide"] * len(protocol),
        np.full(len(protocol), np.nan),
        paths=[str(e.path) for e in protocol],
        subjects=[e.subject for e in protocol],
        targets=[e.target for e in protocol],
        match_scores=[-d for d in distances],
    )
    rec = evaluate(scores, bootstrap=BootstrapSpec(replicates)).document["recognition"]
    low, high = rec["intervals"]["eer"]
    print(
        f"deepface pairs, VGG-Face cosine (real, {rec['errors']['fnmr']['n']} mated / "
        f"{rec['errors']['fmr']['n']} non-mated): EER {rec['eer']:.4f} [{low:.4f}, {high:.4f}] "
        f"at its own EER threshold; FNMR@FMR=1e-2 {rec['fnmr_at_fmr']['0.01']:.4f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--real", action="store_true", help="also the real deepface figures")
    args = parser.parse_args()
    if args.real:
        deepface_vggface(args.replicates)
    print(
        f"{'configuration':<58} {'build s':>8} {'evaluate s':>11} {'EER':>8} {'EER interval':>18}"
    )
    for subjects in (0, 1000):
        started = time.perf_counter()
        scores = simulate(args.n, subjects)
        built = time.perf_counter() - started
        for replicates in (0, args.replicates):
            spec = BootstrapSpec(replicates=replicates) if replicates else None
            started = time.perf_counter()
            pad = evaluate(scores, threshold=0.0, bootstrap=spec).document["pad"]
            took = time.perf_counter() - started
            unit = f"{subjects} subjects" if subjects else "no subjects"
            extra = " + recognition" if subjects else ""
            label = f"{args.n:,} scores, {unit}{extra}, {replicates} reps"
            ci = pad.get("intervals", {}).get("eer")
            ci_text = "-" if not ci else f"[{ci[0]:.4f}, {ci[1]:.4f}]"
            print(f"{label:<58} {built:>8.2f} {took:>11.2f} {pad['eer']:>8.4f} {ci_text:>18}")


if __name__ == "__main__":
    main()
