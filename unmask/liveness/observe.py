"""One pass over the frames that keeps, per face track, just what the cues need.

Video frames are never all kept: the pulse cue needs region colour traces (sampled as frames
pass), the motion and eyes cues need the landmark track, the eyes cue also the darkness of each
eye opening per frame (a blink the mesh under-tracks shows there), the surface cue a few
best-quality face crops, the eye-hole ring a few frames, the context cue a few pairs of small
grey frames in which the face moved, and the extra channels a subsample of maps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from unmask.face import FaceAnalyzer, IouTracker
from unmask.liveness.context import CoMotionSampler
from unmask.liveness.eyes import eye_contrast
from unmask.liveness.surface import crop_face
from unmask.pulse.recorder import FaceTraceRecorder
from unmask.types import Face, Frame, Track

KEPT_CROPS = 5
KEPT_FRAMES = 4
CHANNEL_EVERY = 3
MAX_CHANNEL_SAMPLES = 40


@dataclass(frozen=True, eq=False)
class ChannelStack:
    """An extra sensor's maps (thermal, NIR, depth) with their times, aligned to the colour video."""

    maps: NDArray[np.generic]
    times: NDArray[np.float64]

    def at(self, timestamp: float) -> NDArray[np.generic]:
        index = int(np.clip(np.searchsorted(self.times, timestamp), 0, len(self.times) - 1))
        if index > 0 and abs(self.times[index - 1] - timestamp) < abs(
            self.times[index] - timestamp
        ):
            index -= 1
        return self.maps[index]


@dataclass
class TrackObservation:
    """Everything observed of one track; turned into cue scores once the pass is over."""

    track_id: int
    faces: list[Face] = field(default_factory=list)
    recorder: FaceTraceRecorder = field(default_factory=FaceTraceRecorder)
    crops: list[tuple[float, NDArray[np.uint8], float]] = field(default_factory=list)
    frames: list[tuple[float, Frame]] = field(default_factory=list)
    channel_faces: list[Face] = field(default_factory=list)
    channel_maps: dict[str, list[NDArray[np.generic]]] = field(default_factory=dict)
    eye_contrast: dict[int, float | None] = field(default_factory=dict)
    comotion: CoMotionSampler = field(default_factory=CoMotionSampler)

    @property
    def track(self) -> Track:
        return Track(track_id=self.track_id, faces=tuple(self.faces))

    @property
    def seconds(self) -> float:
        return self.faces[-1].timestamp - self.faces[0].timestamp if len(self.faces) > 1 else 0.0

    @property
    def mean_area(self) -> float:
        return float(np.mean([f.box.area for f in self.faces])) if self.faces else 0.0

    def views(self) -> list[tuple[Frame, Face]]:
        """The best frames, each with this track's face in it (single-image cues read these)."""
        seen = {(face.frame_index, face.timestamp): face for face in self.faces}
        return [(frame, seen[frame.index, frame.timestamp]) for _, frame in self.frames]

    def keep_best(self, quality: float, frame: Frame, face: Face) -> None:
        """Bounded buffers of the best crops and frames: memory stays flat on long videos."""
        crop = crop_face(frame.image, face.box)
        self.crops.append((quality, crop, max(face.box.w, face.box.h)))
        self.crops.sort(key=lambda item: -item[0])
        del self.crops[KEPT_CROPS:]
        self.frames.append((quality, frame))
        self.frames.sort(key=lambda item: -item[0])
        del self.frames[KEPT_FRAMES:]


@dataclass
class Observation:
    """All tracks of one source, plus facts about the source the cues need."""

    tracks: dict[int, TrackObservation]
    frame_shape: tuple[int, int]
    frames_seen: int
    still: bool

    def main_track(self) -> TrackObservation | None:
        """The main face: the longest-seen track, ties broken by size."""
        if not self.tracks:
            return None
        return max(self.tracks.values(), key=lambda t: (len(t.faces), t.mean_area))


class Observer:
    """The pass of `observe`, one frame at a time: a live stream pushes frames as they come and
    asks for the observation whenever it wants cue scores, with the same buffers as a file.
    `max_gap_s` is how long a face may go unseen and keep its track (a live stream that
    drops frames under load needs more than a file's 0.5 s); `tracker` replaces plain overlap
    tracking, e.g. with a ReidTracker for footage."""

    def __init__(
        self,
        analyzer: FaceAnalyzer | None = None,
        *,
        channels: Mapping[str, ChannelStack] | None = None,
        max_gap_s: float = 0.5,
        tracker: IouTracker | None = None,
    ) -> None:
        self.analyzer = analyzer or FaceAnalyzer()
        self.tracker = tracker or IouTracker(max_gap_s=max_gap_s, keep_faces=False)
        self.channels = channels or {}
        self.tracks: dict[int, TrackObservation] = {}
        self.shape = (0, 0)
        self.count = 0

    def push(self, frame: Frame) -> list[Face]:
        """Run the face stage on one frame and record it; its faces with their track ids."""
        faces = self.tracker.update(self.analyzer.analyze(frame), frame.timestamp, frame.image)
        self.record(frame, faces)
        return faces

    def record(self, frame: Frame, faces: list[Face]) -> None:
        self.shape = (frame.height, frame.width)
        self.count += 1
        seen = set()
        for face in faces:
            assert face.track_id is not None
            seen.add(face.track_id)
            state = self.tracks.setdefault(face.track_id, TrackObservation(face.track_id))
            state.faces.append(face)
            state.recorder.add_face(frame, face)
            state.comotion.offer(frame, face)
            if face.mesh is not None:
                state.eye_contrast[frame.index] = eye_contrast(frame.image, np.asarray(face.mesh))
            quality = face.quality.score if face.quality is not None else face.score
            if len(state.crops) < KEPT_CROPS or quality > state.crops[-1][0]:
                state.keep_best(quality, frame, face)
            if (
                self.channels
                and len(state.faces) % CHANNEL_EVERY == 1
                and len(state.channel_faces) < MAX_CHANNEL_SAMPLES
            ):
                state.channel_faces.append(face)
                for name, stack in self.channels.items():
                    state.channel_maps.setdefault(name, []).append(stack.at(frame.timestamp))
        live = {state.track_id for state in self.tracker.active}
        for track_id in live - seen:
            self.tracks[track_id].recorder.add_face(frame, None)

    def observation(self) -> Observation:
        return Observation(
            tracks=self.tracks,
            frame_shape=self.shape,
            frames_seen=self.count,
            still=self.count == 1,
        )


def observe(
    frames: Iterable[Frame],
    analyzer: FaceAnalyzer | None = None,
    *,
    channels: Mapping[str, ChannelStack] | None = None,
    max_seconds: float | None = None,
    tracker: IouTracker | None = None,
) -> Observation:
    """Run the face stage over `frames` and record per track what every cue will need
    (`tracker`: another tracker than plain overlap, e.g. a ReidTracker for footage)."""
    observer = Observer(analyzer, channels=channels, tracker=tracker)
    first_time: float | None = None
    for frame in frames:
        first_time = frame.timestamp if first_time is None else first_time
        if max_seconds is not None and frame.timestamp - first_time > max_seconds:
            break
        observer.push(frame)
    return observer.observation()
