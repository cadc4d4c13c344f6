"""Per-frame and per-query costs of the foundation, on one core.

    uv run python benchmarks/foundation.py

Frames: the first 90 frames of the real video/hamilton_clip.mp4 (640x360), padded to 640x480,
or the bundled astronaut portrait when the shared data is absent. Prints a table.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2
import numpy as np

from unmask.bundled import bundled_faces
from unmask.data import shared_data_dir
from unmask.face import FaceAnalyzer
from unmask.face.detector import BlazeFaceDetector
from unmask.identity import Gallery, Template, identify
from unmask.identity.embedder import EMBEDDING_SIZE, embed_face
from unmask.media import read_video


def frames_640x480(count: int = 90) -> tuple[list[np.ndarray], str]:
    root = shared_data_dir()
    if root is None:
        portrait = cv2.resize(bundled_faces()["eileen_collins"], (360, 360))
        canvas = np.zeros((480, 640, 3), dtype=np.uint8)
        canvas[60:420, 140:500] = portrait
        return [canvas] * count, "bundled astronaut on a 640x480 canvas (fallback)"
    frames = []
    for frame in read_video(root / "video" / "hamilton_clip.mp4"):
        pad = (480 - frame.height) // 2
        frames.append(
            cv2.copyMakeBorder(
                frame.image, pad, 480 - frame.height - pad, 0, 0, cv2.BORDER_CONSTANT
            )
        )
        if len(frames) == count:
            break
    return frames, "real video/hamilton_clip.mp4, first 90 frames padded to 640x480"


def per_call_ms(work: Callable[[np.ndarray], object], frames: list[np.ndarray]) -> float:
    work(frames[0])
    timings = []
    for frame in frames:
        start = time.perf_counter()
        work(frame)
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def main() -> int:
    import dlib

    frames, source = frames_640x480()
    print(f"frames: {source}\n")
    print("| stage | ms per frame (median) | fps |")
    print("|---|---|---|")
    rows: dict[str, float] = {}
    for name, model in (
        ("BlazeFace short range", "short"),
        ("BlazeFace full range", "full"),
        ("BlazeFace auto (both)", "auto"),
    ):
        detector = BlazeFaceDetector(model=model)
        rows[name] = per_call_ms(lambda f, d=detector: d.detect(f), frames)
    analyzer = FaceAnalyzer()
    from unmask.media import frame_from_array

    rows["detect + mesh + iris (auto)"] = per_call_ms(
        lambda f: analyzer.analyze(frame_from_array(f)), frames
    )
    hog = dlib.get_frontal_face_detector()
    rows["dlib HOG detector (face_recognition's default)"] = per_call_ms(
        lambda f: hog(f, 1), frames
    )
    for name, ms in rows.items():
        print(f"| {name} | {ms:.2f} | {1000 / ms:.0f} |")
    ratio = (
        rows["dlib HOG detector (face_recognition's default)"] / rows["detect + mesh + iris (auto)"]
    )
    print(f"\nHOG detection alone / (BlazeFace + mesh + iris): {ratio:.1f}x\n")

    portrait = bundled_faces()["eileen_collins"]
    face = FaceAnalyzer().analyze(frame_from_array(portrait))[0]
    embed_ms = per_call_ms(lambda img: embed_face(img, face.box, face.mesh), [portrait] * 20)
    print(f"| embedding (dlib 5-point align + ResNet) | {embed_ms:.1f} ms per face |")

    print("\n| gallery templates | identify latency (median of 20, ms) |")
    print("|---|---|")
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as folder:
        for size in (1_000, 10_000, 100_000):
            path = Path(folder) / f"g{size}.sqlite"
            with Gallery(path, create=True) as gallery:
                vectors = rng.normal(0, 0.1, (size, EMBEDDING_SIZE)).astype(np.float32)
                for start in range(0, size, 10):
                    gallery.enroll(
                        f"id{start // 10:06d}",
                        [Template(v, "synthetic") for v in vectors[start : start + 10]],
                    )
                probe = vectors[0] + 0.01
                identify(probe, gallery)
                timings = []
                for _ in range(20):
                    begin = time.perf_counter()
                    identify(probe, gallery, top=5)
                    timings.append((time.perf_counter() - begin) * 1000)
                cold_begin = time.perf_counter()
                with Gallery(path) as fresh:
                    identify(probe, fresh, top=5)
                cold = (time.perf_counter() - cold_begin) * 1000
            print(
                f"| {size:,} ({size // 10:,} identities) | {statistics.median(timings):.2f} warm, {cold:.1f} cold (open + load) |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
