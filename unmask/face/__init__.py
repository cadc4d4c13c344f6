"""Faces: detect (BlazeFace), landmarks (468-point mesh, iris), pose, quality, tracking."""

from typing import TYPE_CHECKING

from unmask.lazy import lazy_exports

if TYPE_CHECKING:
    from unmask.face.analyzer import FaceAnalyzer as FaceAnalyzer
    from unmask.face.analyzer import analyze_stream as analyze_stream
    from unmask.face.analyzer import largest_face_per_frame as largest_face_per_frame
    from unmask.face.analyzer import track_video as track_video
    from unmask.face.detector import BlazeFaceDetector as BlazeFaceDetector
    from unmask.face.detector import Detection as Detection
    from unmask.face.tracker import IouTracker as IouTracker
    from unmask.face.tracker import ReidTracker as ReidTracker

# Resolved on first use, so a CLI command that only parses its arguments stays cheap.
EXPORTS = {
    "BlazeFaceDetector": "unmask.face.detector",
    "Detection": "unmask.face.detector",
    "FaceAnalyzer": "unmask.face.analyzer",
    "IouTracker": "unmask.face.tracker",
    "ReidTracker": "unmask.face.tracker",
    "analyze_stream": "unmask.face.analyzer",
    "largest_face_per_frame": "unmask.face.analyzer",
    "track_video": "unmask.face.analyzer",
}

__getattr__ = lazy_exports(__name__, EXPORTS)

__all__ = sorted(EXPORTS)
