"""Write the real-camera calibration sets the shipped PAD model is calibrated on.

    uv run --frozen python scripts/calibration_sets.py OUT [--seed 7]

The colour-camera operating points must be set where the model will live, on real faces, so
this writes three protocols under OUT (none of their files enter the repository):
- `real-video/`: real bona fide videos: every `video/grid` clip (11 speakers; calibration and
  evaluation use only, until the GRID licence is confirmed: nothing is learned from it but
  thresholds) and `video/pexels_wolfgang_langer.mp4` (Pexels licence);
- `real-still/`: real bona fide stills: the original photos of the people the recapture
  classifier held out (`faces/interfaces` CC0, `faces/frl-london` and `faces/frl-canada`
  CC BY 4.0; never trained on), plus one frame from the middle of each GRID clip;
- `recapture-still/` (SIMULATED, its metadata.json says so): a print and a screen recapture of
  each of those real stills (unmask.lab.recapture), so that the attack side of the still
  operating points is made of the same faces as the bona fide side.
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
from unmask.lab.recapture import capture, sample_camera
from unmask.media import read_video
from unmask.types import Frame

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_recapture import held_out, photos

ATTACK_LABELS = {"print": "print", "screen": "replay"}


def write_protocol(folder: Path, rows: list[dict[str, str]], simulated: bool) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "protocol.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=["path", "label", "subject"], lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(rows)
    if simulated:
        (folder / "metadata.json").write_text(
            json.dumps({"simulation": True, "note": "simulated recaptures of real photos"}) + "\n"
        )
    return path


def middle_frame(path: Path) -> np.ndarray:
    frames = [frame.image for frame in read_video(path)]
    return frames[len(frames) // 2]


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

    stills_dir, attacks_dir = out / "real-still", out / "recapture-still"
    (stills_dir / "faces").mkdir(parents=True, exist_ok=True)
    (attacks_dir / "faces").mkdir(parents=True, exist_ok=True)
    sources = [
        (person, image)
        for source, person, image in photos(root)
        if source.startswith("faces/") and held_out(person, args.seed)
    ]
    sources += [(f"grid/{p.stem}", middle_frame(p)) for p in grid]
    analyzer = FaceAnalyzer(mesh=False)
    stills, attacks = [], []
    for index, (person, image) in enumerate(sources):
        faces = analyzer.analyze(Frame(image))
        if not faces:
            continue
        name = f"{index:04d}_{person.replace('/', '_')}"
        Image.fromarray(image).save(stills_dir / "faces" / f"{name}.png")
        stills.append({"path": f"faces/{name}.png", "label": "bona_fide", "subject": person})
        rng = np.random.default_rng([args.seed, 1000 + index])
        camera = sample_camera(rng)
        for kind, label in ATTACK_LABELS.items():
            shot = capture(image, faces[0].box, kind, camera, rng)
            file = f"faces/{name}_{kind}.png"
            Image.fromarray(shot.image).save(attacks_dir / file)
            attacks.append({"path": file, "label": label, "subject": person})
    write_protocol(stills_dir, stills, simulated=False)
    write_protocol(attacks_dir, attacks, simulated=True)
    print(
        f"{len(videos)} real videos, {len(stills)} real stills, {len(attacks)} simulated "
        f"recaptures under {out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
