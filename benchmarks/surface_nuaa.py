"""Surface cue on real print attacks: NUAA subject-disjoint cross-validation, then decisions on
pad/silent-face and pad/siw-mv2-demo with a model trained on all NUAA subjects.

Usage: uv run python benchmarks/surface_nuaa.py [--C 0.1] [--limit-per-subject N]

NUAA images are already face crops (203x203): they are used whole, resized to the cue's crop size.
Folds leave one subject out (9 folds): no subject is ever in both training and test. Reported:
- ACER at the model's own threshold (P = 0.5) and at the threshold that gives EER on the training
  folds (chosen without test data);
- BPCER at APCER = 1 % on the pooled held-out scores (an operating point read off test scores,
  as ISO/IEC 30107-3 reports it), with unmask.evaluation's metrics and subject bootstrap;
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
from unmask.evaluation.bootstrap import BootstrapSpec, unit_codes
from unmask.evaluation.pad import PadCurves, PadSamples, pad_metrics
from unmask.face import FaceAnalyzer
from unmask.liveness.surface import (
    FEATURE_VERSION,
    SurfaceModel,
    crop_face,
    score_crop,
    surface_features,
)
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


def samples(
    scores: NDArray[np.float64], y: NDArray[np.int64], subjects: NDArray[np.str_]
) -> PadSamples:
    codes = unit_codes(subjects.astype(object))
    assert codes is not None
    return PadSamples(
        bona_fide=scores[y == 1],
        species={"print": scores[y == 0]},
        bona_units=codes[y == 1],
        species_units={"print": codes[y == 0]},
    )


def pct(value: float | None) -> str:
    return "   n/a" if value is None else f"{100 * value:6.2f}"


def ci_text(bounds: list[float] | None) -> str:
    return "n/a" if not bounds else f"{100 * bounds[0]:.2f}-{100 * bounds[1]:.2f}%"


def cross_validate(
    X: NDArray[np.float64], y: NDArray[np.int64], subjects: NDArray[np.str_], C: float
) -> None:
    pooled = np.zeros(len(y))
    acer_half, acer_eer = [], []
    print(
        f"{'held-out':>8} {'n':>5} {'APCER%@0.5':>10} {'BPCER%@0.5':>10} {'APCER%@eer':>10} {'BPCER%@eer':>10}"
    )
    for subject in np.unique(subjects):
        test = subjects == subject
        model = SurfaceModel(C=C).fit(X[~test], y[~test])
        train = samples(model.predict_proba(X[~test])[:, 1], y[~test], subjects[~test])
        _, threshold = PadCurves.from_samples(train).eer_point()
        scores = model.predict_proba(X[test])[:, 1]
        pooled[test] = scores
        held = samples(scores, y[test], subjects[test])
        at_half, at_eer = pad_metrics(held, 0.5), pad_metrics(held, threshold)
        acer_half.append(at_half["acer"])
        acer_eer.append(at_eer["acer"])
        print(
            f"{subject:>8} {test.sum():>5} {pct(at_half['apcer_max']):>10} {pct(at_half['bpcer']):>10} "
            f"{pct(at_eer['apcer_max']):>10} {pct(at_eer['bpcer']):>10}"
        )
    metrics = pad_metrics(samples(pooled, y, subjects), 0.5, spec=BootstrapSpec(replicates=500))
    ci = metrics["intervals"]
    print(
        f"pooled held-out at P=0.5: APCER {pct(metrics['apcer_max'])}% BPCER {pct(metrics['bpcer'])}% "
        f"ACER {pct(metrics['acer'])}%  (95% subject-bootstrap CI of ACER: {ci_text(ci.get('acer'))})"
    )
    print(
        f"mean per-fold ACER: {pct(float(np.mean(acer_half)))}% at P=0.5, "
        f"{pct(float(np.mean(acer_eer)))}% at the training folds' EER threshold"
    )
    print(
        f"pooled BPCER@APCER=1%: {pct(metrics['bpcer_at_apcer']['0.01'])}%  "
        f"BPCER@APCER=5%: {pct(metrics['bpcer_at_apcer']['0.05'])}%  EER: {pct(metrics['eer'])}%"
    )


def other_sets(data: Path, model: SurfaceModel) -> None:
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
