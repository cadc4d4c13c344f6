"""`unmask evaluate` (metrics from a scores file) and `unmask benchmark` (score a protocol, then
evaluate it): thin shells over `unmask.evaluation`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unmask.cli.flags import (
    Deprecated,
    add_data_dir,
    add_db,
    add_deprecated_db,
    add_liveness_level,
    dataset_spec,
)
from unmask.cli.liveness import LEVEL_NAMES, add_engine_flags
from unmask.cli.output import Outcome, add_json_flag, dump_json, plural
from unmask.cli.outputs import add_force_flag, claim_outputs
from unmask.comma import comma_list
from unmask.errors import InputError
from unmask.evaluation.protocols import Protocol, protocol_kinds, read_protocol
from unmask.liveness.levels import DEFAULT_LEVEL

if TYPE_CHECKING:
    from unmask.evaluation import BootstrapSpec, Evaluation, ScoreSet


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="ISO/IEC 30107-3 PAD and 19795-1 recognition metrics from a scores CSV",
        description="Metrics from a scores CSV (path,label,score[,subject,target,match_score]); "
        "score higher = bona fide, accepted when score >= threshold.",
    )
    parser.add_argument("--scores", required=True, type=Path, help="scores CSV to evaluate")
    _add_common(parser)
    add_json_flag(parser)
    parser.set_defaults(handler=run_evaluate)

    bench = subparsers.add_parser(
        "benchmark",
        help="run unmask's PAD and recogniser over a dataset protocol and evaluate them",
        description="Score every presentation of a protocol with unmask's PAD engine (and, where "
        "targets have reference templates, its recogniser), write the scores, then evaluate "
        "them. With dev and test splits, only they are scored and the dev split's EER sets the "
        "threshold for the test split; otherwise every presentation is evaluated at the level's "
        "threshold.",
    )
    data = bench.add_mutually_exclusive_group(required=True)
    data.add_argument("--protocol", help="protocol CSV (path,label[,subject,target,split])")
    data.add_argument(
        "--dataset",
        metavar="KIND=ROOT",
        help=f"a dataset in a supported layout ({', '.join(protocol_kinds())}), e.g. nuaa=DIR",
    )
    bench.add_argument(
        "--root", action=Deprecated, use="--dataset KIND=ROOT", help=argparse.SUPPRESS
    )
    add_liveness_level(
        bench,
        default=DEFAULT_LEVEL,
        help=f"security level: {', '.join(LEVEL_NAMES)} (default {DEFAULT_LEVEL})",
    )
    add_db(
        bench,
        "gallery whose identities are the protocol's targets (recognition scores, IAPAR)",
        required=False,
    )
    add_deprecated_db(bench)
    add_data_dir(bench)
    bench.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    add_engine_flags(bench)
    _add_common(bench, with_dev=False)
    add_json_flag(bench)
    bench.set_defaults(handler=run_benchmark_command)


def _add_common(parser: argparse.ArgumentParser, *, with_dev: bool = True) -> None:
    if with_dev:
        parser.add_argument(
            "--dev", type=Path, help="development scores CSV: sets the threshold at its EER"
        )
    parser.add_argument(
        "--threshold",
        type=float,
        help="PAD threshold: score >= threshold is accepted as bona fide (overrides --dev for "
        "evaluate, and the level's threshold for benchmark)",
    )
    parser.add_argument(
        "--match-threshold", type=float, help="recognition threshold for match_score"
    )
    parser.add_argument("--report", type=Path, help="folder for report.html, metrics.json")
    add_force_flag(parser)
    parser.add_argument(
        "--species",
        default="",
        help="comma-separated species expected even if absent (shown as empty)",
    )
    parser.add_argument(
        "--replicates", type=int, default=1000, help="bootstrap replicates (0: no intervals)"
    )
    parser.add_argument(
        "--confidence", type=float, default=0.95, help="interval level (default 0.95)"
    )
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")


def _spec(args: argparse.Namespace) -> BootstrapSpec | None:
    from unmask.evaluation import BootstrapSpec

    if args.replicates < 0 or not 0.0 < args.confidence < 1.0:
        raise InputError("--replicates must be >= 0 and --confidence between 0 and 1")
    return (
        None if args.replicates == 0 else BootstrapSpec(args.replicates, args.confidence, args.seed)
    )


def _expected(args: argparse.Namespace) -> list[str]:
    return comma_list(args.species)


def _evaluate(args: argparse.Namespace, scores: ScoreSet, dev: ScoreSet | None) -> Evaluation:
    from unmask.evaluation import evaluate

    return evaluate(
        scores,
        dev=dev,
        threshold=args.threshold,
        match_threshold=args.match_threshold,
        bootstrap=_spec(args),
        expected_species=_expected(args),
    )


def _finish(args: argparse.Namespace, evaluation: Evaluation, extra: dict[str, Any]) -> Outcome:
    from unmask.evaluation import write_report

    document = {**evaluation.document, **extra}
    if args.report is not None:
        report = write_report(evaluation, args.report)
        (args.report / "metrics.json").write_text(dump_json(document), encoding="utf-8")
        document["report"] = str(report)
    return Outcome(document=document, text=lambda: summary_text(document))


def claim_report(args: argparse.Namespace, *names: str) -> None:
    if args.report is not None:
        claim_outputs([args.report / name for name in names], args.force)


def run_evaluate(args: argparse.Namespace) -> Outcome:
    from unmask.evaluation import read_scores

    claim_report(args, "report.html", "metrics.json")
    scores = read_scores(args.scores)
    dev = read_scores(args.dev) if args.dev is not None else None
    return _finish(args, _evaluate(args, scores, dev), {"scores_file": str(args.scores)})


def benchmark_protocol(args: argparse.Namespace) -> Protocol:
    """`--dataset KIND=ROOT`, a protocol CSV, or the old `--protocol KIND --root ROOT`."""
    if args.dataset is not None:
        return read_protocol(*dataset_spec(args.dataset))
    return read_protocol(args.protocol, args.root)


def run_benchmark_command(args: argparse.Namespace) -> Outcome:
    from unmask.evaluation import evaluate, run_benchmark, write_scores
    from unmask.identity.scoring import (
        TargetMatcher,
        gallery_references,
        lab_references,
        match_threshold,
    )
    from unmask.liveness.model import PadModel, default_model
    from unmask.liveness.scoring import PadScorer

    claim_report(args, "report.html", "metrics.json", "scores.csv")
    protocol = benchmark_protocol(args)
    model = PadModel.load(args.model) if args.model is not None else default_model()
    if args.liveness not in model.fusion.levels:
        raise InputError(
            f"--liveness {args.liveness}: the model has levels {', '.join(model.fusion.levels)}"
        )
    scored = scored_part(protocol)
    references = (
        gallery_references(args.db, args.data_dir)
        if args.db is not None
        else lab_references(protocol)
    )
    run = run_benchmark(
        scored,
        PadScorer(
            str(protocol.root),
            str(args.model) if args.model is not None else None,
            args.liveness,
            args.max_seconds,
        ),
        match_scorer=None if references is None else TargetMatcher(references, args.max_seconds),
        workers=args.workers,
        progress=not args.json,
    )
    test, dev = evaluated_sets(run.scores)
    threshold, source = args.threshold, "argument"
    if threshold is None and dev is None:
        threshold, source = model.fusion.levels[args.liveness].threshold, "pad_level"
    match, match_source = args.match_threshold, "argument"
    if match is None and references is not None:
        match, match_source = match_threshold(), "recogniser_fmr"
    evaluation = evaluate(
        test,
        dev=dev,
        threshold=threshold,
        match_threshold=match,
        threshold_source=source,
        match_threshold_source=match_source,
        bootstrap=_spec(args),
        expected_species=_expected(args),
    )
    extra: dict[str, Any] = {
        "protocol": protocol.summary(),
        "benchmark": {
            "model": str(args.model) if args.model is not None else "default",
            "level": args.liveness,
            "scored": len(scored),
            "skipped_train": len(protocol) - len(scored),
            "evaluated": len(test),
            "threshold_split": "dev" if dev is not None else None,
            "decisions": decision_counts(test),
            "match_score": MATCH_CONVENTION,
            "references": None if references is None else references.summary(),
        },
        "failures": run.failures,
        "match_failures": run.match_failures,
    }
    if references is None:
        extra["benchmark"]["references_note"] = NO_REFERENCES
    if args.report is not None:
        extra["scores_file"] = str(write_scores(run.scores, args.report / "scores.csv"))
    return _finish(args, evaluation, extra)


MATCH_CONVENTION = (
    "-distance: Euclidean distance of the main face's dlib descriptor to the target's closest "
    "reference template (higher = more similar)"
)
NO_REFERENCES = (
    "no recognition scores: pass --db GALLERY.sqlite whose identities are the targets "
    "(attack-lab protocols use their photo_target photos by themselves)"
)


def scored_part(protocol: Protocol) -> Protocol:
    """What a benchmark scores: all but the train split when a test split exists (a model
    trained on the train split says nothing by scoring it again)."""
    splits = {entry.split for entry in protocol}
    if "test" not in splits:
        return protocol
    return Protocol(
        protocol.name, protocol.root, tuple(e for e in protocol if e.split in ("dev", "test"))
    )


def evaluated_sets(scores: ScoreSet) -> tuple[ScoreSet, ScoreSet | None]:
    """(evaluated set, development set). With dev and test splits: the test split, and the dev
    split to set the threshold if it has scored bona fide and attack presentations (else none).
    Otherwise: every row, no dev set."""
    split = scores.extra.get("split", [""] * len(scores))
    rows = {name: [i for i, value in enumerate(split) if value == name] for name in ("dev", "test")}
    if not rows["test"] or not rows["dev"]:
        return scores, None
    dev = scores.subset(rows["dev"])
    usable = dev.scored & dev.is_bona_fide, dev.scored & ~dev.is_bona_fide
    if not all(mask.any() for mask in usable):
        return scores.subset(rows["test"]), None
    return scores.subset(rows["test"]), dev


def decision_counts(scores: ScoreSet) -> dict[str, dict[str, int]]:
    """The engine's own decisions at the level, per label (inconclusive never unlocks)."""
    decisions = scores.extra.get("decision", [""] * len(scores))
    counts: dict[str, dict[str, int]] = {}
    for label, decision in zip(scores.labels, decisions, strict=True):
        per_label = counts.setdefault(str(label), {})
        per_label[decision or "failed"] = per_label.get(decision or "failed", 0) + 1
    return counts


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.2f}%"


def summary_text(document: dict[str, Any]) -> str:
    """A few lines a person reads first; everything else is in --json and the report."""
    pad, counts = document["pad"], document["counts"]
    lines = [
        f"presentations: {counts['presentations']} ({counts['bona_fide']} bona fide, "
        f"{plural(counts['attacks'], 'attack')}, {counts['unscored']} unscored)"
    ]
    if pad["threshold"] is None:
        lines.append(f"PAD: {pad['note']}")
    else:
        lines += [
            f"threshold: {pad['threshold']:.6g} ({pad['threshold_source']})",
            "APCER: "
            + ", ".join(f"{name} {_pct(value)}" for name, value in pad["apcer"].items())
            + f"; max {_pct(pad['apcer_max'])}",
            f"BPCER: {_pct(pad['bpcer'])}   EER: {_pct(pad['eer'])}",
            "BPCER at APCER "
            + ", ".join(
                f"{float(k) * 100:g}%: {_pct(v)}" for k, v in pad["bpcer_at_apcer"].items()
            ),
        ]
    system = document["system"]
    if system.get("iapar") is not None:
        lines.append(
            f"IAPAR: {_pct(system['iapar'])} (without PAD {_pct(system['iapar_without_pad'])})"
        )
    recognition = document["recognition"]
    if recognition.get("fmr") is not None:
        lines.append(
            f"recognition: FMR {_pct(recognition['fmr'])}, FNMR {_pct(recognition['fnmr'])}, "
            f"EER {_pct(recognition['eer'])}"
        )
    if "report" in document:
        lines.append(f"report: {document['report']}")
    return "\n".join(lines)
