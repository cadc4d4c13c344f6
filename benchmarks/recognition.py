"""Recognition and detection figures on real data (issue 2's "what it must measure").

    uv run python benchmarks/recognition.py

- verification on faces/deepface/face-recognition-pivot.csv (280 pairs): accuracy at the
  default FMR threshold and at dlib's customary 0.6, and the EER;
- identification on faces/orl: enrol image 1 of each of 40 people, identify the other 9;
- detection on faces/dlib-detection (testing.xml + training.xml boxes): recall at IoU 0.5 and
  false positives.
All data is real (../shared/data); nothing here is simulated.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np

from unmask.data import shared_data_dir
from unmask.evaluation.curves import candidate_thresholds, eer, false_accept_rate, false_reject_rate
from unmask.evaluation.protocols.local import read_deepface_pairs, read_orl
from unmask.face import FaceAnalyzer
from unmask.identity import DEFAULT_FMR, threshold_for_fmr
from unmask.identity.embedder import embed_face
from unmask.media import read_image
from unmask.types import Box


class Embedder:
    """Largest face of each file, embedded once and remembered."""

    def __init__(self) -> None:
        self.analyzer = FaceAnalyzer(iris=False)
        self.cache: dict[Path, np.ndarray | None] = {}

    def __call__(self, path: Path) -> np.ndarray | None:
        if path not in self.cache:
            frame = read_image(path)
            faces = self.analyzer.analyze(frame)
            face = max(faces, key=lambda f: f.box.area) if faces else None
            self.cache[path] = (
                None if face is None else embed_face(frame.image, face.box, face.mesh)
            )
        return self.cache[path]


def deepface_verification(root: Path, embedder: Embedder | None = None) -> dict[str, float]:
    embedder = embedder or Embedder()
    protocol = read_deepface_pairs(root / "faces" / "deepface")
    distances, same, missing = [], [], 0
    for entry in protocol.entries:
        a, b = embedder(entry.path), embedder(protocol.root / entry.extra["reference"])
        if a is None or b is None:
            missing += 1
            continue
        distances.append(float(np.linalg.norm(a - b)))
        same.append(entry.subject == entry.target)
    d, genuine = np.array(distances), np.array(same)
    scores = -d
    thresholds = candidate_thresholds(scores)
    point = eer(
        false_accept_rate(scores[~genuine], thresholds),
        false_reject_rate(scores[genuine], thresholds),
        thresholds,
    )
    default = threshold_for_fmr(DEFAULT_FMR)
    return {
        "pairs": float(len(d)),
        "pairs_without_face": float(missing),
        "accuracy_at_default": float(np.mean((d <= default) == genuine)),
        "default_threshold": default,
        "accuracy_at_0.6": float(np.mean((d <= 0.6) == genuine)),
        "eer": point.rate,
    }


def orl_identification(
    root: Path, people: int | None = None, embedder: Embedder | None = None
) -> dict[str, float]:
    embedder = embedder or Embedder()
    by_subject: dict[str, list[Path]] = {}
    for entry in read_orl(root / "faces" / "orl").entries:
        by_subject.setdefault(str(entry.subject), []).append(entry.path)
    subjects = sorted(by_subject, key=lambda s: int(s[1:]))[:people]
    gallery, names = [], []
    for subject in subjects:
        first = sorted(by_subject[subject], key=lambda p: int(p.stem))[0]
        vector = embedder(first)
        if vector is not None:
            gallery.append(vector)
            names.append(subject)
    matrix = np.stack(gallery)
    hits = total = no_face = 0
    for subject in subjects:
        for probe in sorted(by_subject[subject], key=lambda p: int(p.stem))[1:]:
            vector = embedder(probe)
            total += 1
            if vector is None:
                no_face += 1
                continue
            best = names[int(np.argmin(np.linalg.norm(matrix - vector, axis=1)))]
            hits += best == subject
    return {
        "people": float(len(subjects)),
        "probes": float(total),
        "probes_without_face": float(no_face),
        "rank1": hits / total,
    }


def detection_recall(root: Path, min_iou: float = 0.5) -> dict[str, float]:
    folder = root / "faces" / "dlib-detection"
    analyzer = FaceAnalyzer(iris=False)
    truth = found = false_positive = 0
    for name in ("testing.xml", "training.xml"):
        for image in ElementTree.parse(folder / name).getroot().iter("image"):
            boxes = [
                Box(
                    float(b.get("left", 0)),
                    float(b.get("top", 0)),
                    float(b.get("width", 0)),
                    float(b.get("height", 0)),
                )
                for b in image.iter("box")
                if b.get("ignore") != "1"
            ]
            detected = [
                face.box for face in analyzer.analyze(read_image(folder / str(image.get("file"))))
            ]
            truth += len(boxes)
            used: set[int] = set()
            for box in boxes:
                best = max(range(len(detected)), key=lambda i: box.iou(detected[i]), default=None)
                if best is not None and best not in used and box.iou(detected[best]) >= min_iou:
                    used.add(best)
                    found += 1
            false_positive += len(detected) - len(used)
    return {
        "faces": float(truth),
        "recall": found / truth,
        "false_positives": float(false_positive),
    }


def main() -> int:
    root = shared_data_dir()
    if root is None:
        print("shared data not found (set UNMASK_DATA)")
        return 1
    embedder = Embedder()
    print("| measure | value | data |")
    print("|---|---|---|")
    for key, value in deepface_verification(root, embedder).items():
        print(f"| deepface verification {key} | {value:.4f} | real, 280 labelled pairs |")
    for key, value in orl_identification(root, embedder=embedder).items():
        print(
            f"| ORL identification {key} | {value:.4f} | real, 1 enrolled + 9 probes x 40 people |"
        )
    for key, value in detection_recall(root).items():
        print(f"| dlib-detection {key} | {value:.4f} | real, boxes of testing.xml + training.xml |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
