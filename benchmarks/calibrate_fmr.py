"""Measure dlib ResNet impostor and genuine distances on real faces, to set FMR thresholds.

Reproduces the table in unmask/identity/thresholds.py:
    uv run python benchmarks/calibrate_fmr.py [--variants mesh5+flip,dlib5]
(one table per descriptor pipeline of benchmarks/recognition_light.py; default: unmask's own).
Data: ../shared/data faces/orl (40 people x 10), faces/johns (5 x 11), faces/deepface (13 people),
faces/face_recognition/knn_examples (real photos). Prints FMR and FNMR at candidate thresholds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from benchmarks.recognition_light import VARIANTS, Describer
from unmask.data import shared_data_dir
from unmask.errors import UnmaskError
from unmask.identity.embedder import PIPELINE


def labelled_images(root: Path) -> list[tuple[str, Path]]:
    items: list[tuple[str, Path]] = []
    for folder in sorted((root / "faces/orl").glob("s*")):
        items += [(f"orl/{folder.name}", p) for p in sorted(folder.glob("*.pgm"))]
    for folder in sorted((root / "faces/johns").iterdir()):
        if folder.is_dir():
            items += [(f"johns/{folder.name}", p) for p in sorted(folder.iterdir()) if p.is_file()]
    for folder in sorted((root / "faces/face_recognition/knn_examples/train").iterdir()):
        if folder.is_dir():
            items += [(f"knn/{folder.name}", p) for p in sorted(folder.iterdir()) if p.is_file()]
    return items


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--variants",
        default=PIPELINE,
        help=f"comma-separated, from {', '.join(VARIANTS)} (default {PIPELINE}, unmask's own)",
    )
    variants = [v.strip() for v in parser.parse_args().variants.split(",") if v.strip()]
    root = shared_data_dir()
    if root is None:
        print("no shared data (set UNMASK_DATA); nothing to calibrate")
        return 1
    describer = Describer(variants)
    labels, seen = [], []
    for label, path in labelled_images(root):
        try:
            found = describer.seen(path)
        except UnmaskError:
            continue
        if found.face is not None:
            labels.append(label)
            seen.append(found)
    for variant in variants:
        print(f"\n{variant}")
        table(np.stack([s.vectors[variant] for s in seen]), np.array(labels), root)
    return 0


def table(matrix: np.ndarray, names: np.ndarray, root: Path) -> None:
    dist = np.linalg.norm(matrix[:, None, :] - matrix[None, :, :], axis=2)
    upper = np.triu_indices(len(names), k=1)
    same = names[upper[0]] == names[upper[1]]
    d = dist[upper]
    genuine, impostor = d[same], d[~same]
    print(
        f"images with a face: {len(names)} of {len(labelled_images(root))}; "
        f"genuine pairs {genuine.size}, impostor pairs {impostor.size}"
    )
    print("| target FMR | threshold | measured FMR | FNMR |")
    print("|---|---|---|---|")
    for fmr in (1e-2, 1e-3, 1e-4):
        threshold = float(np.quantile(impostor, fmr))
        print(
            f"| {fmr:g} | {threshold:.4f} | {np.mean(impostor <= threshold):.5f} | "
            f"{np.mean(genuine > threshold):.4f} |"
        )
    for threshold in (0.5, 0.55, 0.6):
        print(
            f"| (fixed) | {threshold:.2f} | {np.mean(impostor <= threshold):.5f} | "
            f"{np.mean(genuine > threshold):.4f} |"
        )


if __name__ == "__main__":
    sys.exit(main())
