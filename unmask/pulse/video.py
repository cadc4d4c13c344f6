"""Region traces straight from a video file: whole frames, or the skin regions of each face track."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from unmask.media import read_video
from unmask.pulse.recorder import FaceTraceRecorder, FullFrameRecorder, HeadPath
from unmask.pulse.trace import RGBTrace


@dataclass
class TrackTraces:
    """The region traces of one face track, and how big the face was (for 'face too small')."""

    track_id: int
    traces: dict[str, RGBTrace]
    face_size_px: float
    frames: int
    head: HeadPath | None = None
    extra: dict[str, float] = field(default_factory=dict)


def full_frame_traces(path: str | Path, *, max_seconds: float | None = None) -> dict[str, RGBTrace]:
    recorder = FullFrameRecorder()
    for frame in read_video(path, max_seconds=max_seconds):
        recorder.add_frame(frame)
    return recorder.traces()


def face_track_traces(
    path: str | Path, *, max_seconds: float | None = None, min_frames: int = 10
) -> list[TrackTraces]:
    """Region traces per face track, in one decoding pass through the face stage's tracker.

    Tracks seen in fewer than `min_frames` frames (detector flickers) are left out.
    """
    from unmask.face import analyze_stream

    recorders: dict[int, FaceTraceRecorder] = {}
    for frame, faces in analyze_stream(read_video(path, max_seconds=max_seconds)):
        seen = {face.track_id: face for face in faces if face.track_id is not None}
        for track_id in seen.keys() - recorders.keys():
            recorders[track_id] = FaceTraceRecorder()
        for track_id, recorder in recorders.items():
            recorder.add_face(frame, seen.get(track_id))
    return [
        TrackTraces(
            track_id=track_id,
            traces=recorder.traces(),
            face_size_px=float(np.median(recorder.face_sizes)),
            frames=len(recorder.face_sizes),
            head=recorder.head_path(),
        )
        for track_id, recorder in sorted(recorders.items())
        if len(recorder.face_sizes) >= min_frames
    ]
