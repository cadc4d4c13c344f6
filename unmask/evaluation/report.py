"""Self-contained HTML report: DET curves, score histograms, tables with intervals.

One file with the figures inlined as base64 PNG (matplotlib's Agg backend, no display, no
network), so a report can be mailed or archived as is.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import norm

from unmask.evaluation.assessment import Evaluation
from unmask.evaluation.curves import FloatArray
from unmask.evaluation.pad import PadCurves
from unmask.htmlkit import png_data, table
from unmask.species import BONA_FIDE, KNOWN_SPECIES

_TICKS = [0.001, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8]
_FLOOR = 1e-4
_MAX_POINTS = 4000


_PALETTE = [matplotlib.colors.to_hex(c) for c in plt.get_cmap("tab10").colors]  # type: ignore[attr-defined]


def species_colour(name: str) -> str:
    """The same colour for a species in every chart of every report: known species by their
    place in the vocabulary, other names by a fixed function of their letters."""
    known = list(KNOWN_SPECIES)
    index = known.index(name) if name in known else len(known) + sum(map(ord, name))
    return _PALETTE[index % len(_PALETTE)]


def _deviate(rate: FloatArray) -> FloatArray:
    """Normal deviate of a rate (the DET axis), clipped so 0 and 1 stay on the chart."""
    return np.asarray(norm.ppf(np.clip(rate, _FLOOR, 1 - _FLOOR)))


def _thin(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Few enough points to draw quickly; the ends are kept so the curve still spans."""
    if x.size <= _MAX_POINTS:
        return x, y
    keep = np.unique(np.linspace(0, x.size - 1, _MAX_POINTS).astype(int))
    return x[keep], y[keep]


def _det_axes(ax: Any, xlabel: str, ylabel: str) -> None:
    ticks = _deviate(np.asarray(_TICKS))
    labels = [f"{t * 100:g}%" for t in _TICKS]
    ax.set_xticks(ticks, labels)
    ax.set_yticks(ticks, labels)
    low, high = _deviate(np.asarray([0.0005, 0.9]))
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.plot([low, high], [low, high], color="0.8", lw=0.8, ls=":")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, color="0.92")


def pad_det_figure(evaluation: Evaluation) -> Any:
    curves, pad = evaluation.curves, evaluation.document["pad"]
    figure, ax = plt.subplots(figsize=(6.2, 5.6))
    _det_axes(ax, "APCER", "BPCER")
    if len(curves.apcer) > 1:
        # Under the species lines, thin and dashed: it coincides with one of them wherever
        # that species is the worst, and must not hide it.
        x, y = _thin(_deviate(curves.apcer_max), _deviate(curves.bpcer))
        ax.plot(x, y, lw=3.5, color="0.75", zorder=1, label="worst species (APCER max)")
    for name, apcer in curves.apcer.items():
        if not np.isnan(apcer).all():
            x, y = _thin(_deviate(apcer), _deviate(curves.bpcer))
            ax.plot(x, y, lw=1.3, color=species_colour(name), zorder=2, label=name)
    if pad["apcer_max"] is not None and pad["bpcer"] is not None:
        ax.plot(
            _deviate(np.asarray([pad["apcer_max"]])),
            _deviate(np.asarray([pad["bpcer"]])),
            "o",
            color="crimson",
            ms=8,
            label=f"threshold {pad['threshold']:.4g} ({pad['threshold_source']})",
        )
    for key, point in pad["operating_points"]["bpcer_at_apcer"].items():
        if point:
            ax.plot(
                _deviate(np.asarray([point["apcer_max"]])),
                _deviate(np.asarray([point["bpcer"]])),
                "s",
                mfc="none",
                color="0.25",
                ms=7,
            )
            ax.annotate(
                f"APCER≤{float(key) * 100:g}%",
                (
                    float(_deviate(np.asarray([point["apcer_max"]]))[0]),
                    float(_deviate(np.asarray([point["bpcer"]]))[0]),
                ),
                fontsize=7,
                xytext=(4, 4),
                textcoords="offset points",
            )
    ax.set_title("PAD: DET per PAI species")
    ax.legend(fontsize=7, loc="upper right")
    return figure


def recognition_det_figure(evaluation: Evaluation) -> Any | None:
    comparisons = evaluation.comparisons
    recognition = evaluation.document["recognition"]
    if not comparisons.usable or recognition.get("fmr") is None:
        return None
    samples = comparisons.as_pad_samples()
    curves = PadCurves.from_samples(samples)
    figure, ax = plt.subplots(figsize=(6.2, 5.6))
    _det_axes(ax, "FMR", "FNMR")
    x, y = _thin(_deviate(curves.apcer_pooled), _deviate(curves.bpcer))
    ax.plot(x, y, lw=1.5, label="verification")
    genuine = int(samples.bona_fide.size)
    impostor = sum(int(s.size) for s in samples.species.values())
    inside = np.isfinite(curves.apcer_pooled) & (curves.apcer_pooled > 0) & (curves.bpcer > 0)
    if np.count_nonzero(inside) < 2:
        # Every point sits on an axis (no error at any threshold, or too few comparisons):
        # say so on the chart, so an empty-looking DET is never left unexplained.
        ax.text(
            0.5,
            0.5,
            f"no curve to draw: FMR or FNMR is 0 at every threshold\n"
            f"({genuine} genuine, {impostor} impostor comparisons)",
            transform=ax.transAxes,
            ha="center",
            fontsize=8,
            color="0.3",
        )
    ax.plot(
        _deviate(np.asarray([recognition["fmr"]])),
        _deviate(np.asarray([recognition["fnmr"]])),
        "o",
        color="crimson",
        label=f"threshold {recognition['threshold']:.4g} ({recognition['threshold_source']})",
    )
    ax.set_title("Recognition: DET (bona fide comparisons)")
    ax.legend(fontsize=7, loc="upper right")
    return figure


def histogram_figure(evaluation: Evaluation) -> Any | None:
    samples, pad = evaluation.samples, evaluation.document["pad"]
    groups = {BONA_FIDE: samples.bona_fide, **dict(samples.species)}
    groups = {name: s for name, s in groups.items() if s.size}
    if not groups:
        return None
    pooled = np.concatenate(list(groups.values()))
    edges = np.histogram_bin_edges(pooled, bins=60)
    figure, ax = plt.subplots(figsize=(7.5, 4.0))
    for name, scores in groups.items():
        ax.hist(
            scores,
            bins=list(edges),
            density=True,
            histtype="step" if name != BONA_FIDE else "stepfilled",
            alpha=0.35 if name == BONA_FIDE else 1.0,
            lw=1.4,
            color=species_colour(name),
            label=f"{name} (n={scores.size})",
        )
    if pad["threshold"] is not None:
        ax.axvline(pad["threshold"], color="crimson", lw=1.5, ls="--", label="threshold")
    ax.set_xlabel("PAD score (higher = bona fide)")
    ax.set_ylabel("density")
    ax.set_title("Score distributions per PAI species")
    ax.legend(fontsize=7)
    return figure


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.2f}%"


def _ci(interval: list[float] | None) -> str:
    return "" if not interval else f"[{interval[0] * 100:.2f}, {interval[1] * 100:.2f}]"


def _count(entry: Mapping[str, Any] | None) -> str:
    return "" if not entry else f"{entry['errors']} / {entry['n']}"


def _pad_tables(pad: dict[str, Any]) -> str:
    intervals = pad.get("intervals", {})
    errors = pad["errors"]
    rows = [
        [
            f"APCER {name}",
            _pct(value),
            _ci(intervals.get("apcer", {}).get(name)),
            _count(errors["apcer"][name]),
        ]
        for name, value in pad["apcer"].items()
    ]
    rows += [
        [
            f"APCER max ({pad['apcer_max_species']})",
            _pct(pad["apcer_max"]),
            _ci(intervals.get("apcer_max")),
            "",
        ],
        ["BPCER", _pct(pad["bpcer"]), _ci(intervals.get("bpcer")), _count(errors["bpcer"])],
        ["EER (species pooled)", _pct(pad["eer"]), _ci(intervals.get("eer")), ""],
    ]
    rows += [
        [f"EER {name}", _pct(value), _ci(intervals.get("eer_per_species", {}).get(name)), ""]
        for name, value in pad["eer_per_species"].items()
    ]
    rows += [
        [
            f"BPCER @ APCER={float(k) * 100:g}%",
            _pct(v),
            _ci(intervals.get("bpcer_at_apcer", {}).get(k)),
            "",
        ]
        for k, v in pad["bpcer_at_apcer"].items()
    ]
    rows += [
        [
            f"APCER @ BPCER={float(k) * 100:g}%",
            _pct(v),
            _ci(intervals.get("apcer_at_bpcer", {}).get(k)),
            "",
        ]
        for k, v in pad["apcer_at_bpcer"].items()
    ]
    rows += [
        ["ACER (non-standard)", _pct(pad["acer"]), _ci(intervals.get("acer")), ""],
        ["HTER (non-standard)", _pct(pad["hter"]), _ci(intervals.get("hter")), ""],
    ]
    tables = table(["metric", "value", "interval", "errors / n"], rows)
    dev = pad.get("dev_operating_points")
    if dev:
        dev_rows = [
            [
                f"APCER ≤ {float(k) * 100:g}% on dev",
                f"{p['threshold']:.5g}",
                _pct(p["apcer_max"]),
                _pct(p["bpcer"]),
            ]
            for k, p in dev.items()
        ]
        tables += "<h3>Thresholds set on the development set, measured on this set</h3>"
        tables += table(["dev target", "threshold", "APCER max here", "BPCER here"], dev_rows)
    return tables


def _recognition_tables(recognition: dict[str, Any]) -> str:
    if recognition.get("fmr") is None:
        return f"<p>{html.escape(recognition.get('note', 'no recognition data'))}</p>"
    intervals = recognition.get("intervals", {})
    rows = [
        [
            "FMR",
            _pct(recognition["fmr"]),
            _ci(intervals.get("fmr")),
            _count(recognition["errors"]["fmr"]),
        ],
        [
            "FNMR",
            _pct(recognition["fnmr"]),
            _ci(intervals.get("fnmr")),
            _count(recognition["errors"]["fnmr"]),
        ],
        ["EER", _pct(recognition["eer"]), _ci(intervals.get("eer")), ""],
    ]
    for key, value in recognition["fnmr_at_fmr"].items():
        point = recognition["operating_points"].get(key) or {}
        flag = "" if point.get("resolvable", True) else " (too few impostors)"
        rows.append(
            [
                f"FNMR @ FMR={key}{flag}",
                _pct(value),
                _ci(intervals.get("fnmr_at_fmr", {}).get(key)),
                "",
            ]
        )
    out = table(["metric", "value", "interval", "errors / n"], rows)
    ident = recognition.get("identification")
    if ident:
        id_int = ident.get("intervals", {})
        id_rows = [
            ["FPIR", _pct(ident["fpir"]), _ci(id_int.get("fpir")), _count(ident["errors"]["fpir"])],
            [
                "FNIR (rank 1)",
                _pct(ident["fnir"]),
                _ci(id_int.get("fnir")),
                _count(ident["errors"]["fnir"]),
            ],
        ]
        id_rows += [[f"CMC rank {k}", _pct(v), "", ""] for k, v in ident["cmc"].items()]
        out += "<h3>Identification</h3>" + table(
            ["metric", "value", "interval", "errors / n"], id_rows
        )
    return out


def _system_table(system: dict[str, Any]) -> str:
    if system.get("iapar") is None:
        return f"<p>{html.escape(system.get('note', 'no system data'))}</p>"
    intervals = system.get("intervals", {})
    rows = [
        [
            "all attacks",
            _pct(system["iapar"]),
            _ci(intervals.get("iapar")),
            _pct(system["iapar_without_pad"]),
            _ci(intervals.get("iapar_without_pad")),
            str(system["errors"]["iapar"]["n"]),
        ],
    ]
    for name, entry in system["per_species"].items():
        sub = entry.get("intervals", {})
        rows.append(
            [
                name,
                _pct(entry["iapar"]),
                _ci(sub.get("iapar")),
                _pct(entry["iapar_without_pad"]),
                _ci(sub.get("iapar_without_pad")),
                str(entry["errors"]["iapar"]["n"]),
            ]
        )
    return table(["attacks", "IAPAR", "interval", "IAPAR without PAD", "interval", "n"], rows)


_STYLE = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;
text-align:right}td:first-child,th:first-child{text-align:left}th{background:#f3f3f3}
.figs img{max-width:48%;margin-right:1%}.note{color:#555;font-size:0.9em}
"""


def _threshold_sentence(pad: dict[str, Any]) -> str:
    if pad["threshold"] is None:
        return "No PAD threshold."
    return (
        f"PAD threshold <b>{pad['threshold']:.6g}</b>: "
        f"{html.escape(pad['threshold_source_meaning'])}. A presentation is accepted as bona "
        "fide when its score is at or above the threshold."
    )


def _missing_figures(document: Mapping[str, Any]) -> str:
    reason = document["recognition"].get("note") or "the scores carry no usable match_score"
    return f'<p class="note">No recognition DET: {html.escape(reason)}.</p>'


def summary_line(document: Mapping[str, Any]) -> str:
    """The report in one sentence: what was measured, and the numbers a reader looks for first."""
    counts, pad = document["counts"], document["pad"]
    attacks = counts["attacks"]
    parts = [
        f"{counts['presentations']} presentations ({counts['bona_fide']} bona fide, "
        f"{attacks} attack{'' if attacks == 1 else 's'})"
    ]
    if pad["threshold"] is not None:
        parts.append(
            f"APCER max {_pct(pad['apcer_max'])} ({pad['apcer_max_species']}), "
            f"BPCER {_pct(pad['bpcer'])}, EER {_pct(pad['eer'])}"
        )
    system = document["system"]
    if system.get("iapar") is not None:
        parts.append(
            f"impostor attacks accepted {_pct(system['iapar'])} "
            f"(without PAD {_pct(system['iapar_without_pad'])})"
        )
    recognition = document["recognition"]
    if recognition.get("fmr") is not None:
        parts.append(
            f"recognition FMR {_pct(recognition['fmr'])}, FNMR {_pct(recognition['fnmr'])}"
        )
    return "; ".join(parts) + "."


def render_report(evaluation: Evaluation, title: str = "unmask evaluation") -> str:
    """The report as one HTML string."""
    document = evaluation.document
    pad, counts, confidence = document["pad"], document["counts"], document["confidence"]
    has_pad = pad["threshold"] is not None
    candidates = [
        pad_det_figure(evaluation) if has_pad else None,
        histogram_figure(evaluation),
        recognition_det_figure(evaluation),
    ]
    figures = [png_data(figure) for figure in candidates if figure is not None]
    missing = _missing_figures(document) if candidates[2] is None else ""
    pad_html = _pad_tables(pad) if has_pad else f"<p>{html.escape(pad['note'])}</p>"
    images = "".join(f'<img alt="figure" src="data:image/png;base64,{data}">' for data in figures)
    ci_note = (
        "No intervals (bootstrap off)."
        if confidence is None
        else f"Intervals: {confidence['level'] * 100:g}% {confidence['method']} over "
        f"{confidence['unit']}s ({confidence['units']}), {confidence['replicates']} replicates, "
        f"seed {confidence['seed']}. {confidence.get('warning', '')}"
    )
    counts_rows = [
        [key, str(value)] for key, value in counts.items() if not isinstance(value, dict)
    ]
    counts_rows += [[f"species {name}", str(n)] for name, n in counts["species"].items()]
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{_STYLE}</style></head><body>
<h1>{html.escape(title)}</h1>
<p><b>{html.escape(summary_line(document))}</b></p>
<p>{_threshold_sentence(pad)} {html.escape(ci_note)}</p>
<div class="figs">{images}</div>{missing}
<h2>Presentation attack detection (ISO/IEC 30107-3)</h2>{pad_html}
<p class="note">APCER max is the worst species; ACER and HTER are shown for comparison with
older papers and are not ISO/IEC 30107-3 metrics.</p>
<h2>Whole system: impostor attacks accepted</h2>{_system_table(document["system"])}
<h2>Recognition (ISO/IEC 19795-1)</h2>{_recognition_tables(document["recognition"])}
<h2>Counts</h2>{table(["what", "n"], counts_rows)}
</body></html>"""


def write_report(
    evaluation: Evaluation, folder: str | Path, title: str = "unmask evaluation"
) -> Path:
    """Write `report.html` into `folder` (created if needed)."""
    destination = Path(folder)
    destination.mkdir(parents=True, exist_ok=True)
    path = destination / "report.html"
    path.write_text(render_report(evaluation, title), encoding="utf-8")
    return path
