"""`unmask scan PATH...`: archive footage into tracks, identities, clusters, liveness, alerts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from unmask.cli.flags import add_data_dir, add_db, add_liveness_level
from unmask.cli.identity import add_fmr_flag
from unmask.cli.output import Outcome, add_json_flag, plural
from unmask.cli.reading import add_strict_flag
from unmask.errors import InputError
from unmask.liveness.levels import DEFAULT_LEVEL

SMALL_FACE_TILE = 240


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "scan", help="face tracks, identities and liveness over archived footage"
    )
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="videos, folders (each folder of images is one image sequence) or globs",
    )
    parser.add_argument(
        "--out",
        required=True,
        type=Path,
        metavar="DIR",
        help="output folder: tracks.jsonl, tracks.csv, report.html, crops, evidence clips; "
        "a second scan into it skips the files it finished",
    )
    add_db(parser, "gallery to name known faces (others get a stable cluster id)", required=False)
    add_fmr_flag(parser)
    add_liveness_level(
        parser,
        default=DEFAULT_LEVEL,
        help=f"PAD security level per track (default {DEFAULT_LEVEL})",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="scan N files at once in N processes (default 1)",
    )
    parser.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="run on a Ray cluster: its address (ray://host:10001 or host:6379), or 'local' "
        "for a Ray started here with --workers CPUs; needs unmask[ray]",
    )
    parser.add_argument(
        "--small-faces",
        action="store_true",
        help=f"also detect on {SMALL_FACE_TILE} px tiles: faces down to about 20 px in large "
        "frames, at 2-5x the CPU (see docs/scan.md)",
    )
    parser.add_argument(
        "--tile",
        type=int,
        metavar="PX",
        help="detect on tiles of PX pixels as well: 240 finds faces from about 20 px, 128 from "
        "about 12-16 px, at about 3x the cost of 240; 96 or more",
    )
    parser.add_argument(
        "--fps",
        type=float,
        default=25.0,
        help="frame rate of image sequences (default 25)",
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=None,
        help="read at most this much of each video (default: all of it)",
    )
    add_strict_flag(parser)
    add_data_dir(parser)
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> Outcome:
    from unmask.scan.runner import ScanOptions, run_scan
    from unmask.scan.worker import ScanSettings

    if args.workers < 1:
        raise InputError("--workers must be 1 or more")
    if args.tile is not None and args.tile < 96:
        raise InputError("--tile must be at least 96 pixels (smaller tiles find fewer faces)")
    if args.fps <= 0:
        raise InputError("--fps must be positive")
    settings = ScanSettings(
        level=args.liveness,
        max_seconds=args.max_seconds,
        tile=args.tile or (SMALL_FACE_TILE if args.small_faces else None),
        sequence_fps=args.fps,
        strict=args.strict,
    )
    options = ScanOptions(
        out=args.out,
        settings=settings,
        db=args.db,
        data_dir=args.data_dir,
        fmr=args.fmr,
        workers=args.workers,
        ray=args.ray,
        progress=not args.json,
    )
    result = run_scan(args.paths, options)
    entries = result.entries
    for entry in entries:
        for warning in entry.get("warnings", []):
            print(f"unmask: warning: {warning}", file=sys.stderr)

    def text() -> str:
        lines = []
        for entry in entries:
            if entry["error"]:
                lines.append(f"{entry['file']}: error: {entry['error']}")
                continue
            tracks: list[dict[str, Any]] = entry["tracks"]
            people = sorted({t["id"] or f"unknown {t['cluster'] or '(small)'}" for t in tracks})
            alerts = sum(len(t["alerts"]) for t in tracks)
            done = " (already scanned)" if entry["skipped"] else ""
            lines.append(
                f"{entry['file']}{done}: {plural(len(tracks), 'track')}, "
                f"{plural(alerts, 'alert')}: {', '.join(people) or 'nobody'}"
            )
        lines.append(f"wrote {result.out}/tracks.jsonl, tracks.csv and report.html")
        return "\n".join(lines)

    document = {"results": entries, "out": str(result.out), "level": args.liveness}
    return Outcome(document=document, text=text, exit_code=result.exit_code)
