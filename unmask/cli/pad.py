"""`unmask pad train|score|levels`: build, run and inspect the PAD engine on datasets."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unmask.cli.flags import add_liveness_level, dataset_spec
from unmask.cli.liveness import LEVEL_NAMES, add_engine_flags
from unmask.cli.output import Outcome, add_json_flag
from unmask.cli.outputs import add_force_flag, claim_outputs
from unmask.comma import comma_list
from unmask.errors import InputError, ProtocolError
from unmask.evaluation.protocols.base import Protocol, ProtocolEntry, read_protocol_csv
from unmask.evaluation.protocols.registry import protocol_kinds, read_protocol
from unmask.evaluation.protocols.walk import media_files
from unmask.liveness.levels import DEFAULT_LEVEL
from unmask.liveness.sensors import DEFAULT_MAX_SECONDS
from unmask.species import KNOWN_SPECIES, is_known_label, normalize_label

if TYPE_CHECKING:
    from unmask.liveness.fusion import Level
    from unmask.liveness.model import PadModel

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
    train.add_argument(
        "--test-subjects",
        default="",
        metavar="A,B,...",
        help="subjects held out for the report (default: a --test-share of them, by hash)",
    )
    train.add_argument(
        "--test-share",
        type=float,
        default=0.25,
        help="share of subjects held out for the report where a protocol declares no splits "
        "(0 trains on everything; default 0.25)",
    )
    train.add_argument(
        "--report",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder for the held-out scores.csv and report.html (default: OUT/held-out)",
    )
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
    train.add_argument(
        "--without",
        default="",
        metavar="CUE[,CUE]",
        help="leave these cues out of the fusion, e.g. recapture when the held-out report of a "
        "run with and one without it shows it costing your people more than it gives; surface "
        "is --without-surface",
    )
    train.add_argument(
        "--recapture",
        type=Path,
        default=None,
        metavar="FILE.npz",
        help="recapture classifier the model carries (default: the shipped model's; "
        "scripts/train_recapture.py makes one)",
    )
    add_extra_model_flag(train)
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
    add_extra_model_flag(score)
    add_force_flag(score)
    add_json_flag(score)
    score.set_defaults(handler=run_score)

    adapt = actions.add_parser(
        "adapt",
        help="recalibrate a PAD model to your camera from bona fide captures alone",
    )
    adapt.add_argument(
        "--bona-fide",
        type=Path,
        required=True,
        metavar="DIR",
        help="images or videos of living people from the site's camera (one sub-folder per "
        "person, if you can: held-out figures are then for unseen people)",
    )
    adapt.add_argument(
        "--model", type=Path, default=None, help="model to adapt (default: the shipped one)"
    )
    adapt.add_argument("--out", type=Path, required=True, help="adapted model folder to write")
    adapt.add_argument(
        "--test-share",
        type=float,
        default=0.3,
        help="share of people held out to measure BPCER before and after (default 0.3)",
    )
    adapt.add_argument("--seed", type=int, default=0, help="seed of the held-out draw")
    adapt.add_argument("--workers", type=int, default=None, help="worker processes")
    adapt.add_argument(
        "--max-seconds",
        type=float,
        default=DEFAULT_MAX_SECONDS,
        help="read at most this many seconds of each video",
    )
    add_json_flag(adapt)
    adapt.set_defaults(handler=run_adapt)

    levels = actions.add_parser("levels", help="the security levels of a model and what they cost")
    levels.add_argument(
        "--model", type=Path, default=None, help="PAD model folder (default: the shipped one)"
    )
    add_json_flag(levels)
    levels.set_defaults(handler=run_levels)


def shipped_recapture() -> str | None:
    from unmask.liveness.model import DEFAULT_MODEL_DIR, RECAPTURE_FILE

    path = DEFAULT_MODEL_DIR / RECAPTURE_FILE
    return str(path) if path.is_file() else None


def add_extra_model_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--extra-model",
        type=Path,
        action="append",
        default=[],
        metavar="FILE.onnx",
        help="a single-image PAD network (FILE.json beside it, docs/plugins.md) whose cue is "
        "calibrated and fused like the others (repeatable)",
    )


def folder_protocol(root: Path) -> Protocol:
    """DIR/<label>/**/<media>: the folder name is the label (bona_fide or a species)."""
    if not root.is_dir():
        raise InputError(f"{root}: not a folder")
    entries = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        label = normalize_label(folder.name)
        if label is None or not is_known_label(label):
            raise ProtocolError(
                f"{folder}: unknown label {folder.name!r}; name each sub-folder bona_fide or a "
                f"species ({', '.join(s for s in KNOWN_SPECIES if s != 'bona_fide')}, or a "
                "variant such as print_glossy)"
            )
        entries += [
            ProtocolEntry(path=path, label=label, subject=path.parent.name)
            for path in media_files(folder)
        ]
    if not entries:
        raise InputError(f"{root}: no labelled sub-folder holds images or videos")
    return Protocol(root.name, root, tuple(entries))


def run_train(args: argparse.Namespace) -> Outcome:
    from unmask.liveness.training import train_pad

    if not 0.0 <= args.test_share < 1.0:
        raise InputError(f"--test-share {args.test_share}: give a share in [0, 1)")
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
        without=set(comma_list(args.without)),
        command=command,
        test_subjects=set(comma_list(args.test_subjects)),
        test_share=args.test_share,
        extra_models=args.extra_model,
        recapture=str(args.recapture) if args.recapture else shipped_recapture(),
    )
    model.save(args.out)
    held_out = summary.pop("held_out", [])
    document = {
        "model": str(args.out),
        **summary,
        "held_out": held_out_report(held_out, model, args.report or args.out / "held-out"),
        **levels_document(model),
        "weights": model.fusion.weights,
    }
    return Outcome(
        document=document,
        text=lambda: (
            f"wrote {args.out}\n" + levels_text(model) + "\n" + held_out_text(document["held_out"])
        ),
    )


def held_out_text(summary: dict[str, Any]) -> str:
    if "eer" not in summary:
        return f"held out: {summary['presentations']} presentations; {summary.get('note', '')}"
    eer = "n/a" if summary["eer"] is None else f"{summary['eer']:.2%}"
    return (
        f"held out ({summary['presentations']} presentations of subjects never trained on): "
        f"EER {eer}; report {summary['report']}"
    )


def held_out_report(rows: list[dict[str, Any]], model: PadModel, folder: Path) -> dict[str, Any]:
    """Scores, metrics and an HTML report for the presentations training never saw."""
    from unmask.evaluation.assessment import evaluate
    from unmask.evaluation.report import write_report
    from unmask.evaluation.scores import concat_rows, write_scores

    if not rows:
        return {"presentations": 0, "note": "no held-out presentations (use --test-share)"}
    scores = concat_rows(
        [{**row, "score": row["score"] if row["score"] is not None else ""} for row in rows]
    )
    write_scores(scores, folder / "scores.csv")
    summary: dict[str, Any] = {"presentations": len(rows), "scores": str(folder / "scores.csv")}
    try:
        evaluation = evaluate(
            scores,
            threshold=model.fusion.levels[DEFAULT_LEVEL].threshold,
            threshold_source="pad_level",
        )
    except ProtocolError as exc:
        return {**summary, "note": f"no metrics: {exc}"}
    pad = evaluation.document["pad"]
    summary.update(
        {
            "eer": pad.get("eer"),
            "apcer": pad.get("apcer"),
            "bpcer": pad.get("bpcer"),
            "level": DEFAULT_LEVEL,
            "report": str(write_report(evaluation, folder, "unmask pad train: held-out")),
        }
    )
    return summary


def run_score(args: argparse.Namespace) -> Outcome:
    from unmask.liveness.scoring import PadScorer
    from unmask.liveness.workers import process_engine
    from unmask.parallel import parallel_map

    claim_outputs([args.out], args.force)
    protocol = read_protocol_csv(args.protocol)
    scorer = PadScorer(
        str(protocol.root),
        str(args.model) if args.model else None,
        args.liveness,
        args.max_seconds,
        tuple(str(p.absolute()) for p in args.extra_model),
    )
    # Fail before the run rather than once per file: no model, or extras it was not calibrated with.
    _ = process_engine(scorer.model, scorer.level, scorer.max_seconds, scorer.extra).model
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


def level_tables(model: PadModel) -> list[tuple[str, str, dict[str, Level]]]:
    """(key, title, levels) of each operating-point table the model holds."""
    fusion = model.fusion
    tables = [("levels", "colour camera, video", fusion.levels)]
    if fusion.still_levels:
        tables.append(("still_levels", "colour camera, still image", fusion.still_levels))
    if fusion.channel_levels:
        tables.append(
            (
                "channel_levels",
                "with every extra camera that calibrated it (thermal, NIR, depth)",
                fusion.channel_levels,
            )
        )
    if fusion.challenge_levels:
        tables.append(
            ("challenge_levels", "colour camera, challenge passed", fusion.challenge_levels)
        )
    return tables


def levels_text(model: PadModel) -> str:
    lines = []
    for key, title, levels in level_tables(model):
        lines += [
            f"{title}:",
            "| level | target APCER | threshold | APCER (worst species) | BPCER | needs |",
            "|---|---|---|---|---|---|",
        ]
        for level in levels.values():
            requires = (
                model.fusion.video_requires(level.requires) if key == "levels" else level.requires
            )
            needs = f">= {level.min_cues} cues" + (
                f" incl. {', '.join(requires)}" if requires else ""
            )
            flag = "" if level.resolvable else " (too few attacks to resolve)"
            if level.apcer_max > level.target_apcer:
                flag += " (above target: stopped by the BPCER ceiling)"
            lines.append(
                f"| {level.name} | {level.target_apcer:.1%} | {level.threshold:.4f} "
                f"| {level.apcer_max:.1%}{flag} | {level.bpcer:.1%} ({level.bpcer_source} faces) "
                f"| {needs} |"
            )
        species = next(iter(levels.values())).species
        if species:
            lines.append(f"APCER over: {', '.join(species)}")
    if model.fusion.blind_spots:
        lines.append("not counted against a species (it fools them on average):")
        lines += [
            f"  {species}: {', '.join(fooled) or 'none'}"
            for species, fooled in model.fusion.blind_spots.items()
        ]
    counts = ", ".join(f"{k} {v}" for k, v in model.fusion.counts.items())
    lines.append(f"measured on the calibration (dev) split: {counts}")
    folds = model.provenance.get("surface_cross_fit_folds")
    if folds:
        lines.append(
            f"every person trained the surface classifier and calibrated: surface scores from "
            f"{folds} folds of people, each scored by a classifier that never saw them"
        )
    return "\n".join(lines)


def run_adapt(args: argparse.Namespace) -> Outcome:
    from unmask.liveness.adapt import adapt_model
    from unmask.liveness.model import PadModel, default_model

    if not 0.0 <= args.test_share < 1.0:
        raise InputError(f"--test-share {args.test_share}: give a share in [0, 1)")
    base = PadModel.load(args.model) if args.model else default_model()
    model, report = adapt_model(
        base,
        args.bona_fide,
        model_path=str(args.model) if args.model else None,
        test_share=args.test_share,
        seed=args.seed,
        workers=args.workers,
        max_seconds=args.max_seconds,
    )
    model.save(args.out)
    document = {"model": str(args.out), "identity": model.identity, **report}

    def text() -> str:
        lines = [
            f"wrote {args.out}: adapted on {report['adapted_on']} bona fide captures, "
            f"{report['held_out']} held out"
        ]
        for name, shift in report["shifts"].items():
            lines.append(
                f"  {name}: evidence shift {shift['applied_llr_shift']:+.2f} "
                f"(wanted {shift['wanted_llr_shift']:+.2f}, {int(shift['site_values'])} captures)"
            )
        for level, before in report["bpcer_before"].items():
            after = report["bpcer_after"][level]
            if before is not None and after is not None:
                lines.append(f"  {level}: held-out BPCER {before:.1%} -> {after:.1%}")
        return "\n".join(lines)

    return Outcome(document=document, text=text)


def levels_document(model: PadModel) -> dict[str, dict[str, Any]]:
    return {
        key: {name: level.as_dict() for name, level in levels.items()}
        for key, _, levels in level_tables(model)
    }


def run_levels(args: argparse.Namespace) -> Outcome:
    from unmask.liveness.model import PadModel, default_model

    model = PadModel.load(args.model) if args.model else default_model()
    document = {
        **levels_document(model),
        "calibration_counts": model.fusion.counts,
        "weights": model.fusion.weights,
        "blind_spots": model.fusion.blind_spots,
        "provenance": model.provenance,
        "identity": model.identity,
    }
    return Outcome(document=document, text=lambda: levels_text(model))
