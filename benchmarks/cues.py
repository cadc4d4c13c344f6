"""Per-frame cost of the non-pulse liveness cues on one core, and what they say on real video.

Usage: uv run python benchmarks/cues.py [--seconds 5]
       uv run python benchmarks/cues.py --lab DIR [--generate --clips 2 --lab-seconds 4 --seed 11]

--lab DIR scores every clip of an attack-lab set (DIR/protocol.csv; --generate first renders one
with all species and channels) and prints each cue's score per clip and per species. Lab clips
are SIMULATED presentations: these figures say how the cues react to the lab's physics, not how
they do on real attacks.

Runs on video/hamilton_clip.mp4 (real bona fide video, two people) when the shared data is
present: faces and meshes come from unmask.face, then each cue is timed on the main track.
Costs exclude face detection and the mesh (the face stage's own benchmark covers those).
The surface model used for timing is fitted on random features (cost does not depend on the
weights); channel cues run on constant maps at lab sensor sizes (thermal 160x120, NIR and depth
320x240), since no real channel data exists here.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2
import numpy as np

from unmask.data import shared_data_dir
from unmask.face import FaceAnalyzer, analyze_stream
from unmask.face.tracker import IouTracker
from unmask.liveness.channels import channel_cues
from unmask.liveness.eyes import eye_contrast, eye_hole_ring, eyes_cue
from unmask.liveness.motion import motion_cue
from unmask.liveness.surface import FEATURE_VERSION, N_FEATURES, SurfaceModel, surface_cue
from unmask.media import read_video
from unmask.types import CueScore, Face, Frame

CACHE = Path.home() / ".cache" / "unmask"


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    start = time.perf_counter()
    result = None
    for _ in range(repeats):
        result = fn()
    return (time.perf_counter() - start) / repeats * 1e3, result


def lab_rows(protocol: Path, surface: SurfaceModel | None) -> list[dict[str, Any]]:
    """Score the main face track of every clip in a lab protocol with every non-pulse cue."""
    rows = []
    with protocol.open() as handle:
        entries = list(csv.DictReader(handle))
    analyzer = FaceAnalyzer()
    for entry in entries:
        frames: dict[int, Frame] = {}
        tracker = IouTracker()
        for frame, _ in analyze_stream(
            read_video(protocol.parent / entry["path"]), analyzer, tracker
        ):
            frames[frame.index] = frame
        tracks = [t for t in tracker.tracks() if t.faces]
        row: dict[str, Any] = {
            "clip": Path(entry["path"]).name,
            "label": entry["label"],
            "lab_blinks": entry.get("blinks") or "-",
        }
        if not tracks:
            rows.append(row)
            continue
        track = max(tracks, key=lambda t: len(t.faces))
        faces = list(track.faces)
        row["motion"] = motion_cue(track)
        row["eyes"] = eyes_cue(track, [frames[f.frame_index] for f in faces])
        shape = frames[faces[0].frame_index].image.shape[:2]
        stacks = {}
        for name in ("thermal", "nir", "depth"):
            column = entry.get(f"{name}_path")
            if column:
                with np.load(protocol.parent / column) as data:
                    stack = data["frames"]
                stacks[name] = [stack[min(f.frame_index, len(stack) - 1)] for f in faces]
        row.update(channel_cues(faces, shape, stacks))
        if surface is not None:
            picks = faces[:: max(1, len(faces) // 5)][:5]
            scores = [surface_cue(frames[f.frame_index], f, surface).score for f in picks]
            values = [v for v in scores if v is not None]
            row["surface"] = CueScore("surface", float(np.median(values)) if values else None)
        rows.append(row)
    return rows


def print_lab(rows: list[dict[str, Any]]) -> None:
    cues = ("motion", "eyes", "surface", "thermal", "nir", "depth")
    print(f"{'clip':<58} " + " ".join(f"{c:>8}" for c in cues) + "  motion / eyes deciding, blinks")

    def cell(cue: CueScore | None) -> str:
        if cue is None:
            return f"{'-':>8}"
        return f"{'inc':>8}" if cue.score is None else f"{cue.score:>8.3f}"

    for row in rows:
        deciding = [
            str(row[c].evidence.get("deciding", row[c].reason))
            for c in ("motion", "eyes")
            if c in row
        ]
        if "eyes" in row:
            deciding.append(
                f"blinks {row['eyes'].evidence.get('blinks')} (lab drew {row['lab_blinks']})"
            )
        print(
            f"{row['clip']:<58} "
            + " ".join(cell(row.get(c)) for c in cues)
            + "  "
            + " / ".join(deciding)
        )
    print("\nper species: mean score (conclusive clips / clips)")
    print(f"{'species':<14} " + " ".join(f"{c:>12}" for c in cues))
    for label in dict.fromkeys(r["label"] for r in rows):
        group = [r for r in rows if r["label"] == label]
        cells = []
        for c in cues:
            values = [r[c].score for r in group if c in r and r[c].score is not None]
            cells.append(
                f"{np.mean(values):.2f} ({len(values)}/{len(group)})"
                if values
                else f"- (0/{len(group)})"
            )
        print(f"{label:<14} " + " ".join(f"{x:>12}" for x in cells))


def nuaa_model() -> SurfaceModel | None:
    """The surface model of benchmarks/surface_nuaa.py, from its feature cache, if present."""
    caches = sorted(CACHE.glob(f"nuaa_surface_v{FEATURE_VERSION}_all.npz"))
    if not caches:
        return None
    with np.load(caches[0]) as data:
        return SurfaceModel().fit(data["X"], data["y"])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--lab", type=Path, help="attack-lab folder holding protocol.csv")
    parser.add_argument(
        "--generate", action="store_true", help="render the lab set into --lab first"
    )
    parser.add_argument("--clips", type=int, default=2)
    parser.add_argument("--lab-seconds", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    if args.lab is not None:
        if args.generate:
            from unmask.lab.generate import generate

            generate(
                args.lab,
                clips=args.clips,
                seconds=args.lab_seconds,
                channels=("rgb", "thermal", "nir", "depth"),
                seed=args.seed,
            )
        surface = nuaa_model()
        print(
            f"surface model: {'NUAA (all subjects)' if surface else 'none (run benchmarks/surface_nuaa.py first)'}"
        )
        print_lab(lab_rows(args.lab / "protocol.csv", surface))
        return 0
    data = shared_data_dir()
    clip = data / "video" / "hamilton_clip.mp4" if data else None
    if clip is None or not clip.exists():
        print("skipped: video/hamilton_clip.mp4 not found (set UNMASK_DATA)")
        return 0
    frames: dict[int, Frame] = {}
    tracker = IouTracker()
    for frame, _ in analyze_stream(
        read_video(clip, max_seconds=args.seconds), FaceAnalyzer(), tracker
    ):
        frames[frame.index] = frame
    tracks = [t for t in tracker.tracks() if len(t.faces) >= 8]
    if not tracks:
        print("no face track found")
        return 1
    main_track = max(tracks, key=lambda t: len(t.faces))
    n = len(main_track.faces)
    rng = np.random.default_rng(0)
    model = SurfaceModel().fit(rng.normal(size=(200, N_FEATURES)), np.repeat([0, 1], 100))
    face: Face = main_track.faces[n // 2]
    frame = frames[face.frame_index]
    shape = frame.image.shape[:2]
    maps = {
        "thermal": np.full((shape[0] // 4, shape[1] // 4), 34.0, np.float32),
        "nir": np.full((shape[0] // 2, shape[1] // 2), 0.5, np.float32),
        "depth": np.full((shape[0] // 2, shape[1] // 2), 600, np.uint16),
    }
    rows = [
        (
            "surface (crop + features + model), per frame",
            *timed(lambda: surface_cue(frame, face, model), 20),
        ),
        ("motion, whole track / frames", timed(lambda: motion_cue(main_track), 3)[0] / n, None),
        (
            "eyes: blinks + gaze, whole track / frames",
            timed(lambda: eyes_cue(main_track), 3)[0] / n,
            None,
        ),
        (
            "eyes: pixel blink contrast, per frame",
            *timed(lambda: eye_contrast(frame.image, np.asarray(face.mesh)), 20),
        ),
        (
            "eyes: eye-hole ring, per frame measured",
            *timed(lambda: eye_hole_ring(frame.image, np.asarray(face.mesh)), 20),
        ),
        (
            "channels: thermal + nir + depth, per frame",
            *timed(lambda: channel_cues(face, shape, maps), 20),
        ),
    ]
    print(
        f"clip {clip.name}: first {args.seconds:g} s, {len(frames)} frames {shape[1]}x{shape[0]}, main track {n} faces"
    )
    print(f"{'cue':<48} {'ms/frame':>9}")
    for name, ms, _ in rows:
        print(f"{name:<48} {ms:>9.2f}")
    print(
        "eyes-cue ring uses at most 5 frames per track, so its per-frame share is 5/frames of the above"
    )
    print("\nwhat the cues say on this real bona fide clip (per track):")
    for track in sorted(tracks, key=lambda t: -len(t.faces)):
        track_frames = [frames[f.frame_index] for f in track.faces]
        motion = motion_cue(track)
        eyes = eyes_cue(track, track_frames)
        print(f"track {track.track_id}: {len(track.faces)} faces over {track.duration:.1f} s")
        for cue in (motion, eyes):
            summary = {
                k: cue.evidence.get(k)
                for k in (
                    "deciding",
                    "sub_scores",
                    "blinks",
                    "eye_hole_ring",
                    "deformation_iod_p90",
                    "plane_vs_3d_ratio",
                )
                if k in cue.evidence
            }
            print(
                f"  {cue.cue:<7} score={cue.score} conf={cue.confidence} reason={cue.reason} {summary}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
