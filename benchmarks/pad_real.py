"""PAD decisions on the real data we have (issue 5): silent-face stills, SiW-Mv2 frame
sequences, and both faces of the real bona fide video.

    uv run python benchmarks/pad_real.py [--level medium]

Real data, but tiny: 3 stills, 2 sequences of 25 frames, 1 video. These are decisions to read,
not rates to quote. A bona fide face called an attack is a false reject; the cue evidence
printed beside it says why it happened.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from unmask.data import shared_data_dir
from unmask.liveness.engine import LivenessEngine, LivenessReport
from unmask.media import read_image
from unmask.types import Frame

SIW_FPS = 30.0


def siw_frames(folder: Path) -> Iterator[Frame]:
    """The 25 consecutive frames of a SiW-Mv2 demo folder as a 30 fps clip (rate assumed)."""
    for index, path in enumerate(sorted(folder.glob("*.png"), key=lambda p: int(p.stem))):
        yield Frame(read_image(path).image, index, index / SIW_FPS, str(path))


def summary(report: LivenessReport) -> list[str]:
    lines = []
    for item in report.tracks:
        verdict = item.verdict
        cues = ", ".join(
            f"{n}={c.score:.2f}" if c.score is not None else f"{n}=? ({c.reason})"
            for n, c in verdict.cues.items()
            if n not in ("thermal", "nir", "depth")
        )
        score = "-" if verdict.score is None else f"{verdict.score:.3f}"
        lines.append(
            f"  track {item.verdict.track_id} {item.first_seen:.1f}-{item.last_seen:.1f}s ({item.frames} frames): "
            f"{verdict.decision} score {score} species {verdict.species} decided by {list(verdict.deciding_cues)}"
            + (f" [{verdict.reason}]" if verdict.reason else "")
        )
        lines.append(f"    {cues}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--level", default="medium")
    args = parser.parse_args()
    root = shared_data_dir()
    if root is None:
        print("shared data not found (set UNMASK_DATA)")
        return 1
    engine = LivenessEngine(level=args.level)
    print(f"level {args.level}; real data")
    for name in ("image_T1.jpg", "image_F1.jpg", "image_F2.jpg"):
        print(
            f"silent-face {name} (truth: {'bona fide' if 'T' in name else 'print' if 'F1' in name else 'replay'})"
        )
        print("\n".join(summary(engine.assess(root / "pad/silent-face" / name))))
    for kind in ("live", "spoof"):
        print(f"siw-mv2-demo {kind} (25 frames, 30 fps assumed)")
        print("\n".join(summary(engine.assess(siw_frames(root / "pad/siw-mv2-demo" / kind)))))
    print("video/hamilton_clip.mp4 (bona fide, H.264, 29.97 fps), first 10 s")
    print("\n".join(summary(engine.assess(root / "video/hamilton_clip.mp4"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
