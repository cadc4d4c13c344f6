"""Evidence keys in words, with units: `canthus_excess_c=0.55` reads "canthus excess 0.55 °C".

Cues name their evidence in snake case with the unit as the last word (`_c`, `_mm`, `_s`...),
so one rule covers every cue, and the few abbreviations a reader would not guess are spelled
out here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

UNITS = {
    "c": "°C",
    "mm": "mm",
    "px": "px",
    "s": "s",
    "db": "dB",
    "bpm": "bpm",
    "eye_widths": "eye widths",
}

NAMES = {
    "ear": "eye aspect ratio",
    "ear_min": "eye aspect ratio, closed",
    "ear_open": "eye aspect ratio, open",
    "p_bona_fide": "probability bona fide",
    "expected_snr_db_of_weak_pulse": "expected SNR of a weak pulse, dB",
    "snr": "signal-to-noise ratio",
    "luma": "brightness",
}


def split_unit(key: str) -> tuple[str, str]:
    for suffix, unit in sorted(UNITS.items(), key=lambda item: -len(item[0])):
        if key.endswith(f"_{suffix}"):
            return key[: -len(suffix) - 1], unit
    return key, ""


def evidence_name(key: str) -> str:
    """The key as words, without its unit."""
    if key in NAMES:
        return NAMES[key]
    stem, _ = split_unit(key)
    words = NAMES.get(stem, stem.replace("_", " "))
    return words.replace("snr", "SNR")


def evidence_text(key: str, value: Any) -> str:
    """One evidence item for a person: name, value and unit."""
    _, unit = split_unit(key)
    if isinstance(value, float):
        shown = f"{value:.3g}"
    elif isinstance(value, bool) or value is None:
        shown = {True: "yes", False: "no", None: "n/a"}[value]
    else:
        shown = str(value)
    return f"{evidence_name(key)} {shown}{' ' + unit if unit else ''}"


def evidence_summary(evidence: Mapping[str, Any], limit: int = 6) -> str:
    """The scalar items of a cue's evidence as one readable line (lists and tables omitted)."""
    items = [
        evidence_text(key, value)
        for key, value in evidence.items()
        if isinstance(value, (int, float, str, bool)) or value is None
    ]
    return ", ".join(items[:limit])
