"""The context cue on the real data we have: what it measures, item by item.

    uv run python benchmarks/context_real.py [--nuaa-per-subject 3]

Real data, all bona fide except the attacks of pad/silent-face (print F1, tablet replay F2),
the SiW-Mv2 demo spoof sequence (attack type undocumented) and NUAA prints; then one 2 s
attack-lab clip per species (simulated, from the bundled portraits), and summaries over real
bona fide portraits (faces/interfaces, faces/frl-canada) and NUAA crops. The sets are tiny
and the NUAA and SiW-Mv2 pictures are tight face crops, so most of them leave no context to
judge: these are measurements to read, not rates to quote. SiW-Mv2 frames are taken as a
30 fps clip (rate assumed). Columns: sides with an enclosing edge (t, r, b, l), corners, dark
bands (bezel), co-motion ratio (pairs used / offered), and the cue's own time in ms (up to 4
best frames and 4 frame pairs; the face stage excluded).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable

import numpy as np

from benchmarks.pad_real import siw_frames
from unmask.data import shared_data_dir
from unmask.face import FaceAnalyzer
from unmask.lab import SPECIES, load_identities, render_presentation
from unmask.liveness.context import context_cue
from unmask.liveness.observe import observe
from unmask.media import iter_frames, read_image
from unmask.types import CueScore, Frame


def judge(frames: Iterable[Frame], analyzer: FaceAnalyzer) -> CueScore | None:
    """The cue on the main track, with the milliseconds it took (face stage excluded)."""
    track = observe(frames, analyzer, max_seconds=12.0).main_track()
    if track is None:
        return None
    start = time.perf_counter()
    cue = context_cue(track.views(), track.comotion.pairs)
    elapsed = 1000 * (time.perf_counter() - start)
    return CueScore(cue.cue, cue.score, cue.confidence, cue.reason, {**cue.evidence, "ms": elapsed})


def row(name: str, label: str, cue: CueScore | None) -> str:
    if cue is None:
        return f"{name:<34} {label:<13} no face"
    e = cue.evidence
    score = "   -  " if cue.score is None else f"{cue.score:6.3f}"
    sides = ",".join(s[0] for s in e.get("enclosing_sides", [])) or "-"
    ratio = e.get("background_comotion_ratio")
    moving = "-" if ratio is None else f"{ratio:.2f} ({e['pairs_used']}/{e['pairs_offered']})"
    text = (
        f"{name:<34} {label:<13} {score} {sides:<8} {e.get('corners_found', '-')!s:>7} "
        f"{e.get('dark_band_sides', '-')!s:>5}  {moving:<12} {e['ms']:5.0f}"
    )
    return text + (f"  {cue.reason}" if cue.reason else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nuaa-per-subject", type=int, default=3)
    parser.add_argument("--lab-seed", type=int, default=3, help="seed of the simulated lab clips")
    args = parser.parse_args()
    root = shared_data_dir()
    if root is None:
        print("shared data not found", file=sys.stderr)
        return 1
    analyzer = FaceAnalyzer()
    print(
        f"{'item':<34} {'truth':<13} {'score':>6} {'sides':<8} {'corners':>7} {'bands':>5}  "
        "co-motion     ms"
    )
    silent = root / "pad" / "silent-face"
    for name, label in (("image_T1", "bona fide"), ("image_F1", "print"), ("image_F2", "replay")):
        print(
            row(f"silent-face/{name}", label, judge([read_image(silent / f"{name}.jpg")], analyzer))
        )
    for folder, label in (("live", "bona fide"), ("spoof", "attack")):
        frames = siw_frames(root / "pad" / "siw-mv2-demo" / folder)
        print(row(f"siw-mv2-demo/{folder} (25 frames)", label, judge(frames, analyzer)))
    videos = [
        root / "video" / "pexels_wolfgang_langer.mp4",
        *sorted((root / "video" / "grid").glob("*.mpg")),
    ]
    for path in videos:
        cue = judge(iter_frames(path, max_seconds=12.0), analyzer)
        print(row(f"{path.parent.name}/{path.name}"[:34], "bona fide", cue))
    people = load_identities(None)[0]
    names = sorted(people)
    for species in SPECIES:
        target = names[0] if species == "bona_fide" else names[1]
        clip = render_presentation(
            species,
            people[names[0]][0],
            people[target][0],
            seconds=2.0,
            fps=15.0,
            size=(480, 360),
            seed=args.lab_seed,
        )
        frames = [Frame(image, i, i / 15.0) for i, image in enumerate(clip.frames)]
        print(row(f"lab {species} (simulated)", species, judge(frames, analyzer)))
    for folder in ("interfaces", "frl-canada"):
        portraits = sorted((root / "faces" / folder).glob("*.jpg"))
        cues = [judge([read_image(p)], analyzer) for p in portraits]
        scored = [c for c in cues if c is not None and c.score is not None]
        low = sum(float(c.score or 0) < 0.5 for c in scored)
        quads = sum(bool(c.evidence.get("enclosing_quad_found")) for c in scored)
        middle = np.median([c.score for c in scored]) if scored else float("nan")
        print(
            f"faces/{folder} (bona fide portraits): {len(scored)} of {len(cues)} judged, median "
            f"{middle:.3f}, {low} below 0.5, {quads} with an enclosing quad"
        )
    for folder in ("bona_fide", "print"):
        cues = []
        for subject in sorted((root / "pad" / "nuaa" / folder).iterdir()):
            files = sorted(subject.glob("*.jpg"))
            step = max(1, len(files) // args.nuaa_per_subject)
            cues += [
                judge([read_image(p)], analyzer) for p in files[::step][: args.nuaa_per_subject]
            ]
        scores = [c.score for c in cues if c is not None and c.score is not None]
        middle = f"median score {np.median(scores):.3f}" if scores else "no score"
        print(
            f"nuaa/{folder}: {len(scores)} of {len(cues)} crops judged ({middle}); the rest: "
            "the face fills the frame or no face"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
