"""`unmask liveness FILE`: bona fide, attack or inconclusive, per face, with the evidence."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from unmask.cli import challenge as active
from unmask.cli.output import Outcome, add_json_flag
from unmask.liveness.channels import CHANNEL_NAMES
from unmask.liveness.engine import (
    DEFAULT_MAX_SECONDS,
    LivenessEngine,
    LivenessReport,
    load_channel,
    verdict_document,
)
from unmask.liveness.levels import DEFAULT_LEVEL, LEVEL_NAMES
from unmask.liveness.model import PadModel


def add_engine_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model", type=Path, default=None, help="PAD model folder (default: the shipped one)"
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=DEFAULT_MAX_SECONDS,
        help=f"video to read at most (default {DEFAULT_MAX_SECONDS:g} s; a missing pulse counts only after 10 s)",
    )


def make_engine(args: argparse.Namespace, level: str) -> LivenessEngine:
    model = PadModel.load(args.model) if args.model is not None else None
    return LivenessEngine(model, level=level, max_seconds=args.max_seconds)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "liveness", help="is this a living face or a presentation attack"
    )
    parser.add_argument("file", metavar="FILE", help="image, video or camera:N")
    parser.add_argument("--level", choices=LEVEL_NAMES, default=DEFAULT_LEVEL)
    for name in CHANNEL_NAMES:
        parser.add_argument(
            f"--{name}", type=Path, default=None, help=f"aligned {name} stack (npz: frames, times)"
        )
    add_engine_flags(parser)
    parser.add_argument(
        "--challenge",
        type=Path,
        default=None,
        help="challenge file the capture answers (exit 13 if refused)",
    )
    active.add_data_dir_flag(parser)
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def report_document(report: LivenessReport, engine: LivenessEngine) -> dict[str, Any]:
    tracks = []
    for item in report.tracks:
        tracks.append(
            {
                "track": item.verdict.track_id,
                "box": item.box.as_list(),
                "first_seen": round(item.first_seen, 3),
                "last_seen": round(item.last_seen, 3),
                "frames": item.frames,
                **verdict_document(item.verdict, engine),
            }
        )
    main = next(t for t in tracks if t["track"] == report.main.verdict.track_id)
    return {
        "file": report.source,
        **{k: v for k, v in main.items() if k != "track"},
        "track": main["track"],
        "tracks": tracks,
    }


def model_summary(model: PadModel, path: Path | None) -> dict[str, Any]:
    """Which model judged, and on what data it was trained (simulated lab data, for the default)."""
    return {
        "path": str(path) if path is not None else "default",
        "trained_on": [d.get("name") for d in model.provenance.get("data", [])],
        "created": model.provenance.get("created"),
    }


def describe(document: dict[str, Any]) -> str:
    lines = [f"{document['file']}: {verdict_line(document)}"]
    for track in document["tracks"]:
        if len(document["tracks"]) > 1:
            lines.append(
                f"  track {track['track']} ({track['first_seen']:.1f}-{track['last_seen']:.1f}s): {verdict_line(track)}"
            )
    lines.append(f"  cues (level {document['level']}):")
    for name, cue in document["cues"].items():
        if cue["score"] is None:
            lines.append(f"    {name:<8} inconclusive: {cue['reason']}")
        else:
            llr = cue["calibrated_llr"]
            weight = "" if llr is None else f", evidence {llr:+.2f}"
            lines.append(
                f"    {name:<8} score {cue['score']:.3f} (confidence {cue['confidence']:.2f}{weight})"
            )
    return "\n".join(lines)


def verdict_line(document: dict[str, Any]) -> str:
    text = document["decision"].upper().replace("_", " ")
    if document["score"] is not None:
        text += f" (score {document['score']:.3f})"
    if document["species"]:
        text += f", likely {document['species']}"
    if document["deciding_cues"]:
        text += f"; decided by {', '.join(document['deciding_cues'])}"
    if document["reason"]:
        text += f"; {document['reason']}"
    return text


def run(args: argparse.Namespace) -> Outcome:
    challenge = active.accept(args.challenge, args.data_dir) if args.challenge else None
    engine = make_engine(args, args.level)
    channels = {
        name: load_channel(getattr(args, name)) for name in CHANNEL_NAMES if getattr(args, name)
    }
    report = engine.assess(args.file, channels=channels)
    document = report_document(report, engine)
    document["model"] = model_summary(engine.model, args.model)
    code = 0
    if challenge is not None:
        result = active.verify_file(args.file, challenge, args.max_seconds)
        code = active.attach(document, result)
    return Outcome(document=document, text=lambda: describe(document), exit_code=code)
