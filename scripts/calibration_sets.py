"""Write the real-camera calibration sets the shipped PAD model is calibrated on.

    uv run --frozen python scripts/calibration_sets.py OUT [--seed 7]

The colour-camera operating points must be set where the model will live, on real faces, so
this writes three protocols under OUT (none of their files enter the repository):
- `real-video/`: real bona fide videos: every `video/grid` clip (11 speakers; calibration and
  evaluation use only, until the GRID licence is confirmed: nothing is learned from it but
  thresholds) and `video/pexels_wolfgang_langer.mp4` (Pexels licence);
- `real-still/`: real bona fide stills: the original photos of the people the recapture
  classifier held out (`faces/interfaces` CC0, `faces/frl-london` and `faces/frl-canada`
  CC BY 4.0; never trained on), plus GRID_FRAMES frames of each GRID clip;
- `camera-still/` (real faces through SIMULATED cameras; its metadata.json says so): each of
  those stills taken again by CAMERAS simulated cameras (unmask.lab.recapture: optics, noise,
  Bayer, tone curve, JPEG...);
- `recapture-still/` (SIMULATED): a print and a screen recapture of each still through the
  same simulated camera as its `camera-still/` twin.

Why the camera twins: without them the bona fide side was the pristine photos and the attack
side camera-processed shots, so the fusion learned "camera-processed means attack" (blur, noise
and compression lower the eyes and recapture cues of any face), and real webcam faces were
refused for their camera, not for a print or a screen. With a twin through the same camera,
camera quality is on both sides and only the attack physics separates them.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from unmask.data import shared_data_dir
from unmask.face import FaceAnalyzer
from unmask.lab.recapture import BONA_FIDE, KINDS, capture, sample_camera
from unmask.media import read_video
from unmask.types import Frame

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_recapture import held_out, photos

ATTACK_LABELS = {"print": "print", "screen": "replay"}
#: Simulated cameras a source still is taken through (each gives a bona fide twin, a print and
#: a screen recapture): more draws of the camera make the still operating points' tails
#: (5 % and 10 % of the attacks) rest on more than a handful of shots.
CAMERAS = 3
#: Frames of each GRID clip, evenly spaced (360x288 webcam-like faces; calibration use only).
GRID_FRAMES = 3


def write_protocol(
    folder: Path, rows: list[dict[str, str]], simulated: bool, note: str = ""
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "protocol.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=["path", "label", "subject"], lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(rows)
    if simulated:
        (folder / "metadata.json").write_text(json.dumps({"simulation": True, "note": note}) + "\n")
    return path


def spaced_frames(path: Path, count: int) -> list[np.ndarray]:
    """`count` frames evenly spaced inside the clip (never its first or last frame)."""
    frames = [frame.image for frame in read_video(path)]
    return [frames[len(frames) * (i + 1) // (count + 1)] for i in range(count)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=7, help="the recapture training seed")
    args = parser.parse_args()
    root = shared_data_dir()
    if root is None:
        print("shared data not found (set UNMASK_DATA)", file=sys.stderr)
        return 3
    out = args.out.resolve()
    grid = sorted((root / "video" / "grid").glob("*.mpg"))
    videos = [{"path": str(p), "label": "bona_fide", "subject": f"grid/{p.stem}"} for p in grid]
    pexels = root / "video" / "pexels_wolfgang_langer.mp4"
    videos.append({"path": str(pexels), "label": "bona_fide", "subject": "pexels"})
    write_protocol(out / "real-video", videos, simulated=False)

    stills_dir, twins_dir, attacks_dir = (
        out / "real-still",
        out / "camera-still",
        out / "recapture-still",
    )
    for folder in (stills_dir, twins_dir, attacks_dir):
        (folder / "faces").mkdir(parents=True, exist_ok=True)
    sources = [
        (person, image)
        for source, person, image in photos(root)
        if source.startswith("faces/") and held_out(person, args.seed)
    ]
    sources += [(f"grid/{p.stem}", f) for p in grid for f in spaced_frames(p, GRID_FRAMES)]
    analyzer = FaceAnalyzer(mesh=False)
    stills, twins, attacks = [], [], []
    for index, (person, image) in enumerate(sources):
        faces = analyzer.analyze(Frame(image))
        if not faces:
            continue
        name = f"{index:04d}_{person.replace('/', '_')}"
        Image.fromarray(image).save(stills_dir / "faces" / f"{name}.png")
        stills.append({"path": f"faces/{name}.png", "label": "bona_fide", "subject": person})
        rng = np.random.default_rng([args.seed, 1000 + index])
        for take in range(CAMERAS):
            camera = sample_camera(rng)
            for kind in KINDS:
                shot = capture(image, faces[0].box, kind, camera, rng)
                file = f"faces/{name}_c{take}_{kind}.png"
                if kind == BONA_FIDE:
                    Image.fromarray(shot.image).save(twins_dir / file)
                    twins.append({"path": file, "label": BONA_FIDE, "subject": person})
                else:
                    Image.fromarray(shot.image).save(attacks_dir / file)
                    attacks.append({"path": file, "label": ATTACK_LABELS[kind], "subject": person})
    write_protocol(stills_dir, stills, simulated=False)
    write_protocol(twins_dir, twins, simulated=True, note="real photos through simulated cameras")
    write_protocol(attacks_dir, attacks, simulated=True, note="simulated recaptures of real photos")
    print(
        f"{len(videos)} real videos, {len(stills)} real stills, {len(twins)} of them through "
        f"simulated cameras, {len(attacks)} simulated recaptures under {out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
