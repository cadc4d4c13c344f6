"""unmask: face recognition that a mask cannot fool.

The public API, on one screen (pictures are paths, RGB numpy arrays or PIL images):

    import unmask
    from unmask import FaceAnalyzer, Gallery, LivenessEngine, ProbeMaker, Template, identify

    unmask.verify_images("door.jpg", "badge.jpg").match             # same person? (one call)
    unmask.check_liveness("door.mp4").decision                       # bona_fide / attack / inconclusive
    faces = FaceAnalyzer().analyze("door.jpg")                       # boxes, mesh, iris, pose, quality
    probe = ProbeMaker().single("door.jpg")                          # one face -> 128-d descriptor
    with Gallery("staff.sqlite", create=True) as gallery:
        gallery.enroll("ada", [Template(probe.embedding, "door.jpg")])
        identify(probe.embedding, gallery, top=3)                    # 1:N, thresholds by target FMR
    LivenessEngine(level="high").assess("door.mp4").main.verdict    # every cue, every track

Every error is an `UnmaskError` with a message a user can act on.
"""

from unmask.lazy import lazy_exports

# Names are resolved on first use, so `import unmask` (and every CLI start) stays cheap: the
# models and the numerical libraries load only when something needs them.
EXPORTS = {
    "Box": "unmask.types",
    "Comparison": "unmask.api",
    "LivenessResult": "unmask.api",
    "check_liveness": "unmask.api",
    "verify_images": "unmask.api",
    "CueScore": "unmask.types",
    "Face": "unmask.types",
    "FaceAnalyzer": "unmask.face",
    "Frame": "unmask.types",
    "Gallery": "unmask.identity",
    "LivenessEngine": "unmask.liveness.engine",
    "PadModel": "unmask.liveness.model",
    "Pose": "unmask.types",
    "Probe": "unmask.identity",
    "ProbeMaker": "unmask.identity",
    "Quality": "unmask.types",
    "Template": "unmask.identity",
    "Track": "unmask.types",
    "UnmaskError": "unmask.errors",
    "Verdict": "unmask.types",
    "frame_from_array": "unmask.media",
    "identify": "unmask.identity",
    "iter_frames": "unmask.media",
    "read_image": "unmask.media",
    "read_video": "unmask.media",
    "track_video": "unmask.face",
    "verify": "unmask.identity",
}


__getattr__ = lazy_exports(__name__, EXPORTS)


__version__ = "0.1.0"

__all__ = sorted(EXPORTS)
