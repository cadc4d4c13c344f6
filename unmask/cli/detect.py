"""`unmask detect FILE...`: faces, pose and quality per image, per frame and track per video."""

from __future__ import annotations

import argparse
from typing import Any

from unmask.cli.batch import error_lines, run_batch, succeeded
from unmask.cli.output import Outcome, add_json_flag, plural
from unmask.cli.reading import add_reading_flags


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("detect", help="find faces, landmarks, pose and quality")
    parser.add_argument("files", nargs="+", metavar="FILE", help="images, videos, or camera:N")
    parser.add_argument(
        "--detector",
        choices=["auto", "short", "full"],
        default="auto",
        help="BlazeFace model: short range (faces within about 2 m), full range (small or far "
        "faces), or auto, both (default)",
    )
    parser.add_argument(
        "--min-score",
        type=float,
        default=0.5,
        help="detection confidence to keep a face, 0-1 (default 0.5)",
    )
    parser.add_argument("--no-mesh", action="store_true", help="boxes only (faster)")
    parser.add_argument(
        "--landmarks",
        action="store_true",
        help="add each face's 6 keypoints, 468-point mesh (x, y, z) and iris rings, in pixels",
    )
    add_reading_flags(parser)
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> Outcome:
    from unmask.face import FaceAnalyzer
    from unmask.workflows import detect_file

    analyzer = FaceAnalyzer(detector=args.detector, min_score=args.min_score, mesh=not args.no_mesh)

    def detect_one(file: str) -> dict[str, Any]:
        return detect_file(analyzer, file, max_seconds=args.max_seconds, landmarks=args.landmarks)

    batch = run_batch(args.files, detect_one, progress=not args.json)
    results = batch.entries

    def text() -> str:
        lines = []
        for entry in succeeded(results):
            tracks = {f["track"] for f in entry["faces"] if f["track"] is not None}
            summary = f"{entry['file']}: {plural(len(entry['faces']), 'face')}"
            if entry["frames"] > 1:
                summary += (
                    f" over {plural(entry['frames'], 'frame')}, {plural(len(tracks), 'track')}"
                )
            lines.append(summary)
            if entry["frames"] <= 1:
                for face in entry["faces"]:
                    pose, quality = face["pose"], face["quality"]
                    lines.append(
                        f"  box {face['box']} score {face['score']:.2f} "
                        f"yaw {pose['yaw']:+.0f} pitch {pose['pitch']:+.0f} roll {pose['roll']:+.0f} "
                        f"quality {quality['score']:.2f}"
                    )
        return "\n".join(lines + error_lines(results))

    return Outcome(document={"results": results}, text=text, exit_code=batch.exit_code)
