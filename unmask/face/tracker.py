"""Stable track ids across frames, so later stages can work per person.

`IouTracker` joins faces by box overlap: cheap, and enough for one person at a door.
`ReidTracker` is for footage: it predicts each face's next box from its motion, compares an
appearance signature (colour of the face and of the clothes below it) so a person who was
hidden for a few seconds gets their id back, and starts afresh at a shot cut (found from the
colour histograms of the frame's blocks), because two shots may show two people in one place.

Association takes the best (track, face) pairs first; with the handful of faces a camera sees
this equals a global assignment, without loading an optimiser at start-up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import cv2
import numpy as np
from numpy.typing import NDArray

from unmask.types import Box, Face, Track


@dataclass
class TrackState:
    track_id: int
    box: Box
    last_seen: float
    faces: list[Face] = field(default_factory=list)
    velocity: tuple[float, float] = (0.0, 0.0)
    appearance: NDArray[np.float32] | None = None

    def predicted(self, timestamp: float, horizon_s: float) -> Box:
        """Where the box should be now, moving as it last moved (for at most `horizon_s`)."""
        step = min(max(timestamp - self.last_seen, 0.0), horizon_s)
        return replace(
            self.box,
            x=self.box.x + self.velocity[0] * step,
            y=self.box.y + self.velocity[1] * step,
        )


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

    def update(
        self, faces: list[Face], timestamp: float, image: NDArray[np.uint8] | None = None
    ) -> list[Face]:
        """Faces of one frame with their track ids set (`image` is the frame, for trackers
        that look at it; this one does not)."""
        self.retire(timestamp)
        affinity = np.array(
            [[state.box.iou(face.box) for face in faces] for state in self.active]
        ).reshape(len(self.active), len(faces))
        affinity[affinity < self.min_iou] = -np.inf
        return self.assign(faces, timestamp, affinity, [None] * len(faces))

    def assign(
        self,
        faces: list[Face],
        timestamp: float,
        affinity: NDArray[np.float64],
        features: list[NDArray[np.float32] | None],
    ) -> list[Face]:
        """Greedy best-first matching of active tracks (rows) to faces (columns); -inf never
        matches; an unmatched face starts a track."""
        matched: dict[int, TrackState] = {}
        used: set[int] = set()
        for flat in np.argsort(-affinity, axis=None, kind="stable"):
            row, col = divmod(int(flat), len(faces))
            if not np.isfinite(affinity[row, col]):
                break
            if col not in matched and row not in used:
                matched[col] = self.active[row]
                used.add(row)
        tagged = []
        for index, face in enumerate(faces):
            state = matched.get(index)
            if state is None:
                state = TrackState(track_id=self.next_id, box=face.box, last_seen=timestamp)
                self.next_id += 1
                self.active.append(state)
            self.observe(state, face, timestamp, features[index])
            tagged_face = replace(face, track_id=state.track_id)
            if self.keep_faces:
                state.faces.append(tagged_face)
            tagged.append(tagged_face)
        return tagged

    def observe(
        self, state: TrackState, face: Face, timestamp: float, feature: NDArray[np.float32] | None
    ) -> None:
        state.box, state.last_seen = face.box, timestamp

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


GRID = 3
CHANGED_BLOCKS = 7
# Centre distance, in face sizes, under which a box over two faces is still one face's own box.
SAME_FACE_SHIFT = 0.35


def frame_signature(image: NDArray[np.uint8]) -> NDArray[np.float32]:
    """Hue-saturation histograms of the 3x3 blocks of a thumbnail, one row per block."""
    small = cv2.cvtColor(
        cv2.resize(image, (96, 54), interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2HSV
    )
    rows = []
    for by in range(GRID):
        for bx in range(GRID):
            block = np.ascontiguousarray(small[by * 18 : (by + 1) * 18, bx * 32 : (bx + 1) * 32])
            histogram = cv2.calcHist([block], [0, 1], None, [8, 4], [0, 180, 0, 256]).ravel()
            rows.append(histogram / max(float(histogram.sum()), 1.0))
    return np.asarray(rows, dtype=np.float32)


def signature_change(a: NDArray[np.float32], b: NDArray[np.float32]) -> float:
    """How much the frame changed, 0 to 1: the Bhattacharyya distance that at least 7 of the 9
    blocks exceed. A cut changes every block; someone walking past the camera, only some."""
    per_block = np.sqrt(np.clip(1.0 - np.sqrt(a * b).sum(axis=1), 0.0, None))
    return float(np.sort(per_block)[GRID * GRID - CHANGED_BLOCKS])


def region_histogram(
    image: NDArray[np.uint8], x0: float, y0: float, x1: float, y1: float
) -> NDArray[np.float32]:
    height, width = image.shape[:2]
    left, top = int(max(0, x0)), int(max(0, y0))
    right, bottom = int(min(width, x1)), int(min(height, y1))
    if right - left < 2 or bottom - top < 2:
        return np.zeros(8 * 4 * 4, dtype=np.float32)
    patch = cv2.cvtColor(np.ascontiguousarray(image[top:bottom, left:right]), cv2.COLOR_RGB2HSV)
    histogram = cv2.calcHist([patch], [0, 1, 2], None, [8, 4, 4], [0, 180, 0, 256, 0, 256])
    histogram = histogram.ravel()
    return np.sqrt(histogram / max(float(histogram.sum()), 1.0)).astype(np.float32)


def appearance(image: NDArray[np.uint8], box: Box) -> NDArray[np.float32]:
    """A unit vector describing how a person looks: colour of the head and of the torso below.

    Square-rooted histograms make the dot product the Bhattacharyya coefficient, so two
    signatures compare by one number in [0, 1]. Clothes tell two people apart far better than
    a small face does, and they survive a turned head.
    """
    head = region_histogram(
        image, box.x - 0.1 * box.w, box.y - 0.2 * box.h, box.x + 1.1 * box.w, box.y + box.h
    )
    torso = region_histogram(
        image, box.x - 0.4 * box.w, box.y + 1.3 * box.h, box.x + 1.4 * box.w, box.y + 3.0 * box.h
    )
    vector = np.concatenate([head, torso])
    norm = float(np.linalg.norm(vector))
    return (vector / norm if norm > 0 else vector).astype(np.float32)


class ReidTracker(IouTracker):
    """Tracks that survive occlusions and never cross a shot cut.

    A track unseen for up to `max_gap_s` is matched by overlap with its motion-predicted box;
    one unseen for up to `reid_gap_s` (hidden behind someone, turned away) only by looking
    alike (`min_similarity`) and being where it could have walked to. A cut (frame signature
    change above `cut_threshold`) ends every track. `cuts` lists the cut times.
    """

    def __init__(
        self,
        min_iou: float = 0.2,
        max_gap_s: float = 0.5,
        keep_faces: bool = True,
        *,
        reid_gap_s: float = 3.0,
        min_similarity: float = 0.8,
        cut_threshold: float = 0.2,
        walk_speed: float = 2.0,
    ) -> None:
        super().__init__(min_iou, max_gap_s, keep_faces)
        self.reid_gap_s = reid_gap_s
        self.min_similarity = min_similarity
        self.cut_threshold = cut_threshold
        self.walk_speed = walk_speed
        self.signature: NDArray[np.float32] | None = None
        self.cuts: list[float] = []

    def update(
        self, faces: list[Face], timestamp: float, image: NDArray[np.uint8] | None = None
    ) -> list[Face]:
        """Faces of one frame with their track ids; give `image` for appearance and cuts."""
        features: list[NDArray[np.float32] | None] = [None] * len(faces)
        if image is not None:
            signature = frame_signature(image)
            if (
                self.signature is not None
                and signature_change(self.signature, signature) > self.cut_threshold
            ):
                self.cut(timestamp)
            self.signature = signature
            features = [appearance(image, face.box) for face in faces]
        self.retire(timestamp)
        affinity = np.full((len(self.active), len(faces)), -np.inf)
        recent = [s for s in self.active if timestamp - s.last_seen <= self.max_gap_s]
        for col, face in enumerate(faces):
            # A box over two people's recent boxes may have swallowed both faces (the detector
            # blends neighbours): then only a box of about the same size continues a track.
            crowded = sum(s.box.iou(face.box) > 0 for s in recent) > 1
            for row, state in enumerate(self.active):
                affinity[row, col] = self.affinity(
                    state, face.box, features[col], timestamp, crowded
                )
        return self.assign(faces, timestamp, affinity, features)

    def cut(self, timestamp: float) -> None:
        """A new shot: nobody on screen now is assumed to be anyone seen before."""
        self.cuts.append(timestamp)
        self.finished.extend(self.active)
        self.active = []

    def affinity(
        self,
        state: TrackState,
        box: Box,
        feature: NDArray[np.float32] | None,
        timestamp: float,
        crowded: bool = False,
    ) -> float:
        """How well a face continues a track; -inf when it cannot be the same person."""
        size = math.sqrt(max(state.box.area, 1.0))
        ratio = math.sqrt(max(box.area, 1.0)) / size
        gap = timestamp - state.last_seen
        predicted = state.predicted(timestamp, self.max_gap_s)
        overlap = predicted.iou(box)
        shift = (
            math.hypot(
                (box.x + box.w / 2) - (predicted.x + predicted.w / 2),
                (box.y + box.h / 2) - (predicted.y + predicted.h / 2),
            )
            / size
        )
        # A box over two faces that is centred on this track's face is this face boxed again,
        # larger or smaller (two faces side by side are a face width apart, so a blend of both
        # is centred about half a width from each); only off-centre ones must keep the size.
        blend = crowded and gap <= self.max_gap_s and shift > SAME_FACE_SHIFT
        limit = 1.4 if blend else 2.0
        if not 1.0 / limit <= ratio <= limit:
            return -math.inf
        similarity = (
            float(np.dot(state.appearance, feature))
            if state.appearance is not None and feature is not None
            else None
        )
        looks_alike = similarity is not None and similarity >= self.min_similarity
        if gap <= self.max_gap_s:
            if overlap >= self.min_iou and (similarity is None or similarity >= 0.5):
                return 2.0 + overlap + 0.25 * (similarity or 0.0)
            if looks_alike and shift <= 1.0:
                return 1.0 + (similarity or 0.0) - 0.1 * shift
            return -math.inf
        if looks_alike and shift <= 1.0 + self.walk_speed * gap:
            return (similarity or 0.0) - 0.05 * shift
        return -math.inf

    def observe(
        self, state: TrackState, face: Face, timestamp: float, feature: NDArray[np.float32] | None
    ) -> None:
        """Update the motion (smoothed velocity) and the appearance (running mean)."""
        gap = timestamp - state.last_seen
        if state.faces or state.appearance is not None:
            if 0.0 < gap <= self.max_gap_s:
                vx = (face.box.x - state.box.x) / gap
                vy = (face.box.y - state.box.y) / gap
                state.velocity = (
                    0.6 * state.velocity[0] + 0.4 * vx,
                    0.6 * state.velocity[1] + 0.4 * vy,
                )
            elif gap > self.max_gap_s:
                state.velocity = (0.0, 0.0)
        if feature is not None:
            if state.appearance is None:
                state.appearance = feature
            else:
                blended = 0.9 * state.appearance + 0.1 * feature
                norm = max(float(np.linalg.norm(blended)), 1e-9)
                state.appearance = (blended / norm).astype(np.float32)
        state.box, state.last_seen = face.box, timestamp

    def retire(self, timestamp: float) -> None:
        alive: list[TrackState] = []
        for state in self.active:
            (alive if timestamp - state.last_seen <= self.reid_gap_s else self.finished).append(
                state
            )
        self.active = alive
