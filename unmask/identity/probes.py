"""From media to descriptors: one per face in a still, one per track in a video.

Embedding costs about 150 ms of CPU (a crop and its mirror image), so a video is not embedded frame by frame: each track's few
best-quality faces are embedded and averaged, which is both cheaper and more accurate.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from unmask.errors import MultipleFacesError, NoFaceError
from unmask.face import FaceAnalyzer, IouTracker, analyze_stream
from unmask.identity.embedder import embed_face
from unmask.inputs import ImageLike, is_path, to_frame
from unmask.media import is_video, iter_frames
from unmask.types import Face, Track


@dataclass(frozen=True, eq=False)
class Probe:
    """A face (still) or a track (video) ready to compare with the gallery."""

    face: Face
    embedding: NDArray[np.float32]
    track_id: int | None = None
    frame_index: int | None = None
    first_seen: float | None = None
    last_seen: float | None = None
    frames_used: int = 1


class ProbeMaker:
    """Turns images and videos into probes; models load lazily, once per process."""

    def __init__(
        self,
        analyzer: FaceAnalyzer | None = None,
        *,
        frames_per_track: int = 3,
        min_track_frames: int = 3,
        max_seconds: float | None = None,
    ) -> None:
        self.analyzer = analyzer or FaceAnalyzer(iris=False)
        self.frames_per_track = frames_per_track
        self.min_track_frames = min_track_frames
        self.max_seconds = max_seconds

    def probes(self, path: ImageLike) -> list[Probe]:
        """Every face of an image, or every lasting track of a video (largest first).

        `path` may also be an in-memory picture: an RGB numpy array or a PIL image.
        """
        if isinstance(path, (str, Path)) and is_video(path):
            return list(self.video_probes(path))
        frame = to_frame(path)
        faces = self.analyzer.analyze(frame)
        return [
            Probe(face=face, embedding=embed_face(frame.image, face.box, face.mesh))
            for face in faces
        ]

    def single(self, path: ImageLike) -> Probe:
        """Exactly one face (or one track): enrolment and verification need to know whose."""
        found = self.probes(path)
        name = str(path) if is_path(path) else "the image"
        if not found:
            raise NoFaceError(f"{name}: no face found")
        if len(found) > 1:
            raise MultipleFacesError(
                f"{name}: {len(found)} faces found where one is needed; crop the image"
            )
        return found[0]

    def video_probes(self, path: str | Path) -> Iterator[Probe]:
        """Keep, per track, only the frames worth embedding: a bounded buffer of best faces."""
        tracker = IouTracker()
        best: dict[int, list[tuple[float, Face, NDArray[np.uint8]]]] = {}
        frames = iter_frames(path, max_seconds=self.max_seconds)
        for frame, faces in analyze_stream(frames, self.analyzer, tracker):
            for face in faces:
                assert face.track_id is not None
                quality = face.quality.score if face.quality is not None else face.score
                kept = best.setdefault(face.track_id, [])
                if len(kept) < self.frames_per_track or quality > kept[-1][0]:
                    kept.append((quality, face, frame.image))
                    kept.sort(key=lambda item: -item[0])
                    del kept[self.frames_per_track :]
        for track in tracker.tracks():
            if len(track.faces) < self.min_track_frames or track.track_id not in best:
                continue
            yield track_probe(track, [(face, image) for _, face, image in best[track.track_id]])


def track_probe(track: Track, chosen: list[tuple[Face, NDArray[np.uint8]]]) -> Probe:
    """A track's descriptor: the mean of its chosen (best first) faces' descriptors."""
    vectors = np.stack([embed_face(image, face.box, face.mesh) for face, image in chosen])
    top = chosen[0][0]
    return Probe(
        face=top,
        embedding=vectors.mean(axis=0).astype(np.float32),
        track_id=track.track_id,
        frame_index=top.frame_index,
        first_seen=track.faces[0].timestamp,
        last_seen=track.faces[-1].timestamp,
        frames_used=len(chosen),
    )
