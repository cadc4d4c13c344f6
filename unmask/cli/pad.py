"""`unmask pad train|score|levels`: build, run and inspect the PAD engine on datasets."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from unmask.cli.flags import add_liveness_level, dataset_spec
from unmask.cli.liveness import LEVEL_NAMES, add_engine_flags
from unmask.cli.output import Outcome, add_json_flag
from unmask.errors import InputError
from unmask.evaluation.protocols.base import Protocol, ProtocolEntry, read_protocol_csv
from unmask.evaluation.protocols.registry import protocol_kinds, read_protocol
from unmask.evaluation.protocols.walk import media_files
from unmask.evaluation.species import normalize_label
from unmask.liveness.engine import DEFAULT_MAX_SECONDS
from unmask.liveness.levels import DEFAULT_LEVEL
from unmask.liveness.model import PadModel, default_model
from unmask.liveness.scoring import PadScorer
from unmask.liveness.training import train_pad
from unmask.parallel import parallel_map

WORKERS_HELP = "processes to run (default: one per core)"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "pad", help="train, score and inspect presentation attack detection"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    train = actions.add_parser(
        "train", help="fit the surface classifier, calibration, fusion and levels"
    )
    train.add_argument(
        "--protocol",
        type=Path,
        action="append",
        default=[],
        help="generic protocol CSV (repeatable)",
    )
    train.add_argument(
        "--folders",
        type=Path,
        action="append",
        default=[],
        help="DIR with one sub-folder per label: bona_fide/, print/, ...",
    )
    train.add_argument(
        "--dataset",
        action="append",
        default=[],
        metavar="KIND=ROOT",
        help=f"a dataset in a supported layout ({', '.join(protocol_kinds())})",
    )
    train.add_argument("--out", type=Path, required=True, help="model folder to write")
    train.add_argument("--seed", type=int, default=0, help="same seed, same model (default 0)")
    train.add_argument("--workers", type=int, default=None, help=WORKERS_HELP)
    train.add_argument(
        "--max-seconds",
        type=float,
        default=DEFAULT_MAX_SECONDS,
        help=f"video read per presentation (default {DEFAULT_MAX_SECONDS:g} s)",
    )
    train.add_argument(
        "--without-surface",
        action="store_true",
        help="fit no texture classifier (when the training faces do not look like your camera's, "
        "it would judge the camera rather than the face); decide on the other cues",
    )
    add_json_flag(train)
    train.set_defaults(handler=run_train)

    score = actions.add_parser("score", help="run the engine over a protocol and write scores")
    score.add_argument(
        "--protocol",
        type=Path,
        required=True,
        help="protocol CSV (path,label[,subject,target,split])",
    )
    score.add_argument(
        "--out", type=Path, required=True, help="scores CSV: path,label,score,decision"
    )
    add_liveness_level(
        score,
        default=DEFAULT_LEVEL,
        help=f"security level: {', '.join(LEVEL_NAMES)} (default {DEFAULT_LEVEL})",
    )
    score.add_argument("--workers", type=int, default=None, help=WORKERS_HELP)
    add_engine_flags(score)
    add_json_flag(score)
    score.set_defaults(handler=run_score)

    levels = actions.add_parser("levels", help="the security levels of a model and what they cost")
    levels.add_argument(
        "--model", type=Path, default=None, help="PAD model folder (default: the shipped one)"
    )
    add_json_flag(levels)
    levels.set_defaults(handler=run_levels)


def folder_protocol(root: Path) -> Protocol:
    """DIR/<label>/**/<media>: the folder name is the label (bona_fide or a species)."""
    if not root.is_dir():
        raise InputError(f"{root}: not a folder")
    entries = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        label = normalize_label(folder.name)
        if label is None:
            raise InputError(f"{folder}: folder name is not bona_fide or a PAI species")
        entries += [
            ProtocolEntry(path=path, label=label, subject=path.parent.name)
            for path in media_files(folder)
        ]
    if not entries:
        raise InputError(f"{root}: no labelled sub-folder holds images or videos")
    return Protocol(root.name, root, tuple(entries))


def run_train(args: argparse.Namespace) -> Outcome:
    protocols = [read_protocol_csv(p) for p in args.protocol]
    protocols += [folder_protocol(p) for p in args.folders]
    protocols += [read_protocol(*dataset_spec(spec)) for spec in args.dataset]
    if not protocols:
        raise InputError("give training data: --protocol CSV, --folders DIR or --dataset KIND=ROOT")
    command = (
        "unmask " + " ".join(sys.argv[1:])
        if sys.argv and sys.argv[0].endswith("unmask")
        else "unmask pad train"
    )
    model, summary = train_pad(
        protocols,
        seed=args.seed,
        workers=args.workers,
        max_seconds=args.max_seconds,
        with_surface_model=not args.without_surface,
        command=command,
    )
    model.save(args.out)
    document = {
        "model": str(args.out),
        **summary,
        "levels": {k: v.as_dict() for k, v in model.fusion.levels.items()},
        "channel_levels": {k: v.as_dict() for k, v in model.fusion.channel_levels.items()},
        "weights": model.fusion.weights,
    }
    return Outcome(document=document, text=lambda: f"wrote {args.out}\n" + levels_text(model))


def run_score(args: argparse.Namespace) -> Outcome:
    protocol = read_protocol_csv(args.protocol)
    if args.model is None:
        default_model()
    scorer = PadScorer(
        str(protocol.root), str(args.model) if args.model else None, args.liveness, args.max_seconds
    )
    scored = parallel_map(
        scorer,
        list(protocol.entries),
        workers=args.workers,
        description="scoring",
        progress=not args.json,
    )
    rows = [
        {"path": str(entry.path), "label": entry.label, **columns}
        for entry, columns in zip(protocol.entries, scored, strict=True)
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="") as handle:
        writer = csv.DictWriter(
            handle,
            fieldnames=["path", "label", "score", "decision", "species", "error"],
            lineterminator="\n",
        )
        writer.writeheader()
        for row in rows:
            relative = Path(row["path"])
            row["path"] = (
                relative.relative_to(protocol.root).as_posix()
                if relative.is_relative_to(protocol.root)
                else row["path"]
            )
            row["score"] = f"{float(row['score'] or 0.0):.6f}"
            writer.writerow(row)
    decisions: dict[str, dict[str, int]] = {}
    for row in rows:
        decisions.setdefault(row["label"], {}).setdefault(row["decision"], 0)
        decisions[row["label"]][row["decision"]] += 1
    failures = {row["path"]: row["error"] for row in rows if row["error"]}
    document = {
        "scores": str(args.out),
        "level": args.liveness,
        "presentations": len(rows),
        "decisions": decisions,
        "failures": failures,
    }
    text = "\n".join(
        [f"wrote {args.out} ({len(rows)} presentations, level {args.liveness})"]
        + [
            f"  {label}: " + ", ".join(f"{decision} {n}" for decision, n in sorted(counts.items()))
            for label, counts in sorted(decisions.items())
        ]
    )
    return Outcome(
        document=document, text=text, exit_code=1 if failures and len(failures) == len(rows) else 0
    )


def levels_text(model: PadModel) -> str:
    tables = [("colour camera", model.fusion.levels)]
    if model.fusion.channel_levels:
        tables.append(("with a thermal, NIR or depth camera", model.fusion.channel_levels))
    lines = []
    for title, levels in tables:
        lines += [
            f"{title}:",
            "| level | target APCER | threshold | APCER (worst species) | BPCER | needs |",
            "|---|---|---|---|---|---|",
        ]
        for level in levels.values():
            needs = f">= {level.min_cues} cues" + (
                f" incl. {', '.join(level.requires)}" if level.requires else ""
            )
            flag = "" if level.resolvable else " (too few attacks to resolve)"
            lines.append(
                f"| {level.name} | {level.target_apcer:.1%} | {level.threshold:.4f} | {level.apcer_max:.1%}{flag} | {level.bpcer:.1%} | {needs} |"
            )
    counts = ", ".join(f"{k} {v}" for k, v in model.fusion.counts.items())
    lines.append(f"measured on the calibration (dev) split: {counts}")
    return "\n".join(lines)


def run_levels(args: argparse.Namespace) -> Outcome:
    model = PadModel.load(args.model) if args.model else default_model()
    document = {
        "levels": {k: v.as_dict() for k, v in model.fusion.levels.items()},
        "channel_levels": {k: v.as_dict() for k, v in model.fusion.channel_levels.items()},
        "calibration_counts": model.fusion.counts,
        "weights": model.fusion.weights,
        "provenance": model.provenance,
    }
    return Outcome(document=document, text=lambda: levels_text(model))
