"""Train the recapture model shipped in unmask/liveness/models/default/recapture.npz.

    uv run --frozen python scripts/train_recapture.py [--seed 7] [--C 0.05] [--out PATH]

Data: PERMISSIVELY licensed real faces only, as the bona fide class and as the material every
simulated attack is made of:
- faces/interfaces (CC0 / Unsplash licence), 100 people;
- faces/frl-london (CC BY 4.0, DeBruine & Jones 2017), 102 people, neutral and smiling;
- faces/frl-canada (CC BY 4.0, same lab), 40 people;
- frames of video/pexels_wolfgang_langer.mp4 (Pexels licence), one person, one frame a second.
Never research-only or unknown-terms sets (NUAA, SiW-Mv2, GRID, deepface...): those are for
benchmarks/recapture_real.py only.

Per source photo, one camera is drawn per view and shared by its bona fide, print and screen
versions (unmask.lab.recapture), so the classes differ only by the attack. A fifth of the
people (chosen by a seeded hash of their id) are held out for the validation figure and the
validation threshold (EER on that split) that benchmarks use as a fixed operating point; the
model is fitted on the rest. Features are cached under ~/.cache/unmask.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from unmask.data import shared_data_dir
from unmask.evaluation.curves import (
    score_eer,
)
from unmask.face import FaceAnalyzer
from unmask.lab.recapture import KINDS, capture, sample_camera
from unmask.liveness.model import DEFAULT_MODEL_DIR
from unmask.liveness.recapture import (
    MEASUREMENT_VERSION,
    MODEL_COLUMNS,
    RecaptureModel,
    analysis_crop,
    recapture_features,
)
from unmask.media import read_image, read_video
from unmask.types import Box, Frame

CACHE = Path.home() / ".cache" / "unmask"
LAB_VERSION = 4
SOURCES = {
    "faces/interfaces": ("CC0 / Unsplash licence (cjdowner/interfaces)", 3),
    "faces/frl-london": ("CC BY 4.0, DeBruine & Jones 2017, Face Research Lab London Set", 1),
    "faces/frl-canada": ("CC BY 4.0, DeBruine & Jones, Face Research Lab Canada Set", 2),
    "video/pexels_wolfgang_langer.mp4": ("Pexels licence, video 3063838 by Wolfgang Langer", 1),
}
VALIDATION_SHARE = 0.2
MIN_SOURCE_FACE = 64.0


def photos(root: Path) -> Iterator[tuple[str, str, NDArray[np.uint8]]]:
    """(source set, person id, RGB image) of every permissive real photo, in a fixed order."""
    for path in sorted((root / "faces/interfaces").glob("*.jpg")):
        yield "faces/interfaces", f"interfaces/{path.stem}", read_image(path).image
    for path in sorted((root / "faces/frl-london").glob("*/*.jpg")):
        yield "faces/frl-london", f"london/{path.stem.split('_')[0]}", read_image(path).image
    for path in sorted((root / "faces/frl-canada").glob("*.jpg")):
        yield "faces/frl-canada", f"canada/{path.stem}", read_image(path).image
    video = "video/pexels_wolfgang_langer.mp4"
    next_time = 0.0
    for frame in read_video(root / video):
        if frame.timestamp >= next_time:
            next_time += 1.0
            yield video, "pexels/wolfgang_langer", frame.image


def held_out(person: str, seed: int) -> bool:
    digest = hashlib.sha256(f"{seed}:{person}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < VALIDATION_SHARE


def build(root: Path, seed: int) -> dict[str, NDArray[np.generic]]:
    cache = CACHE / f"recapture_train_v{MEASUREMENT_VERSION}_lab{LAB_VERSION}_seed{seed}.npz"
    if cache.exists():
        with np.load(cache) as data:
            return {key: data[key] for key in data.files}
    analyzer = FaceAnalyzer(mesh=False)
    rows, labels, kinds, people, sets = [], [], [], [], []
    start = time.time()
    for index, (source, person, image) in enumerate(photos(root)):
        faces = analyzer.analyze(Frame(image))
        if not faces or max(faces[0].box.w, faces[0].box.h) < MIN_SOURCE_FACE:
            print(f"skip {person}: no face of {MIN_SOURCE_FACE:.0f} px", file=sys.stderr)
            continue
        box: Box = faces[0].box
        rng = np.random.default_rng([seed, index])
        for _ in range(SOURCES[source][1]):
            camera = sample_camera(rng)
            for kind in KINDS:
                shot = capture(image, box, kind, camera, rng)
                rows.append(recapture_features(analysis_crop(shot.image, shot.box)))
                labels.append(int(kind == "bona_fide"))
                kinds.append(kind)
                people.append(person)
                sets.append(source)
        if index % 25 == 0:
            print(
                f"{index} photos, {len(rows)} shots, {time.time() - start:.0f} s", file=sys.stderr
            )
    data = {
        "X": np.array(rows),
        "y": np.array(labels),
        "kind": np.array(kinds),
        "person": np.array(people),
        "source": np.array(sets),
    }
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(cache, **data)
    return data


def eer_point(bona_fide: NDArray[np.float64], attack: NDArray[np.float64]) -> tuple[float, float]:
    """EER and its threshold, scores higher = bona fide (unmask.evaluation's definition)."""
    point = score_eer(bona_fide, attack)
    return point.rate, point.threshold


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--C", type=float, default=0.05)
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_DIR / "recapture.npz")
    args = parser.parse_args()
    root = shared_data_dir()
    if root is None:
        print("shared data not found (set UNMASK_DATA)", file=sys.stderr)
        return 3
    data = build(root, args.seed)
    validation = np.array([held_out(str(p), args.seed) for p in data["person"]])
    X, y, kind = data["X"][:, MODEL_COLUMNS], data["y"], data["kind"]
    model = RecaptureModel(C=args.C)
    model.fit(X[~validation], y[~validation])
    scores = model.predict_proba(X[validation])[:, 1]
    labels, kinds = y[validation], kind[validation]
    rate, threshold = eer_point(scores[labels == 1], scores[labels == 0])
    per_kind = {
        k: eer_point(scores[labels == 1], scores[kinds == k])[0] for k in KINDS if k != "bona_fide"
    }
    counts = {
        "train_people": len(set(data["person"][~validation])),
        "validation_people": len(set(data["person"][validation])),
        "train_shots": {k: int(np.sum((kind == k) & ~validation)) for k in KINDS},
        "validation_shots": {k: int(np.sum((kind == k) & validation)) for k in KINDS},
    }
    provenance = {
        "data": {name: terms for name, (terms, _) in SOURCES.items()},
        "attacks": "simulated print and screen recaptures of the same real photos "
        "(unmask.lab.recapture), camera shared per photo",
        "counts": counts,
        "seed": args.seed,
        "C": args.C,
        "validation": {
            "eer": round(rate, 4),
            "eer_threshold": round(threshold, 4),
            "eer_by_kind": {k: round(v, 4) for k, v in per_kind.items()},
            "note": "held-out people, simulated attacks: not a real-attack figure",
        },
        "command": f"uv run --frozen python scripts/train_recapture.py --seed {args.seed} --C {args.C}",
    }
    model.provenance_ = provenance
    # Refit is not done on the validation people: the stored threshold belongs to this model.
    path = model.save(args.out)
    print(f"wrote {path} ({path.stat().st_size} bytes)")
    for key, value in provenance.items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
