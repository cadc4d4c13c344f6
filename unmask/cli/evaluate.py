"""`unmask evaluate` (metrics from a scores file) and `unmask benchmark` (score a protocol, then
evaluate it): thin shells over `unmask.evaluation`.
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path
from typing import Any

from unmask.cli.output import Outcome, add_json_flag, dump_json
from unmask.errors import InputError, ModelError
from unmask.evaluation import (
    BootstrapSpec,
    Evaluation,
    evaluate,
    protocol_kinds,
    read_protocol,
    read_scores,
    run_benchmark,
    write_report,
    write_scores,
)
from unmask.evaluation.scores import ScoreSet

PAD_SCORER = ("unmask.liveness", "score_presentation")
MATCH_SCORER = ("unmask.identity", "score_match")


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
        help="run unmask's PAD over a dataset protocol and evaluate it",
        description="Score every presentation of a protocol with unmask's PAD engine, write the "
        "scores, then evaluate them (the dev split, if any, sets the threshold for the test split).",
    )
    bench.add_argument(
        "--protocol", required=True, help=f"protocol CSV, or a kind: {', '.join(protocol_kinds())}"
    )
    bench.add_argument("--root", type=Path, help="dataset folder (for a protocol kind)")
    bench.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    _add_common(bench, with_dev=False)
    add_json_flag(bench)
    bench.set_defaults(handler=run_benchmark_command)


def _add_common(parser: argparse.ArgumentParser, *, with_dev: bool = True) -> None:
    if with_dev:
        parser.add_argument(
            "--dev", type=Path, help="development scores CSV: sets the threshold at its EER"
        )
    parser.add_argument("--threshold", type=float, help="PAD threshold (overrides --dev)")
    parser.add_argument(
        "--match-threshold", type=float, help="recognition threshold for match_score"
    )
    parser.add_argument("--report", type=Path, help="folder for report.html, metrics.json")
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
    if args.replicates < 0 or not 0.0 < args.confidence < 1.0:
        raise InputError("--replicates must be >= 0 and --confidence between 0 and 1")
    return (
        None if args.replicates == 0 else BootstrapSpec(args.replicates, args.confidence, args.seed)
    )


def _evaluate(args: argparse.Namespace, scores: ScoreSet, dev: ScoreSet | None) -> Evaluation:
    return evaluate(
        scores,
        dev=dev,
        threshold=args.threshold,
        match_threshold=args.match_threshold,
        bootstrap=_spec(args),
        expected_species=[s.strip() for s in args.species.split(",") if s.strip()],
    )


def _finish(args: argparse.Namespace, evaluation: Evaluation, extra: dict[str, Any]) -> Outcome:
    document = {**evaluation.document, **extra}
    if args.report is not None:
        report = write_report(evaluation, args.report)
        (args.report / "metrics.json").write_text(dump_json(document), encoding="utf-8")
        document["report"] = str(report)
    return Outcome(document=document, text=lambda: summary_text(document))


def run_evaluate(args: argparse.Namespace) -> Outcome:
    scores = read_scores(args.scores)
    dev = read_scores(args.dev) if args.dev is not None else None
    return _finish(args, _evaluate(args, scores, dev), {"scores_file": str(args.scores)})


def _lookup(module_name: str, attribute: str) -> Any | None:
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    return getattr(module, attribute, None)


def run_benchmark_command(args: argparse.Namespace) -> Outcome:
    protocol = read_protocol(args.protocol, args.root)
    scorer = _lookup(*PAD_SCORER)
    if scorer is None:
        raise ModelError(
            "unmask's PAD engine is not in this build yet (unmask.liveness.score_presentation); "
            "score the protocol with your system and run `unmask evaluate --scores`"
        )
    run = run_benchmark(protocol, scorer, match_scorer=_lookup(*MATCH_SCORER), workers=args.workers)
    splits = set(run.scores.extra.get("split", []))
    test, dev = run.scores, None
    if {"dev", "test"} <= splits:
        split = run.scores.extra["split"]
        test = run.scores.subset([i for i, value in enumerate(split) if value == "test"])
        dev = run.scores.subset([i for i, value in enumerate(split) if value == "dev"])
    extra: dict[str, Any] = {"protocol": protocol.summary(), "failures": run.failures}
    if args.report is not None:
        extra["scores_file"] = str(write_scores(run.scores, args.report / "scores.csv"))
    return _finish(args, _evaluate(args, test, dev), extra)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.2f}%"


def summary_text(document: dict[str, Any]) -> str:
    """A few lines a person reads first; everything else is in --json and the report."""
    pad, counts = document["pad"], document["counts"]
    lines = [
        f"presentations: {counts['presentations']} ({counts['bona_fide']} bona fide, "
        f"{counts['attacks']} attacks, {counts['unscored']} unscored)"
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
