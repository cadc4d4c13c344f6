"""Stable track ids across frames by box overlap, so later stages can work per person.

Association takes the best-overlapping (track, face) pairs first; with the handful of faces a
camera sees this equals a global assignment, without loading an optimiser at start-up. A track
survives short dropouts (a missed detection, a moment of occlusion) for `max_gap_s`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from unmask.types import Box, Face, Track


@dataclass
class TrackState:
    track_id: int
    box: Box
    last_seen: float
    faces: list[Face] = field(default_factory=list)


class IouTracker:
    """Assigns `track_id` to faces frame by frame; keeps each track's faces for later."""

    def __init__(
        self, min_iou: float = 0.2, max_gap_s: float = 0.5, keep_faces: bool = True
    ) -> None:
        self.min_iou = min_iou
        self.max_gap_s = max_gap_s
        self.keep_faces = keep_faces
        self.active: list[TrackState] = []
        self.finished: list[TrackState] = []
        self.next_id = 1

    def update(self, faces: list[Face], timestamp: float) -> list[Face]:
        """Faces of one frame with their track ids set."""
        self.retire(timestamp)
        matched: dict[int, TrackState] = {}
        if faces and self.active:
            overlap = np.array(
                [[state.box.iou(face.box) for face in faces] for state in self.active]
            )
            for flat in np.argsort(-overlap, axis=None, kind="stable"):
                row, col = divmod(int(flat), len(faces))
                if overlap[row, col] < self.min_iou:
                    break
                if col not in matched and all(s is not self.active[row] for s in matched.values()):
                    matched[col] = self.active[row]
        tagged = []
        for index, face in enumerate(faces):
            state = matched.get(index)
            if state is None:
                state = TrackState(track_id=self.next_id, box=face.box, last_seen=timestamp)
                self.next_id += 1
                self.active.append(state)
            state.box, state.last_seen = face.box, timestamp
            tagged_face = replace(face, track_id=state.track_id)
            if self.keep_faces:
                state.faces.append(tagged_face)
            tagged.append(tagged_face)
        return tagged

    def retire(self, timestamp: float) -> None:
        alive: list[TrackState] = []
        for state in self.active:
            (alive if timestamp - state.last_seen <= self.max_gap_s else self.finished).append(
                state
            )
        self.active = alive

    def tracks(self) -> list[Track]:
        """Every track seen so far, longest first."""
        states = self.finished + self.active
        built = [Track(track_id=s.track_id, faces=tuple(s.faces)) for s in states if s.faces]
        return sorted(built, key=lambda t: (-len(t.faces), t.track_id))
