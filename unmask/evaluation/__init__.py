"""Evaluation: ISO/IEC 30107-3 PAD and ISO/IEC 19795-1 recognition metrics for any system's
scores, dataset protocols, reports, and a benchmark runner.

    from unmask.evaluation import read_scores, evaluate, write_report
    result = evaluate(read_scores("test.csv"), dev=read_scores("dev.csv"))
    result.document["pad"]["apcer_max"]
"""

from unmask.lazy import lazy_exports

# Loaded on first use: metrics pull in SciPy's statistics, reports matplotlib.
EXPORTS = {
    "BONA_FIDE": "unmask.species",
    "BenchmarkRun": "unmask.evaluation.benchmark",
    "BootstrapSpec": "unmask.evaluation.bootstrap",
    "Evaluation": "unmask.evaluation.assessment",
    "KNOWN_SPECIES": "unmask.species",
    "Protocol": "unmask.evaluation.protocols",
    "ProtocolEntry": "unmask.evaluation.protocols",
    "ScoreSet": "unmask.evaluation.scores",
    "evaluate": "unmask.evaluation.assessment",
    "protocol_kinds": "unmask.evaluation.protocols",
    "read_protocol": "unmask.evaluation.protocols",
    "read_protocol_csv": "unmask.evaluation.protocols",
    "read_scores": "unmask.evaluation.scores",
    "render_report": "unmask.evaluation.report",
    "run_benchmark": "unmask.evaluation.benchmark",
    "write_protocol_csv": "unmask.evaluation.protocols",
    "write_report": "unmask.evaluation.report",
    "write_scores": "unmask.evaluation.scores",
}

__getattr__ = lazy_exports(__name__, EXPORTS)
__all__ = sorted(EXPORTS)
