"""`unmask liveness FILE`: bona fide, attack or inconclusive, per face, with the evidence."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unmask.cli.batch import error_lines, run_batch, succeeded
from unmask.cli.flags import add_data_dir, add_liveness_level
from unmask.cli.output import Outcome, add_json_flag
from unmask.cli.reading import add_strict_flag
from unmask.errors import InputError
from unmask.liveness.evidence import evidence_summary
from unmask.liveness.levels import DEFAULT_LEVEL, LEVEL_NAMES
from unmask.liveness.sensors import CHANNEL_NAMES, DEFAULT_MAX_SECONDS
from unmask.progress import note

if TYPE_CHECKING:
    from unmask.liveness.engine import LivenessEngine
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
    from unmask.liveness.engine import LivenessEngine
    from unmask.liveness.extra_model import load_extra_models
    from unmask.liveness.model import PadModel

    model = PadModel.load(args.model) if args.model is not None else None
    extra = load_extra_models(getattr(args, "extra_model", None) or [])
    return LivenessEngine(model, level=level, max_seconds=args.max_seconds, extra_models=extra)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "liveness", help="is this a living face or a presentation attack"
    )
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="images, videos, folders of them, or camera:N"
    )
    add_liveness_level(
        parser,
        default=DEFAULT_LEVEL,
        help=f"security level: {', '.join(LEVEL_NAMES)} (default {DEFAULT_LEVEL})",
    )
    parser.add_argument(
        "--report",
        type=Path,
        metavar="DIR",
        help="write DIR/report.html: per-cue bars, pulse wave and spectrum, deciding cues",
    )
    for name in CHANNEL_NAMES:
        parser.add_argument(
            f"--{name}", type=Path, default=None, help=f"aligned {name} stack (npz: frames, times)"
        )
    parser.add_argument(
        "--extra-model",
        type=Path,
        action="append",
        metavar="FILE.onnx",
        help="a single-image PAD network to add as cue extra:NAME, with FILE.json beside it "
        "(docs/plugins.md); repeatable",
    )
    add_engine_flags(parser)
    add_strict_flag(parser)
    parser.add_argument(
        "--challenge",
        type=Path,
        default=None,
        help="challenge file the one capture answers (exit 13 if refused; docs/challenge.md)",
    )
    add_data_dir(parser)
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def model_summary(model: PadModel, path: Path | None) -> dict[str, Any]:
    """Which model judged, and on what data it was trained (simulated lab data, for the default)."""
    return {
        "path": str(path) if path is not None else "default",
        "identity": model.identity,
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
            said = evidence_summary(cue["evidence"], limit=4)
            if said:
                lines.append(f"             {said}")
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
    from unmask.cli import challenge as active
    from unmask.liveness.challenge import ChallengeResult
    from unmask.liveness.engine import load_channel
    from unmask.liveness.report import EvidenceItem, write_evidence_report
    from unmask.workflows import attach_challenge, judge_with_challenge, liveness_document

    if args.challenge and len(args.files) != 1:
        raise InputError("--challenge checks one capture: give exactly one file")
    challenge = active.accept(args.challenge, args.data_dir) if args.challenge else None
    engine = make_engine(args, args.liveness)
    channels = {
        name: load_channel(getattr(args, name)) for name in CHANNEL_NAMES if getattr(args, name)
    }
    evidence: list[EvidenceItem] = []
    answers: list[ChallengeResult] = []

    def assess_one(file: str) -> dict[str, Any]:
        note(f"judging {file}", enabled=not args.json)
        if challenge is None:
            observation = engine.observe(file, channels)
            report = engine.judge(observation, file, args.liveness)
        else:
            observation, report, result = judge_with_challenge(
                engine, file, challenge, args.liveness, channels, args.max_seconds
            )
            answers.append(result)
        if args.report is not None:
            track = observation.tracks.get(report.main.verdict.track_id or 0)
            evidence.append(EvidenceItem(name=file, report=report, track=track))
        return liveness_document(report, engine)

    batch = run_batch(args.files, assess_one, progress=not args.json)
    document: dict[str, Any] = {"results": batch.entries}
    document["model"] = model_summary(engine.model, args.model)
    if args.report is not None and evidence:
        page = write_evidence_report(
            args.report / "report.html",
            evidence,
            "unmask liveness: the evidence per file",
            f"Level {args.liveness}; model trained on "
            f"{', '.join(map(str, document['model']['trained_on'])) or 'unknown data'}.",
        )
        document["report"] = str(page)

    def text() -> str:
        lines = [describe(entry) for entry in succeeded(batch.entries)]
        if "report" in document:
            lines.append(f"report: {document['report']}")
        return "\n".join(lines + error_lines(batch.entries))

    code = batch.exit_code
    if answers and not batch.entries[0]["error"]:
        code = attach_challenge(batch.entries[0], answers[0]) or code
    return Outcome(document=document, text=text, exit_code=code)
