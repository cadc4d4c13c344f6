"""Nuisances of real bona fide video against the attack lab's, measured the same way.

    uv run python benchmarks/lab_nuisances.py [--clips 4 --seconds 6 --seed 5] [--lab DIR]

Real: video/hamilton_clip.mp4 (two people talking, 10 s, H.264), video/pexels_wolfgang_langer.mp4
(one woman, 19.7 s, H.264), video/grid/*.mpg (11 speakers, 3 s, MPEG-1) and the SiW-Mv2 demo's
25 live frames (256x256 face crops, no clock: 30 fps assumed; its crops are re-aligned per frame,
so only noise, sharpness and colour mean anything there), all from ../shared/data, with the
project's face stage (FaceAnalyzer + IouTracker) on the longest face track. The welltory
chest-strap RR series give the heart rate and its variability. Lab: bona fide clips SIMULATED
with the default settings (or the clips of --lab), measured by the same code
(`unmask.lab.realism`). Every lab figure is about simulated data.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from unmask.data import shared_data_dir
from unmask.lab import generate
from unmask.lab.realism import STATISTICS, ClipStats, compare, lab_clips, measure_clip, table
from unmask.lab.waveform import welltory_library


def real_sources(root: Path) -> dict[str, list[Path]]:
    video = root / "video"
    return {
        "hamilton": [video / "hamilton_clip.mp4"],
        "pexels": [video / "pexels_wolfgang_langer.mp4"],
        "grid": sorted((video / "grid").glob("*.mpg")),
        "siw-mv2 live": [root / "pad" / "siw-mv2-demo" / "live"],
    }


def per_source_table(measured: dict[str, list[ClipStats]]) -> str:
    names = [s.name for s in STATISTICS]
    lines = [
        "| source | clips | s | " + " | ".join(names) + " |",
        "|---" * (len(names) + 3) + "|",
    ]
    for source, clips in measured.items():
        cells = []
        for name in names:
            values = np.array([c.values.get(name, np.nan) for c in clips], dtype=float)
            finite = values[np.isfinite(values)]
            cells.append(f"{finite.mean():.3g}" if finite.size else "-")
        seconds = sum(c.seconds for c in clips)
        lines.append(f"| {source} | {len(clips)} | {seconds:.0f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def welltory_summary() -> str:
    library = welltory_library()
    if not library:
        return "welltory: not present"
    rates = np.array([60.0 / float(np.mean(rr)) for _, rr, _ in library])
    sdnn = []
    for _, rr, _ in library:
        # Short-term SDNN over 10 s windows, as a 6-10 s clip holds.
        windows = np.cumsum(rr) // 10.0
        sdnn += [1000.0 * float(np.std(rr[windows == w])) for w in np.unique(windows)]
    return (
        f"welltory ({len(library)} subjects, chest-strap RR): heart rate {rates.min():.0f}-"
        f"{rates.max():.0f} bpm (median {np.median(rates):.0f}); SDNN within 10 s windows "
        f"p10-p90 {np.percentile(sdnn, 10):.0f}-{np.percentile(sdnn, 90):.0f} ms "
        f"(median {np.median(sdnn):.0f})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lab", type=Path, help="an existing lab set (its bona fide clips)")
    parser.add_argument("--clips", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    root = shared_data_dir()
    if root is None:
        print("the shared data is needed for the real side (set UNMASK_DATA)")
        return 1
    measured = {
        name: [measure_clip(p) for p in paths if p.exists()]
        for name, paths in real_sources(root).items()
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.lab
        if folder is None:
            folder = Path(tmp)
            generate(
                folder,
                species=("bona_fide",),
                clips=args.clips,
                seconds=args.seconds,
                seed=args.seed,
            )
        lab = [measure_clip(p) for p in lab_clips(folder)]
    print("## Per source (mean over clips)\n")
    print(per_source_table({**measured, "lab (SIMULATED)": lab}))
    print()
    print(welltory_summary())
    motion_sources = ("hamilton", "pexels", "grid")
    real = [c for name in motion_sources for c in measured[name]]
    siw = measured["siw-mv2 live"]
    for clip in siw:  # re-aligned crops: only still-image statistics are meaningful
        clip.values = {
            k: v for k, v in clip.values.items() if k in ("noise", "sharpness", "skin_ita")
        }
    print(
        f"\n## Real (hamilton, pexels, grid; SiW-Mv2 for noise, sharpness, colour) vs lab "
        f"(SIMULATED, {len(lab)} bona fide clips)\n"
    )
    print(table(compare(real + siw, lab)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
