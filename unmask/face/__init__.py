"""Faces: detect (BlazeFace), landmarks (468-point mesh, iris), pose, quality, tracking."""

from unmask.face.analyzer import FaceAnalyzer, analyze_stream, track_video
from unmask.face.detector import BlazeFaceDetector, Detection
from unmask.face.tracker import IouTracker

__all__ = [
    "BlazeFaceDetector",
    "Detection",
    "FaceAnalyzer",
    "IouTracker",
    "analyze_stream",
    "track_video",
]
