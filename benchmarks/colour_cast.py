"""PAD under colour casts and exposure errors: do decisions on real faces and real attacks
depend on white balance or on how bright the camera renders the face?

    uv run python benchmarks/colour_cast.py [--nuaa 100] [--model DIR]

A global colour cast is set by the light, by the camera's white balance, and by an attacker
(a replay screen's warm night mode, a print's warmer inks). A PAD decision that moves with it
refuses people under cool light and accepts attacks that are warmer. Exposure is set by the
camera's auto exposure, which meters the whole frame: a face before a bright window or door
comes out darker, one before a dark wall brighter, and an attacker can light a print or turn a
screen up. Every image here is REAL; the casts are per-channel gains on the 8-bit image (red
and blue against green, none above 1, so that a cast clips nothing) and the exposure errors
gains in linear light (sRGB decoded and re-encoded; what a brighter exposure pushes past white
clips, as in a camera), the same for bona fide and attacks: deepface and face_recognition
photos (bona fide), a seeded NUAA sample of both classes, the SiW-Mv2 demo frames (live and
spoof) and the silent-face print and replay.
Printed per condition: BPCER of every bona fide set and APCER of every attack set at `low` and
`medium`, and the median recapture score.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.pad_real import (
    Presentation,
    common_arguments,
    data_root,
    engine_at_medium,
    images,
    sample,
    siw_frame_paths,
)
from unmask.errors import UnmaskError
from unmask.lab.recapture import to_linear, to_srgb
from unmask.media import read_image
from unmask.types import Frame

LEVELS = ("low", "medium")


@dataclass(frozen=True)
class Condition:
    """How a camera renders the same scene: a white-balance cast and an exposure error."""

    name: str
    red: float = 1.0
    blue: float = 1.0
    stops: float = 0.0

    def apply(self, image: np.ndarray) -> np.ndarray:
        return exposed(cast(image, self.red, self.blue), self.stops)


CONDITIONS = (
    Condition("neutral"),
    # Casts: about 5 % and 10 % of colour temperature error either way, and a strong 20 %; a
    # warm cast is what a screen's night mode or warm-toned print gives.
    Condition("warm 10 %", red=1.1, blue=0.9),
    Condition("warm 20 %", red=1.2, blue=0.8),
    Condition("cool 5 %", red=0.95, blue=1.05),
    Condition("cool 10 %", red=0.9, blue=1.1),
    Condition("cool 20 %", red=0.8, blue=1.2),
    # Exposure errors: a face metered half a stop or a stop too dark (backlight: a window or a
    # lit doorway behind the person; auto exposure meters the frame, not the face) and half a
    # stop too bright (a dark background, or an attacker lighting a print or turning a screen
    # up). Assumptions about typical metering errors, not measured on a camera.
    Condition("under 1 EV", stops=-1.0),
    Condition("under 0.5 EV", stops=-0.5),
    Condition("over 0.5 EV", stops=0.5),
)


def still_sets(root: Path, nuaa: int, seed: int) -> list[Presentation]:
    faces = root / "faces"
    out = [Presentation("photos", "bona_fide", "still", p) for p in images(faces / "deepface")]
    out += [
        Presentation("photos", "bona_fide", "still", p) for p in images(faces / "face_recognition")
    ]
    for label in ("bona_fide", "print"):
        chosen = sample(images(root / "pad" / "nuaa" / label), nuaa, seed)
        out += [Presentation("nuaa", label, "still", p) for p in chosen]
    siw = root / "pad" / "siw-mv2-demo"
    for kind, label in (("live", "bona_fide"), ("spoof", "spoof")):
        out += [
            Presentation("siw-mv2 frames", label, "still", p) for p in siw_frame_paths(siw / kind)
        ]
    silent = root / "pad" / "silent-face"
    out += [
        Presentation("silent-face", "print", "still", silent / "image_F1.jpg"),
        Presentation("silent-face", "replay", "still", silent / "image_F2.jpg"),
    ]
    return out


def cast(image: np.ndarray, red: float, blue: float) -> np.ndarray:
    """Red and blue against green; scaled so that no channel gains, as a screen's night mode
    dims its blue rather than brightening its red: a cast clips nothing that was not clipped."""
    gains = np.array([red, 1.0, blue]) / max(red, 1.0, blue)
    return np.clip(image.astype(np.float64) * gains + 0.5, 0, 255).astype(np.uint8)


def exposed(image: np.ndarray, stops: float) -> np.ndarray:
    """The image as an exposure `stops` brighter (negative: darker) would have recorded it."""
    if stops == 0.0:
        return image
    linear = to_linear(image) * np.float32(2.0**stops)
    return np.asarray(np.round(to_srgb(linear) * 255.0), dtype=np.uint8)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common_arguments(parser, nuaa=100)
    args = parser.parse_args()
    root = data_root()
    engine = engine_at_medium(args.model)
    fusion = engine.model.fusion
    items = still_sets(root, args.nuaa, args.seed)
    frames = {item.path: read_image(item.path).image for item in items}
    groups = sorted({(item.group, item.label) for item in items})
    print(f"REAL images under simulated casts and exposures; model {engine.model.identity[:12]}")
    header = " | ".join(
        f"{g} {'BPCER' if lab == 'bona_fide' else lab + ' APCER'}" for g, lab in groups
    )
    print(f"| condition | level | {header} | median recapture (bona fide / attacks) |")
    print("|---|---|" + "---|" * (len(groups) + 1))
    for condition in CONDITIONS:
        accepted: dict[tuple[str, str, str], list[bool]] = {}
        recapture: dict[bool, list[float]] = {True: [], False: []}
        for item in items:
            try:
                verdict = engine.assess([Frame(condition.apply(frames[item.path]), 0, 0.0)])
            except UnmaskError:
                continue
            cues = verdict.main.verdict.cues
            for level in LEVELS:
                decision = fusion.decide(cues, level)[0]
                accepted.setdefault((item.group, item.label, level), []).append(
                    decision == "bona_fide"
                )
            if cues["recapture"].score is not None:
                recapture[item.label == "bona_fide"].append(float(cues["recapture"].score))
        medians = " / ".join(f"{np.median(recapture[b]):.2f}" for b in (True, False))
        for level in LEVELS:
            cells = []
            for group, label in groups:
                chosen = accepted.get((group, label, level), [])
                share = float(np.mean(chosen)) if chosen else float("nan")
                cells.append(f"{1 - share:.1%}" if label == "bona_fide" else f"{share:.1%}")
            print(f"| {condition.name} | {level} | {' | '.join(cells)} | {medians} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
