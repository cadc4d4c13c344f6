"""An HTML page that shows why each presentation was judged as it was.

Per presentation: the verdict, every cue's score or reason, and the pulse evidence as a person
would check it: the recovered pulse wave of all skin pooled, and its spectrum beside the
background's (a peak in both is lighting, not blood).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from unmask.htmlkit import image_tag, page, table
from unmask.liveness.engine import LivenessReport
from unmask.liveness.evidence import evidence_summary
from unmask.liveness.observe import TrackObservation
from unmask.pulse.estimate import estimate_pulse
from unmask.pulse.rate import spectrum
from unmask.pulse.regions import BACKGROUND_REGIONS, SKIN_REGIONS
from unmask.pulse.trace import pooled_trace
from unmask.types import CueScore, Verdict


@dataclass(frozen=True, eq=False)
class EvidenceItem:
    """One presentation to show: what it truly is (if known), what unmask said, and why."""

    name: str
    report: LivenessReport
    track: TrackObservation | None
    truth: str | None = None
    recognition: str = ""


def cue_rate(cue: CueScore | None) -> str | None:
    """The rate the pulse cue read: the figure's title must say what the verdict used, not a
    second reading of the same trace that could disagree with it."""
    skin = (cue.evidence or {}).get("skin") if cue is not None else None
    rate = skin.get("heart_rate_bpm") if isinstance(skin, dict) else None
    return None if rate is None else f"{rate:.0f} bpm, as the pulse cue read it"


def pulse_figure(
    track: TrackObservation, method: str = "pos", cue: CueScore | None = None
) -> str | None:
    traces = track.recorder.traces()
    skin = pooled_trace(traces, tuple(n for n in SKIN_REGIONS if n in traces))
    if skin is None:
        return None
    estimate = estimate_pulse(skin, method)
    if estimate.pulse is None or estimate.pulse.size < 16:
        return None
    figure, (wave_ax, spectrum_ax) = plt.subplots(1, 2, figsize=(10, 2.6))
    times = estimate.pulse_start + np.arange(estimate.pulse.size) / estimate.pulse_fs
    wave_ax.plot(times, estimate.pulse, color="#b00020", linewidth=1)
    wave_ax.set_xlabel("time (s)")
    rate = cue_rate(cue) or (
        f"{estimate.heart_rate_bpm:.0f} bpm, SNR {estimate.snr_db:.1f} dB"
        if estimate.heart_rate_bpm is not None and estimate.snr_db is not None
        else (estimate.reason or "no reliable pulse")
    )
    wave_ax.set_title(f"skin pulse wave ({method.upper()}): {rate}", fontsize=9)
    for name, colour, trace in (
        ("skin", "#b00020", skin),
        (
            "background",
            "#555",
            pooled_trace(traces, tuple(n for n in BACKGROUND_REGIONS if n in traces)),
        ),
    ):
        if trace is None:
            continue
        found = estimate if name == "skin" else estimate_pulse(trace, method)
        if found.pulse is None or found.pulse.size < 16:
            continue
        density = spectrum(found.pulse, found.pulse_fs)
        if density.power.size:
            spectrum_ax.plot(
                density.freqs * 60, density.power / density.power.max(), color=colour, label=name
            )
    spectrum_ax.set_xlabel("beats per minute")
    spectrum_ax.set_title("normalised spectrum", fontsize=9)
    spectrum_ax.legend(fontsize=8)
    return image_tag(figure, "pulse wave and spectrum")


def cue_bars(verdict: Verdict) -> str:
    """Every cue's score as a bar (0 attack - 1 bona fide); a cue that could not judge is a
    grey stub labelled with its reason, so an absent bar is never mistaken for a zero."""
    names = list(verdict.cues)
    figure, axes = plt.subplots(figsize=(7, 0.45 * len(names) + 0.8))
    for row, name in enumerate(names):
        cue = verdict.cues[name]
        deciding = name in verdict.deciding_cues
        if cue.score is None:
            axes.barh(row, 0.02, color="#bbb")
            axes.text(0.03, row, f"inconclusive: {cue.reason or ''}"[:70], va="center", fontsize=7)
        else:
            colour = "#1b7f3b" if cue.score >= 0.5 else "#b00020"
            axes.barh(row, cue.score, color=colour, edgecolor="black" if deciding else colour)
            axes.text(cue.score + 0.01, row, f"{cue.score:.2f}", va="center", fontsize=7)
    axes.set_yticks(
        range(len(names)), [f"{n} *" if n in verdict.deciding_cues else n for n in names]
    )
    axes.set_xlim(0, 1.25)
    axes.axvline(0.5, color="#888", linewidth=0.8, linestyle=":")
    axes.invert_yaxis()
    axes.set_xlabel("cue score (0 = attack, 1 = bona fide); * = deciding cue")
    return image_tag(figure, "per-cue scores")


def deciding_words(verdict: Verdict) -> str:
    """Which cues made the decision, said as a sentence."""
    if not verdict.deciding_cues:
        return "No single cue decided: " + (verdict.reason or "the fused evidence did.")
    said = [
        f"{name} ({verdict.cues[name].score:.2f})"
        if name in verdict.cues and verdict.cues[name].score is not None
        else name
        for name in verdict.deciding_cues
    ]
    joined = said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]
    return f"Decided {verdict.decision.replace('_', ' ')} by {joined}."


def verdict_cell(decision: str) -> str:
    return f'<span class="{html.escape(decision)}">{html.escape(decision.replace("_", " "))}</span>'


def write_evidence_report(path: Path, items: list[EvidenceItem], title: str, note: str) -> Path:
    sections = [f'<p class="note">{html.escape(note)}</p>']
    for item in items:
        verdict = item.report.main.verdict
        rows = []
        for name, cue in verdict.cues.items():
            if cue.score is None:
                rows.append([name, "inconclusive", "", cue.reason or ""])
            else:
                rows.append(
                    [
                        name,
                        f"{cue.score:.3f}",
                        f"{cue.confidence:.2f}",
                        evidence_summary(cue.evidence, limit=8),
                    ]
                )
        score = "–" if verdict.score is None else f"{verdict.score:.3f}"
        header = (
            f"<h2>{html.escape(item.name)}</h2><p>truth: <b>{html.escape(item.truth or 'unknown')}</b> · "
            f"unmask: {verdict_cell(verdict.decision)} (score {score}, level {html.escape(verdict.level)})"
            + (f", likely {html.escape(verdict.species)}" if verdict.species else "")
            + f"<br>{html.escape(deciding_words(verdict))}"
            + (
                f"<br>{html.escape(verdict.reason)}"
                if verdict.reason and verdict.deciding_cues
                else ""
            )
            + (f"<br>{html.escape(item.recognition)}" if item.recognition else "")
            + "</p>"
        )
        figure = (
            pulse_figure(item.track, cue=verdict.cues.get("pulse"))
            if item.track is not None
            else None
        )
        sections.append(
            header
            + cue_bars(verdict)
            + table(["cue", "score", "confidence", "evidence / reason"], rows)
            + (figure or "")
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page(title, "".join(sections)))
    return path
