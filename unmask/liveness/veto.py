"""The liveness veto: a face judged attack or inconclusive never matches anyone.

Recognition and liveness each make their own pass over the media; this pairs a recognition
probe with the liveness track that shows the same face (same time span, overlapping box).
"""

from __future__ import annotations

from unmask.identity import Probe
from unmask.liveness.engine import LivenessReport, TrackVerdict
from unmask.types import Verdict


def verdict_for(probe: Probe, report: LivenessReport) -> TrackVerdict | None:
    """The liveness track of the probe's face, or None when no track shows it."""
    stamp = probe.face.timestamp
    candidates = [
        t
        for t in report.tracks
        if report.still or t.first_seen - 1e-6 <= stamp <= t.last_seen + 1e-6
    ]
    if not candidates:
        return None
    best = max(candidates, key=lambda t: t.box.iou(probe.face.box))
    return best if best.box.iou(probe.face.box) > 0.1 or len(candidates) == 1 else None


def veto(verdict: Verdict | None) -> str | None:
    """Why a match must be refused, or None when the face was judged bona fide."""
    if verdict is None:
        return "liveness: no liveness verdict for this face"
    if verdict.decision == "bona_fide":
        return None
    because = f" ({verdict.reason})" if verdict.reason else ""
    decided = f", decided by {', '.join(verdict.deciding_cues)}" if verdict.deciding_cues else ""
    species = f", likely {verdict.species}" if verdict.species else ""
    return f"liveness: {verdict.decision} at level {verdict.level}{species}{decided}{because}"
