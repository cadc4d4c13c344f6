"""PAD on the real data we have: BPCER on real bona fide faces, APCER on real attacks.

    uv run python benchmarks/pad_real.py [--nuaa 300] [--model DIR] [--out rows.csv]

Every figure here is REAL data (no lab output). Bona fide stills: every face photo of
`faces/deepface` and `faces/face_recognition`, the real photo of `pad/silent-face`, and a seeded
sample of `pad/nuaa/bona_fide`; bona fide videos: every face track of `video/hamilton_clip.mp4`
and the 25 live frames of `pad/siw-mv2-demo` played as a 30 fps clip. Attacks: a sample of
`pad/nuaa/print`, the silent-face print (`image_F1`) and tablet replay (`image_F2`), and the
SiW-Mv2 spoof frames (as a clip, and frame by frame as stills). None of these sets trained or
calibrated the shipped model (their terms do not allow it); they are a cross-dataset test.

Printed: decisions at `low` and `medium` per set (BPCER for bona fide sets, APCER for attack
sets), EER and BPCER at APCER 5 % over the pooled stills, and with `--extra-model FILE.onnx`
(a single-image PAD network with its JSON sidecar, e.g. MiniFASNet) that network's EER on the
same stills; with `--model-with-extra DIR` also unmask calibrated with it as an extra cue.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from unmask.data import shared_data_dir
from unmask.errors import UnmaskError
from unmask.evaluation.curves import (
    candidate_thresholds,
    false_accept_rate,
    false_reject_rate,
    score_eer,
)
from unmask.liveness.engine import LivenessEngine
from unmask.liveness.model import PadModel
from unmask.media import read_image
from unmask.types import Frame

SIW_FPS = 30.0
LEVELS = ("low", "medium")
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".pgm", ".webp", ".bmp"}


@dataclass(frozen=True)
class Presentation:
    group: str
    label: str
    kind: str  # "still" or "video"
    path: Path
    frames: tuple[Path, ...] = ()


def images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)


def sample(paths: list[Path], count: int, seed: int) -> list[Path]:
    if count <= 0 or count >= len(paths):
        return paths
    chosen = np.random.default_rng(seed).choice(len(paths), size=count, replace=False)
    return [paths[i] for i in sorted(chosen)]


def siw_frame_paths(folder: Path) -> tuple[Path, ...]:
    return tuple(sorted(folder.glob("*.png"), key=lambda p: int(p.stem)))


def siw_frames(folder: Path) -> Iterator[Frame]:
    """The consecutive frames of a SiW-Mv2 demo folder as a 30 fps clip (rate assumed)."""
    return clip(siw_frame_paths(folder))


def presentations(root: Path, nuaa: int, seed: int) -> list[Presentation]:
    faces = root / "faces"
    out = [Presentation("deepface", "bona_fide", "still", p) for p in images(faces / "deepface")]
    out += [
        Presentation("face_recognition", "bona_fide", "still", p)
        for p in images(faces / "face_recognition")
    ]
    silent = root / "pad" / "silent-face"
    out += [
        Presentation("silent-face", "bona_fide", "still", silent / "image_T1.jpg"),
        Presentation("silent-face", "print", "still", silent / "image_F1.jpg"),
        Presentation("silent-face", "replay", "still", silent / "image_F2.jpg"),
    ]
    nuaa_root = root / "pad" / "nuaa"
    out += [
        Presentation("nuaa", "bona_fide", "still", p)
        for p in sample(images(nuaa_root / "bona_fide"), nuaa, seed)
    ]
    out += [
        Presentation("nuaa", "print", "still", p)
        for p in sample(images(nuaa_root / "print"), nuaa, seed)
    ]
    siw = root / "pad" / "siw-mv2-demo"
    for kind, label in (("live", "bona_fide"), ("spoof", "spoof")):
        frames = siw_frame_paths(siw / kind)
        out += [Presentation("siw-mv2 frames", label, "still", p) for p in frames]
        out.append(Presentation("siw-mv2 clip", label, "video", siw / kind, frames))
    out.append(Presentation("hamilton", "bona_fide", "video", root / "video" / "hamilton_clip.mp4"))
    return out


def engine_at_medium(model: Path | None) -> LivenessEngine:
    """The engine at `medium` with the PAD model folder `model`, or the shipped model."""
    return LivenessEngine(PadModel.load(model) if model else None, level="medium")


def data_root() -> Path:
    """The shared data folder; the benchmark stops with exit 1 and a one-line reason without."""
    root = shared_data_dir()
    if root is None:
        sys.exit("shared data not found (set UNMASK_DATA)")
    return root


def common_arguments(parser: argparse.ArgumentParser, nuaa: int) -> None:
    """The sample and model options every real-data PAD benchmark takes."""
    parser.add_argument("--nuaa", type=int, default=nuaa, help="NUAA images per class (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", type=Path, default=None, help="PAD model (default: shipped)")


def clip(frames: tuple[Path, ...]) -> Iterator[Frame]:
    for index, path in enumerate(frames):
        yield Frame(read_image(path).image, index, index / SIW_FPS, str(path))


@dataclass
class Row:
    presentation: Presentation
    track: int | None
    score: float | None
    decisions: dict[str, str]
    reason: str
    extra: float | None = None
    with_extra: float | None = None


def judge(engine: LivenessEngine, item: Presentation) -> list[tuple[int | None, object]]:
    """(track id, verdict) of the main face of a still, of every track of a video."""
    source = clip(item.frames) if item.frames else item.path
    report = engine.assess(source)
    if item.kind == "still" or item.frames:
        return [(None, report.main.verdict)]
    return [(t.verdict.track_id, t.verdict) for t in report.tracks]


def run(
    items: list[Presentation],
    engine: LivenessEngine,
    extra: Callable[[Path], float | None] | None,
    with_extra: LivenessEngine | None,
) -> list[Row]:
    rows = []
    fusion = engine.model.fusion
    for item in items:
        try:
            judged = judge(engine, item)
        except UnmaskError as exc:
            reason = str(exc).splitlines()[0]
            rows.append(Row(item, None, None, dict.fromkeys(LEVELS, "no face"), reason))
            continue
        for track, verdict in judged:
            decisions = {level: fusion.decide(verdict.cues, level)[0] for level in LEVELS}
            row = Row(item, track, verdict.score, decisions, verdict.reason or "")
            if item.kind == "still" and extra is not None:
                row.extra = extra(item.path)
            if item.kind == "still" and with_extra is not None:
                row.with_extra = with_extra.assess(item.path).main.verdict.score
            rows.append(row)
    return rows


def rates(rows: list[Row]) -> list[str]:
    lines = [
        "| set | truth | kind | presentations | low: refused/accepted | medium |",
        "|---|---|---|---|---|---|",
    ]
    groups: dict[tuple[str, str, str], list[Row]] = {}
    for row in rows:
        key = (row.presentation.group, row.presentation.label, row.presentation.kind)
        groups.setdefault(key, []).append(row)
    for (group, label, kind), members in sorted(groups.items()):
        cells = []
        for level in LEVELS:
            accepted = sum(r.decisions[level] == "bona_fide" for r in members)
            if label == "bona_fide":
                cells.append(f"BPCER {1 - accepted / len(members):.1%}")
            else:
                cells.append(f"APCER {accepted / len(members):.1%}")
        lines.append(f"| {group} | {label} | {kind} | {len(members)} | {cells[0]} | {cells[1]} |")
    return lines


def separation(name: str, bona: np.ndarray, attack: np.ndarray) -> str:
    bona = np.nan_to_num(bona, nan=0.0)
    attack = np.nan_to_num(attack, nan=0.0)
    point = score_eer(bona, attack)
    thresholds = candidate_thresholds(bona, attack)
    fa = false_accept_rate(attack, thresholds)
    fr = false_reject_rate(bona, thresholds)
    at5 = fr[int(np.argmax(fa <= 0.05))]
    return (
        f"| {name} | {point.rate:.1%} | {at5:.1%} | {len(bona)} bona fide / {len(attack)} attacks |"
    )


def pooled(rows: list[Row]) -> list[str]:
    stills = [r for r in rows if r.presentation.kind == "still"]
    truth = np.array([r.presentation.label == "bona_fide" for r in stills])
    lines = [
        "| system (pooled real stills; no score = 0) | EER | BPCER at APCER 5 % | data |",
        "|---|---|---|---|",
    ]
    columns = {"unmask": [r.score for r in stills]}
    if any(r.extra is not None for r in stills):
        columns["extra model alone"] = [r.extra for r in stills]
    if any(r.with_extra is not None for r in stills):
        columns["unmask + extra model as a cue"] = [r.with_extra for r in stills]
    for name, values in columns.items():
        scores = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        lines.append(separation(name, scores[truth], scores[~truth]))
    for group in sorted({r.presentation.group for r in stills}):
        members = [r for r in stills if r.presentation.group == group]
        labels = {r.presentation.label == "bona_fide" for r in members}
        if labels == {True, False}:
            mask = np.array([r.presentation.label == "bona_fide" for r in members])
            for name, values in columns.items():
                chosen = [v for r, v in zip(stills, values, strict=True) if r in members]
                scores = np.array([np.nan if v is None else v for v in chosen], dtype=np.float64)
                lines.append(separation(f"{name}, {group} only", scores[mask], scores[~mask]))
    return lines


def write_rows(rows: list[Row], path: Path) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "set",
                "path",
                "label",
                "kind",
                "track",
                "score",
                "low",
                "medium",
                "extra",
                "with_extra",
                "reason",
            ]
        )
        for r in rows:
            writer.writerow(
                [
                    r.presentation.group,
                    r.presentation.path,
                    r.presentation.label,
                    r.presentation.kind,
                    r.track,
                    r.score,
                    r.decisions["low"],
                    r.decisions["medium"],
                    r.extra,
                    r.with_extra,
                    r.reason,
                ]
            )


def extra_scorer(path: Path | None) -> Callable[[Path], float | None] | None:
    """The extra model's P(bona fide) on the largest face the face stage finds in a still."""
    if path is None:
        return None
    from unmask.face import FaceAnalyzer
    from unmask.liveness.extra_model import ExtraModel

    model = ExtraModel.load(path)
    analyzer = FaceAnalyzer(mesh=False)

    def score(image: Path) -> float | None:
        frame = read_image(image)
        faces = analyzer.analyze(frame)
        return model.probability(frame.image, faces[0].box) if faces else None

    return score


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common_arguments(parser, nuaa=300)
    parser.add_argument("--extra-model", type=Path, default=None, help="ONNX + sidecar to compare")
    parser.add_argument(
        "--model-with-extra", type=Path, default=None, help="PAD model calibrated with it"
    )
    parser.add_argument("--out", type=Path, default=None, help="write every row as CSV")
    args = parser.parse_args()
    root = data_root()
    engine = engine_at_medium(args.model)
    with_extra = None
    if args.model_with_extra is not None:
        from unmask.liveness.extra_model import ExtraModel

        with_extra = LivenessEngine(
            PadModel.load(args.model_with_extra),
            extra_models=[ExtraModel.load(args.extra_model)],
        )
    items = presentations(root, args.nuaa, args.seed)
    rows = run(items, engine, extra_scorer(args.extra_model), with_extra)
    print(f"REAL data; model {engine.model.identity[:12]}; NUAA sample {args.nuaa} per class")
    print("\n".join(rates(rows)))
    print()
    print("\n".join(pooled(rows)))
    if args.out is not None:
        write_rows(rows, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
