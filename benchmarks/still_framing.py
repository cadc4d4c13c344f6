"""PAD on real photos framed as other data sets frame them: does a tight crop or a small face
explain the refusals there?

    uv run python benchmarks/still_framing.py [--model DIR]

NUAA's images are 203 px crops that the face fills (a 178 px face box) and SiW-Mv2's demo frames
256 px crops of a 200 px face; the shipped model refuses far more of their living faces (20 %
and 88 % at `medium`, benchmarks/pad_real.py) than of the deepface and face_recognition photos
(3 % and 10 %), which show the face with its surroundings at full resolution. Here those photos
(REAL) are reframed the way the other sets are: cropped to a square around the face box that
the face fills to a given share, then optionally resized and re-encoded as JPEG. Printed per
framing: BPCER at `low` and `medium`, and the recapture cue's median and 10th-percentile
evidence (log-likelihood ratio; higher means more like a direct capture).
"""

from __future__ import annotations

import argparse

import cv2
import numpy as np

from benchmarks.pad_real import data_root, engine_at_medium, images
from unmask.errors import UnmaskError
from unmask.face import FaceAnalyzer
from unmask.liveness.extra_model import scaled_crop_box
from unmask.media import read_image, recompressed
from unmask.types import Box, Frame

LEVELS = ("low", "medium")
#: (name, share of the crop's side the face box fills (None: as taken), side in px to resize
#: the crop to (None: keep), JPEG quality (None: no re-encoding)).
FRAMINGS = (
    ("as taken", None, None, None),
    ("face fills 88 % (NUAA's framing)", 0.88, None, None),
    ("face fills 70 %", 0.7, None, None),
    ("face fills 50 %", 0.5, None, None),
    ("88 %, 203 px, JPEG 95 (NUAA's size)", 0.88, 203, 95),
    ("88 %, 203 px, JPEG 75", 0.88, 203, 75),
    ("88 %, 128 px, JPEG 95", 0.88, 128, 95),
)


def reframe(
    image: np.ndarray, box: Box, share: float | None, side: int | None, quality: int | None
) -> np.ndarray:
    """The image cropped to a square the face box fills to `share` (kept inside the picture by
    the rule the recapture cue and extra models crop with), resized and re-encoded."""
    out = image
    if share is not None:
        face = max(box.w, box.h)
        square = Box(box.x + box.w / 2 - face / 2, box.y + box.h / 2 - face / 2, face, face)
        left, top, right, bottom = scaled_crop_box(square, 1.0 / share, *image.shape[:2])
        out = image[top : bottom + 1, left : right + 1]
    if side is not None:
        out = cv2.resize(out, (side, side), interpolation=cv2.INTER_AREA)
    if quality is not None:
        out = recompressed(np.ascontiguousarray(out), quality)
    return np.ascontiguousarray(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="PAD model (default: shipped)")
    args = parser.parse_args()
    root = data_root()
    engine = engine_at_medium(args.model)
    fusion = engine.model.fusion
    analyzer = FaceAnalyzer(mesh=False)
    photos = []
    for path in images(root / "faces" / "deepface") + images(root / "faces" / "face_recognition"):
        image = read_image(path).image
        faces = analyzer.analyze(Frame(image))
        if faces:
            photos.append((image, max(faces, key=lambda f: f.box.area).box))
    print(
        f"REAL photos (faces/deepface and faces/face_recognition, {len(photos)} with a face), "
        f"reframed; model {engine.model.identity[:12]}"
    )
    print("| framing | judged | BPCER low | BPCER medium | recapture evidence median / p10 |")
    print("|---|---:|---:|---:|---:|")
    for name, share, side, quality in FRAMINGS:
        refused = dict.fromkeys(LEVELS, 0)
        judged = 0
        evidence = []
        for image, box in photos:
            try:
                report = engine.assess([Frame(reframe(image, box, share, side, quality), 0, 0.0)])
            except UnmaskError:
                continue
            judged += 1
            cues = report.main.verdict.cues
            for level in LEVELS:
                refused[level] += fusion.decide(cues, level)[0] != "bona_fide"
            if "recapture" in (found := fusion.evidence(cues)):
                evidence.append(found["recapture"])
        cells = " | ".join(f"{refused[level] / max(judged, 1):.1%}" for level in LEVELS)
        spread = (
            f"{np.median(evidence):+.2f} / {np.percentile(evidence, 10):+.2f}" if evidence else "-"
        )
        print(f"| {name} | {judged} | {cells} | {spread} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
