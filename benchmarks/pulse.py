"""Per-frame cost of the pulse pipeline on one core, 640x480 frames with one face.

Rows: region sampling with a moving face (label image redrawn every frame) and a still face
(label image reused), whole-frame sampling, adding a frame to the recorder, and the
once-a-second work of streaming (rate estimate on all regions, the full pulse cue) spread
over the 30 frames of that second. Face detection and mesh are the face stage's cost and are
not included.

    uv run python benchmarks/pulse.py
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import cv2
import numpy as np
import skimage.data

from unmask.face import FaceAnalyzer
from unmask.liveness.pulse import pulse_cue
from unmask.media import frame_from_array
from unmask.pulse import FaceTraceRecorder, RegionSampler, estimate_pulse
from unmask.pulse.regions import sample_full_frame
from unmask.pulse.synthetic import ClipSpec, synthetic_clip


def timed(
    label: str, run: Callable[[int], object], repeats: int, per: float = 1.0
) -> tuple[str, float, float]:
    samples = []
    for i in range(repeats):
        start = time.perf_counter()
        run(i)
        samples.append((time.perf_counter() - start) * 1000.0 / per)
    return label, float(np.median(samples)), float(np.percentile(samples, 90))


def main() -> int:
    cv2.setNumThreads(1)
    canvas = np.full((480, 640, 3), 90, dtype=np.uint8)
    canvas[:, 80:560] = cv2.resize(skimage.data.astronaut(), (480, 480))
    faces = FaceAnalyzer().analyze(frame_from_array(canvas))
    if not faces or faces[0].mesh is None:
        print("no face found in the benchmark frame")
        return 1
    face = faces[0]
    mesh = np.asarray(face.mesh, dtype=np.float64)
    rng = np.random.default_rng(0)
    jitter = [mesh + rng.normal(0, 1.0, mesh.shape) for _ in range(200)]
    moving, still = RegionSampler(), RegionSampler()
    rows = [
        timed(
            "regions, moving face (7 skin + 2 background)",
            lambda i: moving.sample(canvas, jitter[i % 200]),
            200,
        ),
        timed(
            "regions, still face (label image reused)", lambda i: still.sample(canvas, mesh), 200
        ),
        timed("whole frame (--roi full-frame)", lambda i: sample_full_frame(canvas), 200),
    ]
    recorder = FaceTraceRecorder()
    frames = list(synthetic_clip(canvas, ClipSpec(seconds=12.0, noise=1.0), mesh))
    for frame, moved in frames:
        recorder.add_face(
            frame,
            replace(face, mesh=moved, timestamp=frame.timestamp),
        )
    traces = recorder.traces()
    sample = moving.sample(canvas, mesh)
    spare = FaceTraceRecorder()
    rows.append(
        timed("recorder.add (one frame, all regions)", lambda i: spare.add(i / 30.0, sample), 300)
    )
    rows.append(
        timed(
            "rate on 7 regions, once a second / 30 frames",
            lambda i: [estimate_pulse(t, "pos") for t in traces.values()],
            10,
            per=30.0,
        )
    )
    rows.append(
        timed(
            "pulse cue (12 s window), once a second / 30 frames",
            lambda i: pulse_cue(traces, face_size_px=face.box.w),
            10,
            per=30.0,
        )
    )
    print(f"{'step':<52} {'median ms':>9} {'p90 ms':>7}")
    for label, median, p90 in rows:
        print(f"{label:<52} {median:9.3f} {p90:7.3f}")
    total = rows[0][1] + rows[3][1] + rows[5][1]
    print(f"{'per frame, moving face, streaming cue (sum)':<52} {total:9.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
