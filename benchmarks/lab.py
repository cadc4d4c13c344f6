"""Attack lab figures: generation speed, pulse validity, identity check. Prints tables.

    uv run python benchmarks/lab.py speed      [--clips 1 --codec lossless]
    uv run python benchmarks/lab.py pulse      [--clips 4 --seconds 10 --codec lossless] [--override NAME=VALUE]
    uv run python benchmarks/lab.py identity   [--clips 4]

All presentations are SIMULATED by the lab from the public-domain portraits that ship with the
dependencies (Eileen Collins, Grace Hopper); every figure here is about simulated data.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from unmask.lab import SPECIES, iter_presentation, load_identities
from unmask.lab.faces import FacePhoto
from unmask.lab.generate import clip_seed
from unmask.lab.store import suffix, write_video


def people() -> tuple[FacePhoto, FacePhoto]:
    identities, _ = load_identities(None)
    return identities["eileen_collins"][0], identities["grace_hopper"][0]


def cast(species: str, index: int, a: FacePhoto, b: FacePhoto) -> tuple[FacePhoto, FacePhoto]:
    """(wearer, target): alternate who is shown; attacks are always worn by the other person."""
    target = a if index % 2 == 0 else b
    wearer = target if species == "bona_fide" else (b if target is a else a)
    return wearer, target


def speed(args: argparse.Namespace) -> None:
    a, b = people()
    print(
        f"Generation speed, 640x480, 5 s, 30 fps (150 frames), one process, rgb, codec {args.codec}"
    )
    print("CPU seconds of this process (the machine may be shared: wall time is shown too)")
    print(
        f"{'species':<14} {'render cpu':>10} {'+encode cpu':>11} {'wall':>6} {'per min (cpu)':>13}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for species in SPECIES:
            render_cpu, total_cpu, wall = [], [], []
            for index in range(args.clips):
                wearer, target = cast(species, index, a, b)
                seed = clip_seed(0, species, index)
                start, start_wall = time.process_time(), time.perf_counter()
                _, _, stream = iter_presentation(
                    species, wearer, target, seconds=5, fps=30, seed=seed
                )
                frames = [f for f, _ in stream]
                rendered = time.process_time()
                write_video(
                    Path(tmp) / f"clip{suffix(args.codec)}", iter(frames), 30, args.codec, args.crf
                )
                render_cpu.append(rendered - start)
                total_cpu.append(time.process_time() - start)
                wall.append(time.perf_counter() - start_wall)
            mean = float(np.mean(total_cpu))
            print(
                f"{species:<14} {np.mean(render_cpu):>10.1f} {mean:>11.1f} {np.mean(wall):>6.1f} {60 / mean:>13.1f}"
            )


def pulse(args: argparse.Namespace) -> None:
    """Run the project's rPPG engine (unmask.pulse, POS over pooled skin regions of the face
    track) on lab clips: bona fide should give the labelled rate; mask and print skin should
    give no reliable pulse, or not the wearer's rate."""
    from unmask.liveness.pulse import pooled_trace
    from unmask.pulse import SKIN_REGIONS, estimate_pulse
    from unmask.pulse.video import face_track_traces

    a, b = people()
    print(
        f"rPPG engine on SIMULATED lab clips: {args.seconds:g} s, 640x480, 30 fps, codec {args.codec} crf {args.crf}"
    )
    print(
        f"{'species':<14} {'clip':>4} {'truth bpm':>9} {'engine bpm':>10} {'spectral':>9} {'snr dB':>7}  reason"
    )
    errors: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for species in args.species:
            for index in range(args.clips):
                wearer, target = cast(species, index, a, b)
                seed = clip_seed(args.seed, species, index)
                params, _, stream = iter_presentation(
                    species,
                    wearer,
                    target,
                    seconds=args.seconds,
                    fps=30,
                    seed=seed,
                    overrides=args.override,
                )
                path = Path(tmp) / f"clip{suffix(args.codec)}"
                write_video(path, (f for f, _ in stream), 30, args.codec, args.crf)
                tracks = face_track_traces(path)
                if not tracks:
                    print(f"{species:<14} {index:>4} no face track")
                    continue
                track = max(tracks, key=lambda t: t.frames)
                names = tuple(n for n in SKIN_REGIONS if n in track.traces)
                if species != "bona_fide":  # mask and print skin only: eye holes show the wearer
                    names = tuple(n for n in names if "periocular" not in n)
                trace = pooled_trace(track.traces, names)
                estimate = estimate_pulse(trace, "pos") if trace is not None else None
                truth = params.get("hr_bpm") or params.get("source_hr_bpm")
                bpm = estimate.heart_rate_bpm if estimate is not None else None
                if species == "bona_fide" and bpm is not None and truth is not None:
                    errors.append(abs(bpm - truth))
                spectral = estimate.spectral_bpm if estimate is not None else None
                snr = estimate.snr_db if estimate is not None else None
                reason = (estimate.reason or "") if estimate is not None else "no skin trace"
                print(
                    f"{species:<14} {index:>4} {fmt(truth):>9} {fmt(bpm):>10} {fmt(spectral):>9} {fmt(snr):>7}  {reason[:60]}"
                )
    if errors:
        print(
            f"bona fide: {len(errors)} rates reported, mean absolute error {np.mean(errors):.1f} bpm, max {np.max(errors):.1f}"
        )


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def identity(args: argparse.Namespace) -> None:
    """Share of attacks whose face matches the target at the verify threshold (dlib ResNet)."""
    from unmask.face import FaceAnalyzer
    from unmask.identity import DEFAULT_FMR, embed_face, threshold_for_fmr
    from unmask.media import frame_from_array

    a, b = people()
    analyzer = FaceAnalyzer(iris=False)

    def embedding(image: np.ndarray) -> np.ndarray | None:
        faces = analyzer.analyze(frame_from_array(image))
        if not faces:
            return None
        best = max(faces, key=lambda f: f.box.area)
        return embed_face(image, best.box, best.mesh)

    enrolled = {p.identity: embedding(p.image) for p in (a, b)}
    threshold = threshold_for_fmr(DEFAULT_FMR)
    print(
        f"Identity check on SIMULATED attacks: dlib distance of a mid-clip frame, threshold {threshold} (FMR {DEFAULT_FMR:g})"
    )
    print(
        f"{'species':<14} {'clips':>5} {'match target':>12} {'match wearer':>12} {'mean d(target)':>14}"
    )
    for species in SPECIES[1:]:
        hits = wearer_hits = 0
        distances = []
        for index in range(args.clips):
            wearer, target = cast(species, index, a, b)
            seed = clip_seed(args.seed, species, index)
            _, _, stream = iter_presentation(
                species, wearer, target, seconds=1.0, fps=10, seed=seed
            )
            frames = [f for f, _ in stream]
            probe = embedding(frames[len(frames) // 2])
            if probe is None:
                distances.append(float("nan"))
                continue
            d_target = float(np.linalg.norm(probe - enrolled[target.identity]))
            d_wearer = float(np.linalg.norm(probe - enrolled[wearer.identity]))
            distances.append(d_target)
            hits += d_target <= threshold
            wearer_hits += d_wearer <= threshold
        print(
            f"{species:<14} {args.clips:>5} {hits:>12} {wearer_hits:>12} {np.nanmean(distances):>14.3f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=["speed", "pulse", "identity"])
    parser.add_argument("--clips", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--codec", default="lossless")
    parser.add_argument("--crf", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--species", default=",".join(SPECIES), type=lambda s: s.split(","))
    parser.add_argument(
        "--override",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="pin a sampled parameter (pulse mode), e.g. head_rotation_deg=0; repeatable",
    )
    args = parser.parse_args()
    args.override = {
        name: float(value) for name, _, value in (o.partition("=") for o in args.override)
    }
    {"speed": speed, "pulse": pulse, "identity": identity}[args.what](args)


if __name__ == "__main__":
    main()
