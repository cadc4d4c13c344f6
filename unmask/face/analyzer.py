"""Detection, mesh, iris, pose and quality for every face in a frame, and the same over video."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from unmask.face.detector import BlazeFaceDetector, Detection, DetectorModel
from unmask.face.landmarks import MESH_PRESENCE_MIN, face_mesh, iris_rings
from unmask.face.pose import pose_from_keypoints, pose_from_mesh
from unmask.face.quality import face_quality
from unmask.face.tiling import TiledDetector
from unmask.face.tracker import IouTracker
from unmask.inputs import ImageLike, to_frame
from unmask.media import iter_frames
from unmask.types import Face, Frame, Track

SMALL_FACE_MIN_SCORE = 0.75


class FaceAnalyzer:
    """Everything unmask knows about the faces in one frame.

    `mesh=False` skips the landmark models (about 3x cheaper) when only boxes are wanted.
    `tile` adds detection on tiles of that many pixels (small faces, unmask.face.tiling); faces
    under `small_face_px` are too small for the mesh to judge, so they are kept without a mesh
    when the detector is sure of them (score 0.75 or more).
    Detections the mesh model judges not to be a face are dropped, which removes most of
    BlazeFace's false positives at little cost.
    """

    def __init__(
        self,
        *,
        detector: DetectorModel = "auto",
        min_score: float = 0.5,
        mesh: bool = True,
        iris: bool = True,
        max_faces: int = 20,
        tile: int | None = None,
        small_face_px: float = 0.0,
    ) -> None:
        base = BlazeFaceDetector(model=detector, min_score=min_score)
        self.detector: BlazeFaceDetector | TiledDetector = (
            TiledDetector(base, tile) if tile else base
        )
        self.small_face_px = small_face_px
        self.mesh = mesh
        self.iris = iris and mesh
        self.max_faces = max_faces

    def analyze(self, frame: Frame | ImageLike) -> list[Face]:
        """Every face in one picture: a Frame, a path, an RGB numpy array or a PIL image."""
        frame = to_frame(frame)
        detections = sorted(self.detector.detect(frame.image), key=lambda d: -d.box.area)
        faces = []
        for detection in detections[: self.max_faces]:
            face = self.describe(frame, detection)
            if face is not None:
                faces.append(face)
        return faces

    def describe(self, frame: Frame, detection: Detection) -> Face | None:
        mesh = iris = eyelids = None
        if max(detection.box.w, detection.box.h) < self.small_face_px:
            if detection.score < SMALL_FACE_MIN_SCORE:
                return None
        elif self.mesh:
            right_eye, left_eye = detection.keypoints[0], detection.keypoints[1]
            angle = math.atan2(float(left_eye[1] - right_eye[1]), float(left_eye[0] - right_eye[0]))
            box = detection.box
            centre = (box.x + box.w / 2.0, box.y + box.h / 2.0)
            mesh, presence = face_mesh(frame.image, centre, max(box.w, box.h), angle)
            if presence < MESH_PRESENCE_MIN:
                return None
            if self.iris:
                iris, eyelids = iris_rings(frame.image, mesh)
        pose = (
            pose_from_mesh(mesh) if mesh is not None else pose_from_keypoints(detection.keypoints)
        )
        return Face(
            box=detection.box,
            score=detection.score,
            keypoints=detection.keypoints,
            mesh=mesh,
            iris=iris,
            eyelids=eyelids,
            pose=pose,
            quality=face_quality(frame.image, detection.box, pose),
            frame_index=frame.index,
            timestamp=frame.timestamp,
        )


def analyze_stream(
    frames: Iterable[Frame],
    analyzer: FaceAnalyzer | None = None,
    tracker: IouTracker | None = None,
) -> Iterator[tuple[Frame, list[Face]]]:
    """Each frame with its tracked faces; consumers that need pixels (pulse, surface) read here."""
    analyzer = analyzer or FaceAnalyzer()
    tracker = tracker or IouTracker()
    for frame in frames:
        yield frame, tracker.update(analyzer.analyze(frame), frame.timestamp, frame.image)


def track_video(
    source: str | Path | Iterable[Frame],
    analyzer: FaceAnalyzer | None = None,
    *,
    max_seconds: float | None = None,
) -> list[Track]:
    """All face tracks of a video (longest first), without keeping its frames in memory."""
    frames = (
        iter_frames(source, max_seconds=max_seconds) if isinstance(source, (str, Path)) else source
    )
    tracker = IouTracker()
    for _ in analyze_stream(frames, analyzer, tracker):
        pass
    return tracker.tracks()


def largest_face_per_frame(
    source: str | Path, analyzer: FaceAnalyzer | None = None
) -> tuple[list[Face | None], NDArray[np.float64]]:
    """The largest face of every frame (None where none was found) and the frames' times: the
    per-frame signal of the person in front of the camera, gaps kept, for readers that need the
    timing of what a face does (blinks, head actions) rather than tracks."""
    analyzer = analyzer or FaceAnalyzer()
    faces: list[Face | None] = []
    times = []
    for frame in iter_frames(source):
        found = analyzer.analyze(frame)
        faces.append(max(found, key=lambda f: f.box.area) if found else None)
        times.append(frame.timestamp)
    return faces, np.asarray(times, dtype=np.float64)
