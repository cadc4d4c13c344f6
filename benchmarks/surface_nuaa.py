"""Surface cue on real print attacks: NUAA subject-disjoint cross-validation, then decisions on
pad/silent-face and pad/siw-mv2-demo with a model trained on all NUAA subjects.

Usage: uv run python benchmarks/surface_nuaa.py [--C 0.1] [--limit-per-subject N]

NUAA images are already face crops (203x203): they are used whole, resized to the cue's crop size.
Folds leave one subject out (9 folds): no subject is ever in both training and test. Reported:
- ACER at the model's own threshold (P = 0.5) and at the threshold that gives EER on the training
  folds (chosen without test data);
- BPCER at APCER = 1 % on the pooled held-out scores (an operating point read off test scores,
  as ISO/IEC 30107-3 reports it);
silent-face and siw-mv2-demo faces are found with unmask.face and cropped with crop_face.
Features are cached under ~/.cache/unmask (never in the repository: NUAA is research-use only).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from unmask.data import shared_data_dir
from unmask.face import FaceAnalyzer
from unmask.liveness.surface import FEATURE_VERSION, SurfaceModel, crop_face, surface_features
from unmask.media import read_image

CACHE = Path.home() / ".cache" / "unmask"


def nuaa_features(
    root: Path, limit: int | None
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.str_]]:
    cache = CACHE / f"nuaa_surface_v{FEATURE_VERSION}_{limit or 'all'}.npz"
    if cache.exists():
        with np.load(cache) as data:
            return data["X"], data["y"], data["subject"]
    rows, labels, subjects = [], [], []
    for label, folder in ((1, "bona_fide"), (0, "print")):
        for subject_dir in sorted((root / folder).iterdir()):
            files = sorted(subject_dir.glob("*.jpg"))[:limit]
            for path in files:
                rows.append(surface_features(read_image(path).image))
                labels.append(label)
                subjects.append(subject_dir.name)
    X, y, s = np.array(rows), np.array(labels), np.array(subjects)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(cache, X=X, y=y, subject=s)
    return X, y, s


def error_rates(
    scores: NDArray[np.float64], labels: NDArray[np.int64], threshold: float
) -> tuple[float, float]:
    """APCER (attacks scored >= threshold, accepted as bona fide) and BPCER (bona fide below)."""
    apcer = float(np.mean(scores[labels == 0] >= threshold))
    bpcer = float(np.mean(scores[labels == 1] < threshold))
    return apcer, bpcer


def eer_threshold(scores: NDArray[np.float64], labels: NDArray[np.int64]) -> float:
    candidates = np.unique(scores)
    gaps = [abs(np.subtract(*error_rates(scores, labels, t))) for t in candidates]
    return float(candidates[int(np.argmin(gaps))])


def bpcer_at_apcer(scores: NDArray[np.float64], labels: NDArray[np.int64], apcer: float) -> float:
    attacks = np.sort(scores[labels == 0])
    allowed = int(np.floor(apcer * len(attacks)))
    threshold = np.nextafter(attacks[len(attacks) - allowed - 1], np.inf)
    return error_rates(scores, labels, float(threshold))[1]


def cross_validate(
    X: NDArray[np.float64], y: NDArray[np.int64], subjects: NDArray[np.str_], C: float
) -> None:
    pooled = np.zeros(len(y))
    acer_half, acer_eer = [], []
    print(
        f"{'held-out':>8} {'n':>5} {'APCER@0.5':>9} {'BPCER@0.5':>9} {'APCER@eer':>9} {'BPCER@eer':>9}"
    )
    for subject in np.unique(subjects):
        test = subjects == subject
        model = SurfaceModel(C=C).fit(X[~test], y[~test])
        train_scores = model.predict_proba(X[~test])[:, 1]
        threshold = eer_threshold(train_scores, y[~test])
        scores = model.predict_proba(X[test])[:, 1]
        pooled[test] = scores
        a5, b5 = error_rates(scores, y[test], 0.5)
        ae, be = error_rates(scores, y[test], threshold)
        acer_half.append((a5 + b5) / 2)
        acer_eer.append((ae + be) / 2)
        print(f"{subject:>8} {test.sum():>5} {a5:>9.4f} {b5:>9.4f} {ae:>9.4f} {be:>9.4f}")
    a5, b5 = error_rates(pooled, y, 0.5)
    print(f"pooled held-out: APCER {a5:.4f} BPCER {b5:.4f} ACER {(a5 + b5) / 2:.4f} at P=0.5")
    print(
        f"mean per-fold ACER: {np.mean(acer_half):.4f} at P=0.5, {np.mean(acer_eer):.4f} at train-EER threshold"
    )
    print(
        f"pooled BPCER@APCER=1%: {bpcer_at_apcer(pooled, y, 0.01):.4f}  BPCER@APCER=5%: {bpcer_at_apcer(pooled, y, 0.05):.4f}"
    )


def other_sets(data: Path, model: SurfaceModel) -> None:
    from unmask.liveness.surface import score_crop

    analyzer = FaceAnalyzer(mesh=False, iris=False)
    paths = sorted((data / "pad" / "silent-face").glob("*.jpg"))
    for kind in ("live", "spoof"):
        paths += sorted(
            (data / "pad" / "siw-mv2-demo" / kind).glob("*.png"), key=lambda p: int(p.stem)
        )
    print(f"{'file':>32} {'truth':>9} {'P(bona fide)':>12} {'decision@0.5':>12}")
    correct: dict[str, list[bool]] = {}
    for path in paths:
        frame = read_image(path)
        faces = analyzer.analyze(frame)
        truth = "bona_fide" if path.stem == "image_T1" or path.parent.name == "live" else "attack"
        if not faces:
            print(f"{path.parent.name + '/' + path.name:>32} {truth:>9} {'no face':>12}")
            continue
        face = max(faces, key=lambda f: f.box.area)
        cue = score_crop(
            crop_face(frame.image, face.box), model, face_px=max(face.box.w, face.box.h)
        )
        decision = "bona_fide" if (cue.score or 0.0) >= 0.5 else "attack"
        correct.setdefault(path.parent.name, []).append(decision == truth)
        print(
            f"{path.parent.name + '/' + path.name:>32} {truth:>9} {cue.score:>12.4f} {decision:>12}"
        )
    for name, hits in correct.items():
        print(f"{name}: {sum(hits)}/{len(hits)} correct at P=0.5")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--C", type=float, default=0.1)
    parser.add_argument("--limit-per-subject", type=int, default=None)
    args = parser.parse_args()
    data = shared_data_dir()
    if data is None or not (data / "pad" / "nuaa").is_dir():
        print("skipped: pad/nuaa not found (set UNMASK_DATA)")
        return 0
    start = time.perf_counter()
    X, y, subjects = nuaa_features(data / "pad" / "nuaa", args.limit_per_subject)
    print(
        f"NUAA: {int(y.sum())} bona fide, {int((y == 0).sum())} print, {len(np.unique(subjects))} subjects, "
        f"features {X.shape[1]} ({time.perf_counter() - start:.0f} s incl. cache)"
    )
    print(f"leave-one-subject-out, SurfaceModel(C={args.C})")
    cross_validate(X, y, subjects, args.C)
    print(
        "\nmodel trained on all NUAA subjects, applied to other sets (face found with unmask.face):"
    )
    other_sets(data, SurfaceModel(C=args.C).fit(X, y))
    return 0


if __name__ == "__main__":
    sys.exit(main())
