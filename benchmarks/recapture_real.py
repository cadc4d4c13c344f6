"""The recapture cue on REAL faces and REAL print/replay attacks, beside MiniFASNet.

    uv run --frozen python benchmarks/recapture_real.py [--sample 300] [--seed 0]

Every image here is real; none was used to train the shipped recapture model (trained on
permissive faces only, scripts/train_recapture.py):
- bona fide: faces/deepface (all), faces/face_recognition (test_images + knn_examples),
  pad/silent-face/image_T1.jpg, pad/siw-mv2-demo/live (25 frames), pad/nuaa/bona_fide (a
  seeded sample of --sample crops, for speed);
- attacks: pad/nuaa/print (same sample size), pad/silent-face/image_F1.jpg (print) and
  image_F2.jpg (replay), pad/siw-mv2-demo/spoof (25 frames, print or replay, undocumented).

Faces are found with unmask.face (BlazeFace, largest face). NUAA and SiW images are already face
crops; where the detector finds no face there, the whole image is the face box (counted in the
table as "whole"); elsewhere an image without a face is skipped (counted). MiniFASNet
(/work/shared/models/minifasnet, Apache-2.0) is fed exactly as its README says, read with
OpenCV's ONNX reader, and scored on the same faces.

Operating points: (a) the EER threshold of the pooled real set (all bona fide vs all attacks:
read off the test data, an optimistic reference); (b) a threshold fixed beforehand: ours at the
EER of the permissive validation split (held-out people, simulated attacks) stored in the
model, MiniFASNet at its own decision rule (P(real) > 0.5). Scores: higher = bona fide.
Also printed for both: the pooled EER and the BPCER at APCER 5 % (benchmarks.pad_real's
definition), so a retrained recapture model compares with MiniFASNet on one line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from benchmarks.pad_real import images, sample, separation
from unmask.data import shared_data_dir
from unmask.errors import UnmaskError
from unmask.evaluation.curves import (
    score_eer,
)
from unmask.face import FaceAnalyzer
from unmask.liveness.model import DEFAULT_MODEL_DIR
from unmask.liveness.recapture import RecaptureModel, score_view
from unmask.media import read_image
from unmask.types import Box, Frame

MINIFASNET = (("2.7_80x80_MiniFASNetV2.onnx", 2.7), ("4_0_0_80x80_MiniFASNetV1SE.onnx", 4.0))


@dataclass
class RealSet:
    name: str
    bona_fide: bool
    paths: list[Path]
    crops: bool = False
    ours: list[float] = field(default_factory=list)
    peer: list[float] = field(default_factory=list)
    whole: int = 0
    skipped: int = 0
    inconclusive: int = 0


def real_sets(root: Path, count: int, seed: int) -> list[RealSet]:
    fr = root / "faces/face_recognition"
    silent = root / "pad/silent-face"
    siw = root / "pad/siw-mv2-demo"
    nuaa = root / "pad/nuaa"
    return [
        RealSet("deepface", True, images(root / "faces/deepface")),
        RealSet("face_recognition", True, images(fr / "test_images") + images(fr / "knn_examples")),
        RealSet("silent-face T1", True, [silent / "image_T1.jpg"]),
        RealSet("siw-mv2 live", True, images(siw / "live"), crops=True),
        RealSet(
            f"nuaa bona fide ({count})", True, sample(images(nuaa / "bona_fide"), count, seed), True
        ),
        RealSet(f"nuaa print ({count})", False, sample(images(nuaa / "print"), count, seed), True),
        RealSet("silent-face F1 print", False, [silent / "image_F1.jpg"]),
        RealSet("silent-face F2 replay", False, [silent / "image_F2.jpg"]),
        RealSet("siw-mv2 spoof", False, images(siw / "spoof"), crops=True),
    ]


def minifasnet(folder: Path) -> Callable[[NDArray[np.uint8], Box], float]:
    """MiniFASNet's P(real) per its README: box scaled about its centre (kept inside the image),
    80x80 BGR 0-255 crops, softmax of both nets averaged, index 1 = real."""
    nets = [(cv2.dnn.readNetFromONNX(str(folder / name)), scale) for name, scale in MINIFASNET]

    def crop(image: NDArray[np.uint8], box: Box, scale: float) -> NDArray[np.uint8]:
        height, width = image.shape[:2]
        scale = min((height - 1) / box.h, (width - 1) / box.w, scale)
        w, h = box.w * scale, box.h * scale
        cx, cy = box.x + box.w / 2, box.y + box.h / 2
        x0, y0, x1, y1 = cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2
        if x0 < 0:
            x1, x0 = x1 - x0, 0.0
        if y0 < 0:
            y1, y0 = y1 - y0, 0.0
        if x1 > width - 1:
            x0, x1 = x0 - (x1 - width + 1), width - 1
        if y1 > height - 1:
            y0, y1 = y0 - (y1 - height + 1), height - 1
        patch = image[int(y0) : int(y1) + 1, int(x0) : int(x1) + 1, ::-1]
        return np.asarray(cv2.resize(patch, (80, 80)), dtype=np.uint8)

    def score(image: NDArray[np.uint8], box: Box) -> float:
        total = np.zeros(3)
        for net, scale in nets:
            blob = crop(image, box, scale).astype(np.float32).transpose(2, 0, 1)[None]
            net.setInput(np.ascontiguousarray(blob))
            logits = net.forward()[0].astype(np.float64)
            total += np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
        return float(total[1] / len(nets))

    return score


def faces_in(analyzer: FaceAnalyzer, real: RealSet) -> Iterator[tuple[NDArray[np.uint8], Box]]:
    for path in real.paths:
        try:
            image = read_image(path).image
        except UnmaskError:
            real.skipped += 1
            continue
        faces = analyzer.analyze(Frame(image))
        if faces:
            yield image, faces[0].box
        elif real.crops:
            real.whole += 1
            yield image, Box(0.0, 0.0, float(image.shape[1]), float(image.shape[0]))
        else:
            real.skipped += 1


def eer_point(bona_fide: list[float], attack: list[float]) -> tuple[float, float]:
    point = score_eer(bona_fide, attack)
    return point.rate, point.threshold


def error_rate(real: RealSet, scores: list[float], threshold: float) -> str:
    if not scores:
        return "-"
    values = np.asarray(scores)
    wrong = values < threshold if real.bona_fide else values >= threshold
    return f"{100 * wrong.mean():5.1f}%"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", type=int, default=300, help="NUAA images per class")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_DIR / "recapture.npz")
    parser.add_argument("--minifasnet", type=Path, default=None)
    args = parser.parse_args()
    root = shared_data_dir()
    if root is None:
        print("shared data not found (set UNMASK_DATA)", file=sys.stderr)
        return 3
    peer_dir = args.minifasnet or root.parent / "models" / "minifasnet"
    model = RecaptureModel.load(args.model)
    peer = minifasnet(peer_dir)
    analyzer = FaceAnalyzer(mesh=False)
    sets = real_sets(root, args.sample, args.seed)
    for real in sets:
        for image, box in faces_in(analyzer, real):
            cue = score_view(image, box, model)
            if cue.score is None:
                real.inconclusive += 1
                continue
            real.ours.append(float(cue.score))
            real.peer.append(peer(image, box))
    fixed_ours = float(model.provenance_["validation"]["eer_threshold"])
    pooled: dict[str, tuple[float, float]] = {}
    for who in ("ours", "peer"):
        live = [s for r in sets if r.bona_fide for s in getattr(r, who)]
        spoof = [s for r in sets if not r.bona_fide for s in getattr(r, who)]
        pooled[who] = eer_point(live, spoof)
    print(f"recapture model: {args.model} (validation threshold {fixed_ours:.3f})")
    print("all images real; ours = recapture cue P(bona fide), peer = MiniFASNet P(real)\n")
    header = (
        f"{'set':26s} {'n':>4s} {'whole':>5s} {'skip':>4s} {'inc':>3s} | {'ours q25/50/75':>17s} "
        f"{'@pooled':>7s} {'@valid':>7s} | {'peer q25/50/75':>17s} {'@pooled':>7s} {'@0.5':>7s}"
    )
    print(header)
    print("-" * len(header))
    for real in sets:
        quart = [
            "/".join(f"{q:.2f}" for q in np.percentile(s, [25, 50, 75])) if s else "-"
            for s in (real.ours, real.peer)
        ]
        rate = "BPCER" if real.bona_fide else "APCER"
        print(
            f"{real.name:26s} {len(real.ours):4d} {real.whole:5d} {real.skipped:4d} "
            f"{real.inconclusive:3d} | {quart[0]:>17s} {error_rate(real, real.ours, pooled['ours'][1]):>7s} "
            f"{error_rate(real, real.ours, fixed_ours):>7s} | {quart[1]:>17s} "
            f"{error_rate(real, real.peer, pooled['peer'][1]):>7s} {error_rate(real, real.peer, 0.5):>7s}  {rate}"
        )
    print("\n| system (pooled real stills) | EER | BPCER at APCER 5 % | data |\n|---|---|---|---|")
    for who, name in (("ours", "recapture cue"), ("peer", "MiniFASNet")):
        live = np.array([s for r in sets if r.bona_fide for s in getattr(r, who)])
        spoof = np.array([s for r in sets if not r.bona_fide for s in getattr(r, who)])
        print(separation(name, live, spoof))
    by_name = {r.name.split(" (")[0]: r for r in sets}
    pairs = {
        "NUAA bona fide vs print": (by_name["nuaa bona fide"], by_name["nuaa print"]),
        "SiW-Mv2 live vs spoof": (by_name["siw-mv2 live"], by_name["siw-mv2 spoof"]),
    }
    print(f"\n{'EER':32s} {'ours':>7s} {'MiniFASNet':>10s}")
    print(
        f"{'pooled real (thresholds above)':32s} {100 * pooled['ours'][0]:6.1f}% "
        f"{100 * pooled['peer'][0]:9.1f}%"
    )
    for name, (live, spoof) in pairs.items():
        ours = eer_point(live.ours, spoof.ours)[0]
        theirs = eer_point(live.peer, spoof.peer)[0]
        print(f"{name:32s} {100 * ours:6.1f}% {100 * theirs:9.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
