"""`unmask lab generate`: write a labelled set of simulated presentations."""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from unmask.cli.output import Outcome, add_json_flag
from unmask.comma import comma_list
from unmask.errors import InputError
from unmask.lab_names import CODECS, PRESET_MEANINGS, SIMULATION_NOTE, SPECIES


def parse_size(text: str) -> tuple[int, int]:
    width, sep, height = text.lower().partition("x")
    if not sep or not width.isdigit() or not height.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: expected WIDTHxHEIGHT, e.g. 640x480")
    return int(width), int(height)


def register(subparsers: Any) -> None:
    lab = subparsers.add_parser(
        "lab", help="attack lab: simulated bona fide and attack presentations"
    )
    commands = lab.add_subparsers(dest="lab_command", metavar="LAB_COMMAND", required=True)
    parser = commands.add_parser(
        "generate",
        help="render labelled SIMULATED presentations and a protocol.csv",
        description=f"{SIMULATION_NOTE}. One video per presentation, one .npz per extra channel, protocol.csv and metadata.json.",
    )
    parser.add_argument(
        "--faces",
        type=Path,
        help="folder of photos: one identity per sub-folder or per file (default: bundled public-domain portraits)",
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--species",
        type=comma_list,
        default=list(SPECIES),
        help=f"comma-separated, from {','.join(SPECIES)} (default: all)",
    )
    parser.add_argument(
        "--clips", type=int, default=1, help="presentations per species (default 1)"
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="clip length (default 5)")
    parser.add_argument("--fps", type=float, default=30.0, help="frame rate (default 30)")
    parser.add_argument(
        "--size", type=parse_size, default=(640, 480), help="WIDTHxHEIGHT (default 640x480)"
    )
    parser.add_argument(
        "--channels",
        type=comma_list,
        default=["rgb"],
        help="comma-separated from rgb,thermal,nir,depth (default rgb)",
    )
    parser.add_argument(
        "--glasses",
        action="store_true",
        help="living faces and mask wearers wear glasses that mirror the challenge's flash (docs/challenge.md)",
    )
    parser.add_argument(
        "--preset",
        choices=sorted(PRESET_MEANINGS),
        default="default",
        help="; ".join(f"{name}: {meaning}" for name, meaning in PRESET_MEANINGS.items()),
    )
    parser.add_argument(
        "--codec",
        choices=sorted(CODECS),
        help="video codec (default: the preset's, h264; compression removes most of a simulated pulse, lossless keeps it)",
    )
    parser.add_argument(
        "--crf",
        type=int,
        help="H.264 CRF, or MJPEG quality on the same 0-51 scale (default: the preset's, 0 for default)",
    )
    parser.add_argument("--seed", type=int, default=0, help="same seed, same bytes (default 0)")
    parser.add_argument(
        "--challenge",
        type=Path,
        default=None,
        help="challenge file (unmask challenge new --json) every clip responds to from its first frame",
    )
    parser.add_argument(
        "--challenge-each",
        default=None,
        metavar="KINDS",
        help="every clip answers a challenge of its own of these kinds (e.g. pose,blink,expression,flash), written beside it",
    )
    add_json_flag(parser)
    parser.set_defaults(handler=run)
    realism = commands.add_parser(
        "realism",
        help="compare a lab set's bona fide clips with real videos, statistic by statistic",
        description="Head motion, blinks, mouth motion, lighting drift and flicker, noise, "
        "sharpness, skin colour, compression and pulse SNR, measured the same way on the lab's "
        "bona fide clips and on real videos; flags a lab median further from the real median "
        "than the real clips' spread.",
    )
    realism.add_argument("--lab", type=Path, required=True, help="lab folder with protocol.csv")
    realism.add_argument(
        "--real",
        type=Path,
        action="append",
        required=True,
        help="real video, or folder of videos (a folder of images is one clip); repeatable",
    )
    realism.add_argument(
        "--max-seconds", type=float, default=None, help="measure at most this much of each clip"
    )
    add_json_flag(realism)
    realism.set_defaults(handler=run_realism)


def run_realism(args: argparse.Namespace) -> Outcome:
    from unmask.lab.realism import compare, find_clips, lab_clips, measure_clip, table

    lab_paths = lab_clips(args.lab)
    real_paths = find_clips(args.real)
    if not lab_paths:
        raise InputError(f"{args.lab}: the protocol lists no bona fide clip")
    if not real_paths:
        raise InputError("--real: no video found")
    lab = [measure_clip(p, max_seconds=args.max_seconds) for p in lab_paths]
    real = [measure_clip(p, max_seconds=args.max_seconds) for p in real_paths]
    rows = compare(real, lab)
    document = {
        "simulation": True,
        "note": f"lab side: {SIMULATION_NOTE}",
        "lab_clips": [c.source for c in lab],
        "real_clips": [c.source for c in real],
        "statistics": [row.as_dict() for row in rows],
        "differs": [row.statistic.name for row in rows if row.differs],
    }
    text = f"Lab (SIMULATED, {len(lab)} bona fide clips) against {len(real)} real clips\n"
    return Outcome(document=document, text=text + table(rows))


def run(args: argparse.Namespace) -> Outcome:
    from tqdm import tqdm

    from unmask.lab import generate
    from unmask.liveness.challenge import Challenge

    if args.faces is not None and not args.faces.is_dir():
        raise InputError(f"{args.faces}: --faces must be an existing folder")
    bar = tqdm(
        desc="lab", unit="clip", file=sys.stderr, disable=args.json or not sys.stderr.isatty()
    )

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    try:
        protocol = generate(
            args.out,
            species=args.species,
            clips=args.clips,
            seconds=args.seconds,
            fps=args.fps,
            size=args.size,
            channels=args.channels,
            codec=args.codec,
            crf=args.crf,
            seed=args.seed,
            faces=args.faces,
            progress=progress,
            challenge=Challenge.load(args.challenge) if args.challenge else None,
            preset=args.preset,
            challenge_kinds=comma_list(args.challenge_each or ""),
            glasses=args.glasses,
        )
    finally:
        bar.close()
    with protocol.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    counts = Counter(row["label"] for row in rows)
    document = {
        "simulation": True,
        "note": SIMULATION_NOTE,
        "protocol": str(protocol),
        "metadata": str(protocol.parent / "metadata.json"),
        "presentations": len(rows),
        "per_species": dict(counts),
        "identities": sorted({row["subject"] for row in rows} | {row["target"] for row in rows}),
        "seed": args.seed,
    }
    lines = [f"{SIMULATION_NOTE}.", f"{len(rows)} presentations written; protocol: {protocol}"]
    lines += [f"  {label:<14} {count}" for label, count in counts.items()]
    return Outcome(document=document, text="\n".join(lines))
