"""The liveness veto: a face judged attack or inconclusive never matches anyone.

One pass over the media serves both questions: the liveness observation already keeps each
track's best-quality frames, and those are exactly the frames worth embedding, so every
recognition probe comes with the verdict of its own track.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from unmask.errors import MultipleFacesError, NoFaceError
from unmask.identity import Probe
from unmask.identity.probes import track_probe
from unmask.liveness.engine import LivenessEngine, LivenessReport
from unmask.liveness.observe import ChannelStack, Observation
from unmask.species import BONA_FIDE
from unmask.types import Verdict

FRAMES_PER_TRACK = 3
MIN_TRACK_FRAMES = 3


@dataclass(frozen=True, eq=False)
class GuardedMedia:
    """The liveness report of a source and, per lasting track, its probe and verdict."""

    observation: Observation
    report: LivenessReport
    probes: tuple[tuple[Probe, Verdict], ...]

    def main(self, source: str | Path) -> tuple[Probe, Verdict]:
        """One face: the only one of a still (several is an error), the main track of a video."""
        if not self.probes:
            raise NoFaceError(f"{source}: no face found")
        if self.report.still and len(self.probes) > 1:
            raise MultipleFacesError(
                f"{source}: {len(self.probes)} faces found where one is needed"
            )
        main_id = self.report.main.verdict.track_id
        return next((p for p in self.probes if p[0].track_id == main_id), self.probes[0])


def guarded_probes(
    engine: LivenessEngine,
    source: str | Path,
    channels: Mapping[str, ChannelStack] | None = None,
) -> GuardedMedia:
    observation = engine.observe(source, channels)
    report = engine.judge(observation, source)
    pairs = []
    for item in report.tracks:
        track = observation.tracks.get(item.verdict.track_id or 0)
        if track is None:
            continue
        if not report.still and len(track.faces) < MIN_TRACK_FRAMES:
            continue
        by_index = {face.frame_index: face for face in track.faces}
        chosen = [
            (by_index[frame.index], frame.image) for _, frame in track.frames[:FRAMES_PER_TRACK]
        ]
        pairs.append((track_probe(track.track, chosen), item.verdict))
    return GuardedMedia(observation, report, tuple(pairs))


def veto(verdict: Verdict | None) -> str | None:
    """Why a match must be refused, or None when the face was judged bona fide."""
    if verdict is None:
        return "liveness: no liveness verdict for this face"
    if verdict.decision == BONA_FIDE:
        return None
    because = f" ({verdict.reason})" if verdict.reason else ""
    decided = f", decided by {', '.join(verdict.deciding_cues)}" if verdict.deciding_cues else ""
    species = f", likely {verdict.species}" if verdict.species else ""
    return f"liveness: {verdict.decision} at level {verdict.level}{species}{decided}{because}"
