"""Rank-1 identification under hard light, expression and pose, for several descriptor
pipelines (issue 13 item 6).

    uv run python benchmarks/recognition_light.py [--variants dlib5,dlib5+flip,...] [--people N]

Sets (all faces from ../shared/data; the first found face, largest, of each picture is used):
- orl (REAL): faces/orl, image 1 of each of 40 people enrolled, images 2-10 identified (pose and
  expression vary);
- orl-sideA (SIMULATED, A in --angles): the same probes relit by `unmask.identity.relight` with
  one light at A degrees from the side (alternately left and right), ambient 3 %; the
  gallery stays the unlit image 1. The detector runs on the relit picture, so a face it misses
  counts as a miss;
- side-lit (REAL): every picture of faces/orl, faces/johns, faces/frl-london and
  faces/face_recognition/knn_examples/train whose `side_asymmetry` (left/right brightness
  difference on the face) is at least --asymmetry; each identity's most even picture is its
  gallery image, all identities of those sets are in the gallery;
- smile (REAL): faces/frl-london, neutral photo enrolled, smiling photo identified (102 people);
- deepface pairs (REAL): verification accuracy at the default threshold and the EER on the 280
  labelled pairs of faces/deepface, to check a pipeline keeps today's figures.
A probe whose face is not found counts as a miss (wrong) in rank-1; the "missed" column says
how many.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from unmask.data import shared_data_dir
from unmask.evaluation.curves import candidate_thresholds, eer, false_accept_rate, false_reject_rate
from unmask.evaluation.protocols.local import read_deepface_pairs
from unmask.face import FaceAnalyzer
from unmask.identity import DEFAULT_FMR, threshold_for_fmr
from unmask.identity.embedder import aligned_chip, chip_descriptors
from unmask.identity.lighting import equalise, side_asymmetry
from unmask.identity.relight import relight
from unmask.media import read_image
from unmask.types import Face

Vector = NDArray[np.float32]
# Variant name -> (align on the mesh's five points, equalise lighting, average with the mirror).
VARIANTS = {
    "dlib5": (False, False, False),
    "dlib5+flip": (False, False, True),
    "mesh5": (True, False, False),
    "mesh5+flip": (True, False, True),
    "dlib5+clahe": (False, True, False),
    "dlib5+clahe+flip": (False, True, True),
    "mesh5+clahe+flip": (True, True, True),
}


@dataclass
class Seen:
    """One picture: its face (None: missed) and each variant's descriptor."""

    face: Face | None
    vectors: dict[str, Vector]
    asymmetry: float | None


class Describer:
    """Pictures -> descriptors for every requested variant, computed once per picture."""

    def __init__(self, variants: list[str]) -> None:
        self.variants = variants
        self.analyzer = FaceAnalyzer(iris=False)
        self.cache: dict[tuple[Path, float | None], Seen] = {}
        self.images: dict[Path, NDArray[np.uint8]] = {}

    def image(self, path: Path) -> NDArray[np.uint8]:
        if path not in self.images:
            self.images[path] = read_image(path).image
        return self.images[path]

    def seen(self, path: Path, azimuth: float | None = None) -> Seen:
        key = (path, azimuth)
        if key not in self.cache:
            image = self.image(path)
            if azimuth is not None:
                original = self.seen(path).face
                if original is None or original.mesh is None:
                    self.cache[key] = Seen(None, {}, None)
                    return self.cache[key]
                image = relight(image, original.mesh, azimuth)
            self.cache[key] = self.describe(image)
        return self.cache[key]

    def describe(self, image: NDArray[np.uint8]) -> Seen:
        faces = self.analyzer.analyze(image)
        if not faces:
            return Seen(None, {}, None)
        face = max(faces, key=lambda f: f.box.area)
        assert face.mesh is not None
        chips: dict[tuple[bool, bool], NDArray[np.uint8]] = {}
        for on_mesh, even, _ in (VARIANTS[v] for v in self.variants):
            if (on_mesh, even) not in chips:
                chip = aligned_chip(image, face.box, face.mesh if on_mesh else None)
                chips[(on_mesh, even)] = equalise(chip) if even else chip
        keys = list(chips)
        flipped = sorted({(m, e) for m, e, flip in (VARIANTS[v] for v in self.variants) if flip})
        batch = [chips[k] for k in keys] + [
            np.ascontiguousarray(chips[k][:, ::-1]) for k in flipped
        ]
        found = chip_descriptors(batch)
        plain = {k: found[i] for i, k in enumerate(keys)}
        mirrored = {k: found[len(keys) + i] for i, k in enumerate(flipped)}
        vectors = {}
        for name in self.variants:
            on_mesh, even, flip = VARIANTS[name]
            vector = plain[(on_mesh, even)]
            vectors[name] = (vector + mirrored[(on_mesh, even)]) / 2 if flip else vector
        return Seen(face, vectors, side_asymmetry(image, face.mesh))


@dataclass
class Trial:
    """A gallery (identity -> picture) and probes (identity, picture, relight azimuth)."""

    name: str
    data: str
    gallery: dict[str, Path]
    probes: list[tuple[str, Path, float | None]]


def rank1(describer: Describer, trial: Trial) -> dict[str, dict[str, float]]:
    seen = {who: describer.seen(path) for who, path in trial.gallery.items()}
    names = [who for who, s in seen.items() if s.face is not None]
    results = {}
    probes = [(who, describer.seen(path, azimuth)) for who, path, azimuth in trial.probes]
    for variant in describer.variants:
        matrix = np.stack([seen[who].vectors[variant] for who in names])
        hits = 0
        for who, probe in probes:
            if probe.face is None:
                continue
            distance = np.linalg.norm(matrix - probe.vectors[variant], axis=1)
            hits += names[int(np.argmin(distance))] == who
        results[variant] = {
            "rank1": hits / max(len(probes), 1),
            "probes": float(len(probes)),
            "missed": float(sum(p.face is None for _, p in probes)),
        }
    return results


def orl_people(root: Path, people: int | None) -> dict[str, list[Path]]:
    folders = sorted((root / "faces" / "orl").glob("s*"), key=lambda p: int(p.name[1:]))
    return {f.name: sorted(f.glob("*.pgm"), key=lambda p: int(p.stem)) for f in folders[:people]}


def orl_trials(root: Path, people: int | None, angles: list[float]) -> list[Trial]:
    orl = orl_people(root, people)
    gallery = {who: paths[0] for who, paths in orl.items()}
    probes = [(who, path) for who, paths in orl.items() for path in paths[1:]]
    trials = [Trial("orl", "REAL", gallery, [(who, path, None) for who, path in probes])]
    for angle in angles:
        side = [(who, path, angle if i % 2 else -angle) for i, (who, path) in enumerate(probes)]
        trials.append(Trial(f"orl-side{angle:.0f}", "SIMULATED", gallery, side))
    return trials


def labelled_pool(root: Path, people: int | None, frl: int | None) -> dict[str, list[Path]]:
    """Every identity-labelled real picture of the sets with several pictures per person."""
    faces = root / "faces"
    pool = {f"orl/{who}": paths for who, paths in orl_people(root, people).items()}
    for folder in sorted((faces / "johns").glob("*"))[:people]:
        pool[f"johns/{folder.name}"] = sorted(folder.glob("*.jpg"))
    for folder in sorted((faces / "face_recognition" / "knn_examples" / "train").glob("*")):
        pool[f"knn/{folder.name}"] = sorted(p for p in folder.iterdir() if p.is_file())
    for path in sorted((faces / "frl-london").glob("*/*.jpg")):
        pool.setdefault(f"frl/{path.name.split('_')[0]}", []).append(path)
    for key in sorted(k for k in pool if k.startswith("frl/"))[frl:]:
        del pool[key]
    return pool


def side_lit_trial(
    describer: Describer, root: Path, people: int | None, frl: int | None, threshold: float
) -> Trial:
    gallery: dict[str, Path] = {}
    probes: list[tuple[str, Path, float | None]] = []
    for who, paths in labelled_pool(root, people, frl).items():
        found = [(describer.seen(p).asymmetry, p) for p in paths]
        measured = sorted((a, p) for a, p in found if a is not None)
        if not measured:
            continue
        gallery[who] = measured[0][1]
        probes += [(who, p, None) for a, p in measured[1:] if a >= threshold]
    return Trial(f"side-lit (asymmetry >= {threshold:g})", "REAL", gallery, probes)


def smile_trial(root: Path, people: int | None) -> Trial:
    folder = root / "faces" / "frl-london"
    neutral = sorted((folder / "neutral").glob("*_03.jpg"))[:people]
    gallery = {p.name.split("_")[0]: p for p in neutral}
    probes: list[tuple[str, Path, float | None]] = []
    for who in gallery:
        smiling = folder / "smiling" / f"{who}_08.jpg"
        if smiling.is_file():
            probes.append((who, smiling, None))
    return Trial("smile (neutral enrolled)", "REAL", gallery, probes)


def deepface_pairs(describer: Describer, root: Path) -> dict[str, dict[str, float]]:
    protocol = read_deepface_pairs(root / "faces" / "deepface")
    default = threshold_for_fmr(DEFAULT_FMR)
    results = {}
    for variant in describer.variants:
        distances, same = [], []
        for entry in protocol.entries:
            a = describer.seen(entry.path)
            b = describer.seen(protocol.root / entry.extra["reference"])
            if a.face is None or b.face is None:
                continue
            distances.append(float(np.linalg.norm(a.vectors[variant] - b.vectors[variant])))
            same.append(entry.subject == entry.target)
        d, genuine = np.array(distances), np.array(same)
        thresholds = candidate_thresholds(-d)
        point = eer(
            false_accept_rate(-d[~genuine], thresholds),
            false_reject_rate(-d[genuine], thresholds),
            thresholds,
        )
        results[variant] = {
            "accuracy": float(np.mean((d <= default) == genuine)),
            "eer": point.rate,
            "pairs": float(len(d)),
        }
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help=f"comma-separated pipelines from {', '.join(VARIANTS)} (default: all)",
    )
    parser.add_argument(
        "--people", type=int, default=None, help="first N people of orl and johns (default all)"
    )
    parser.add_argument(
        "--frl", type=int, default=None, help="first N people of frl-london (default all 102)"
    )
    parser.add_argument(
        "--angles",
        default="70,85",
        help="side-light azimuths for the simulated sets (default 70,85)",
    )
    parser.add_argument(
        "--asymmetry",
        type=float,
        default=0.15,
        help="side-lit set: least left/right brightness asymmetry of a probe (default 0.15)",
    )
    parser.add_argument(
        "--skip", default="", help="comma-separated sets to skip: orl,side,smile,deepface"
    )
    args = parser.parse_args()
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        parser.error(f"unknown variants {unknown}; choose from {', '.join(VARIANTS)}")
    root = shared_data_dir()
    if root is None:
        print("shared data not found (set UNMASK_DATA)")
        return 1
    skip = set(args.skip.split(","))
    describer = Describer(variants)
    start = time.perf_counter()
    trials: list[Trial] = []
    if "orl" not in skip:
        trials += orl_trials(root, args.people, [float(a) for a in args.angles.split(",")])
    if "side" not in skip:
        trials.append(side_lit_trial(describer, root, args.people, args.frl, args.asymmetry))
    if "smile" not in skip:
        trials.append(smile_trial(root, args.frl))
    print("| set | data | probes | faces missed | " + " | ".join(variants) + " |")
    print("|---|---|---|---|" + "---|" * len(variants))
    for trial in trials:
        found = rank1(describer, trial)
        first = found[variants[0]]
        cells = " | ".join(f"{found[v]['rank1']:.4f}" for v in variants)
        print(
            f"| {trial.name} rank-1 | {trial.data} | {first['probes']:.0f} | "
            f"{first['missed']:.0f} | {cells} |"
        )
    if "deepface" not in skip:
        pairs = deepface_pairs(describer, root)
        for key, label in (
            ("accuracy", f"accuracy at {threshold_for_fmr(DEFAULT_FMR):.3f}"),
            ("eer", "EER"),
        ):
            cells = " | ".join(f"{pairs[v][key]:.4f}" for v in variants)
            print(
                f"| deepface pairs {label} | REAL | {pairs[variants[0]]['pairs']:.0f} pairs | - | {cells} |"
            )
    print(f"\n{time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
