"""PAD on monochrome cameras: what the shipped model says when a frame holds no colour.

    uv run python benchmarks/monochrome.py [--nuaa 100] [--orl 100] [--model DIR]

Greyscale and night-mode (infrared) cameras are common at doors and in CCTV, and archive
footage is often grey. The recapture cue reads ink and screen colour and the pulse reads a
colour change, so on such frames they must say they cannot judge, and the verdict must neither
accuse a living face nor accept a grey print or replay on movement alone.

Data, all REAL: ORL (AT&T Laboratories Cambridge), photos taken in greyscale, a seeded sample;
and the colour sets of `benchmarks/pad_real.py` (deepface, face_recognition, silent-face, a
seeded NUAA sample, hamilton's tracks, SiW-Mv2 frames and clips) converted to grey (ITU-R BT.601
luma), bona fide and attacks. Printed per set and level: accepted / inconclusive / attack.
For bona fide rows "attack" is a living face accused; for attack rows "accepted" is an attack
let through.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Iterator
from pathlib import Path

import cv2
import numpy as np

from benchmarks.pad_real import (
    Presentation,
    clip,
    common_arguments,
    data_root,
    engine_at_medium,
    images,
    presentations,
    sample,
)
from unmask.errors import UnmaskError
from unmask.liveness.engine import LivenessEngine
from unmask.media.source import iter_frames
from unmask.types import Frame, Verdict

LEVELS = ("low", "medium")
DECISIONS = ("bona_fide", "inconclusive", "attack")


def grey(frames: Iterable[Frame]) -> Iterator[Frame]:
    for frame in frames:
        luma = cv2.cvtColor(frame.image, cv2.COLOR_RGB2GRAY)
        yield Frame(np.repeat(luma[..., None], 3, axis=2), frame.index, frame.timestamp)


def verdicts(engine: LivenessEngine, item: Presentation) -> list[Verdict]:
    """The main face of a still or a frame folder, every track of a video file, in grey."""
    report = engine.assess(grey(clip(item.frames) if item.frames else iter_frames(item.path)))
    if item.kind == "still" or item.frames:
        return [report.main.verdict]
    return [t.verdict for t in report.tracks]


def orl(root: Path, count: int, seed: int) -> list[Presentation]:
    photos = images(root / "faces" / "orl")
    return [
        Presentation("orl (grey photos)", "bona_fide", "still", p)
        for p in sample(photos, count, seed)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common_arguments(parser, nuaa=100)
    parser.add_argument("--orl", type=int, default=100, help="ORL photos (0: all 400)")
    args = parser.parse_args()
    root = data_root()
    engine = engine_at_medium(args.model)
    fusion = engine.model.fusion
    items = orl(root, args.orl, args.seed) + presentations(root, args.nuaa, args.seed)
    counts: dict[tuple[str, str, str], dict[str, dict[str, int]]] = {}
    no_face: dict[tuple[str, str, str], int] = {}
    for item in items:
        key = (item.group, item.label, item.kind)
        cell = counts.setdefault(key, {level: dict.fromkeys(DECISIONS, 0) for level in LEVELS})
        try:
            judged = verdicts(engine, item)
        except UnmaskError:
            no_face[key] = no_face.get(key, 0) + 1
            continue
        for verdict in judged:
            for level in LEVELS:
                cell[level][fusion.decide(verdict.cues, level)[0]] += 1
    print(f"REAL data in grey; model {engine.model.identity[:12]}; NUAA {args.nuaa} a class")
    print("| set | truth | kind | n | low: accepted / inconclusive / attack | medium |")
    print("|---|---|---|---|---|---|")
    for (group, label, kind), cell in sorted(counts.items()):
        n = sum(cell["low"].values())
        parts = [" / ".join(str(cell[level][d]) for d in DECISIONS) for level in LEVELS]
        missing = no_face.get((group, label, kind), 0)
        note = f" ({missing} without a face)" if missing else ""
        print(f"| {group} | {label} | {kind} | {n}{note} | {parts[0]} | {parts[1]} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
