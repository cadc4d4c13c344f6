"""MiniFASNet (Silent-Face-Anti-Spoofing) through the extra-model slot, on the real PAD sets.

    uv run python benchmarks/minifasnet.py [--per-subject 20]

The two ONNX networks in shared/models/minifasnet are linked into a temporary folder with the
sidecars below (the weights never enter the repository). Faces are found by our BlazeFace
detector, not upstream's RetinaFace, which shifts upstream's scores a little. NUAA and SiW-Mv2
ship tight face crops; where BlazeFace finds no face in one, the whole crop is the box (the
`whole` column counts those). Real data, all of it; the sets are small, so EERs are rough.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from unmask.data import shared_data_dir, shared_models_dir
from unmask.evaluation.curves import (
    score_eer,
)
from unmask.face import FaceAnalyzer
from unmask.liveness.extra_model import ExtraModel
from unmask.media import read_image
from unmask.types import Box

# The sidecars that reproduce the upstream recipe (docs/plugins.md shows the first in full).
MINIFASNET_SIDECARS = {
    "2.7_80x80_MiniFASNetV2": {"name": "minifasnet-v2", "crop_scale": 2.7},
    "4_0_0_80x80_MiniFASNetV1SE": {"name": "minifasnet-v1se", "crop_scale": 4.0},
}
COMMON = {
    "kind": "unmask.extra-model",
    "version": 1,
    "input_size": [80, 80],
    "channel_order": "BGR",
    "scale": 1.0,
    "mean": [0.0, 0.0, 0.0],
    "std": [1.0, 1.0, 1.0],
    "layout": "NCHW",
    "bona_fide_index": 1,
    "softmax": True,
}


def install_minifasnet(source: Path, folder: Path) -> list[Path]:
    """Link both networks into `folder` and write their sidecars beside them."""
    paths = []
    for stem, fields in MINIFASNET_SIDECARS.items():
        link = folder / f"{stem}.onnx"
        link.symlink_to(source / f"{stem}.onnx")
        link.with_suffix(".json").write_text(json.dumps({**COMMON, **fields}, indent=2))
        paths.append(link)
    return paths


def samples(root: Path, per_subject: int) -> Iterator[tuple[str, int, Path]]:
    """(set, label, image): label 1 = bona fide, 0 = attack."""
    silent = root / "pad" / "silent-face"
    for name, label in (("image_T1.jpg", 1), ("image_F1.jpg", 0), ("image_F2.jpg", 0)):
        yield "silent-face", label, silent / name
    for folder, label in (("live", 1), ("spoof", 0)):
        for path in sorted((root / "pad" / "siw-mv2-demo" / folder).glob("*.png")):
            yield "siw-mv2-demo", label, path
    for folder, label in (("bona_fide", 1), ("print", 0)):
        for subject in sorted((root / "pad" / "nuaa" / folder).iterdir()):
            files = sorted(subject.glob("*.jpg"))
            for path in files[:: max(1, len(files) // per_subject)][:per_subject]:
                yield "nuaa", label, path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-subject", type=int, default=20, help="NUAA images per subject")
    args = parser.parse_args()
    root, models_root = shared_data_dir(), shared_models_dir()
    if root is None or models_root is None:
        print("shared data or shared models not found", file=sys.stderr)
        return 1
    analyzer = FaceAnalyzer(mesh=False, iris=False)
    rows: dict[str, list[tuple[int, list[float], bool]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        models = [
            ExtraModel.load(p) for p in install_minifasnet(models_root / "minifasnet", Path(tmp))
        ]
        for name, label, path in samples(root, args.per_subject):
            frame = read_image(path)
            faces = analyzer.analyze(frame)
            whole = not faces
            box = (
                Box(0, 0, frame.width, frame.height)
                if whole
                else max(faces, key=lambda f: f.box.area).box
            )
            probabilities = [m.probability(frame.image, box) for m in models]
            rows.setdefault(name, []).append((label, probabilities, whole))
            if name == "silent-face":
                print(f"{path.name}: " + ", ".join(f"{p:.4f}" for p in probabilities))
    print("\nEER, and median P(bona fide) of live/attack, per set and network:")
    columns = [m.name for m in models] + ["mean of both"]
    print(
        f"\n{'set':<14} {'live':>5} {'attack':>6} {'whole':>5}  "
        + "  ".join(f"{c:>20}" for c in columns)
    )
    for name, items in rows.items():
        labels = np.array([r[0] for r in items])
        scores = np.array([[*r[1], float(np.mean(r[1]))] for r in items])
        cells = []
        for k in range(scores.shape[1]):
            live, attack = scores[labels == 1, k], scores[labels == 0, k]
            point = score_eer(live, attack)
            cells.append(
                f"{100 * point.rate:4.1f}% ({np.median(live):.2f}/{np.median(attack):.2f})"
            )
        print(
            f"{name:<14} {int(labels.sum()):>5} {int((labels == 0).sum()):>6} "
            f"{sum(r[2] for r in items):>5}  " + "  ".join(f"{c:>20}" for c in cells)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
