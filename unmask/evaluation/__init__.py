"""Evaluation: ISO/IEC 30107-3 PAD and ISO/IEC 19795-1 recognition metrics for any system's
scores, dataset protocols, reports, and a benchmark runner.

    from unmask.evaluation import read_scores, evaluate, write_report
    result = evaluate(read_scores("test.csv"), dev=read_scores("dev.csv"))
    result.document["pad"]["apcer_max"]
"""

from unmask.evaluation.benchmark import BenchmarkRun, run_benchmark
from unmask.evaluation.bootstrap import BootstrapSpec
from unmask.evaluation.evaluate import Evaluation, evaluate
from unmask.evaluation.protocols import (
    Protocol,
    ProtocolEntry,
    protocol_kinds,
    read_protocol,
    read_protocol_csv,
    write_protocol_csv,
)
from unmask.evaluation.report import render_report, write_report
from unmask.evaluation.scores import ScoreSet, read_scores, write_scores
from unmask.evaluation.species import BONA_FIDE, KNOWN_SPECIES

__all__ = [
    "BONA_FIDE",
    "KNOWN_SPECIES",
    "BenchmarkRun",
    "BootstrapSpec",
    "Evaluation",
    "Protocol",
    "ProtocolEntry",
    "ScoreSet",
    "evaluate",
    "protocol_kinds",
    "read_protocol",
    "read_protocol_csv",
    "read_scores",
    "render_report",
    "run_benchmark",
    "write_protocol_csv",
    "write_report",
    "write_scores",
]
