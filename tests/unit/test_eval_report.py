"""The HTML report is one self-contained file with the figures and tables."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from unmask.evaluation import BootstrapSpec, ScoreSet, evaluate, write_report
from unmask.evaluation.report import species_colour, summary_line


def _scores() -> ScoreSet:
    rng = np.random.default_rng(0)
    n = 400
    labels = rng.choice(["bona_fide", "print", "mask_silicone"], n)
    subjects = [f"s{i % 20}" for i in range(n)]
    targets = [s if i % 2 else f"s{(i + 3) % 20}" for i, s in enumerate(subjects)]
    genuine = np.array([s == t for s, t in zip(subjects, targets, strict=True)])
    return ScoreSet.from_columns(
        list(labels),
        np.where(labels == "bona_fide", rng.normal(1, 1, n), rng.normal(-1, 1, n)),
        subjects=subjects,
        targets=targets,
        match_scores=np.where(genuine, rng.normal(2, 1, n), rng.normal(0, 1, n)),
    )


def test_report_is_self_contained_with_figures_and_tables(tmp_path: Path) -> None:
    evaluation = evaluate(_scores(), bootstrap=BootstrapSpec(replicates=50))
    path = write_report(evaluation, tmp_path / "out")
    html = path.read_text()
    assert html.startswith("<!doctype html>")
    assert len(re.findall(r'src="data:image/png;base64,', html)) == 3  # PAD DET, histogram, rec DET
    assert not re.search(r"(src|href)=\"https?://", html)
    for text in (
        "APCER max",
        "BPCER @ APCER=1%",
        "IAPAR",
        "FNMR @ FMR",
        "mask_silicone",
        "optimistic",
    ):
        assert text in html
    assert "[" in html  # intervals are printed


def test_report_without_recognition_or_intervals(tmp_path: Path) -> None:
    scores = ScoreSet.from_columns(
        ["bona_fide", "print", "bona_fide", "replay"], [0.9, 0.1, 0.7, 0.4]
    )
    html = write_report(evaluate(scores), tmp_path).read_text()
    assert len(re.findall(r"data:image/png;base64,", html)) == 2
    assert "bootstrap off" in html


def test_report_opens_with_a_summary_and_says_why_a_chart_is_missing(tmp_path: Path) -> None:
    scores = ScoreSet.from_columns(["bona_fide", "print", "bona_fide"], [0.9, 0.1, 0.7])
    evaluation = evaluate(scores, threshold=0.5)
    html = write_report(evaluation, tmp_path).read_text()
    assert summary_line(evaluation.document).startswith("3 presentations (2 bona fide, 1 attack)")
    assert html.index(summary_line(evaluation.document)) < html.index("<img")
    assert "No recognition DET: " in html


def test_a_species_keeps_its_colour_across_charts_and_reports() -> None:
    colours = [species_colour(name) for name in ("bona_fide", "print", "replay", "mask_rigid")]
    assert len(set(colours)) == 4
    assert species_colour("print_glossy") == species_colour("print_glossy")
