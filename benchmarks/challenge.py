"""Active liveness (challenge + flash) on SIMULATED lab presentations. Prints tables.

    uv run python benchmarks/challenge.py main    [--clips 6 --attack-clips 4 --seed 11]
    uv run python benchmarks/challenge.py robust  [--clips 4 --seed 23]

Every clip is rendered by the attack lab (unmask.lab, with unmask.lab.respond answering the
challenge) and judged from the colour frames alone: every figure is SIMULATED. `main` gives
APCER per species and BPCER with the challenge (ChallengeSession: actions + flash) and without
it (the shipped passive PAD model on the same clips), the refusal rate of bona fide clips
checked against another challenge, the time to decide and the cost per frame. `robust` gives
the challenge decision's BPCER (and print/replay APCER) under 15 vs 30 fps, H.264 CRF 23,
ambient light from dim to daylight, and skin tones (FRL London photos across ethnicities, plus
the lab's darkening), when the shared data is present. Glasses are not rendered by the lab.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from unmask.data import shared_data_dir
from unmask.face import FaceAnalyzer
from unmask.lab import SPECIES, load_identities, render_presentation
from unmask.lab.faces import FacePhoto
from unmask.lab.generate import clip_seed
from unmask.lab.store import write_video
from unmask.liveness.challenge import Challenge, ChallengeIssuer, ChallengeResult, ChallengeSession
from unmask.liveness.engine import LivenessEngine
from unmask.media import iter_frames
from unmask.types import Face, Frame

KINDS = ("pose", "blink", "expression", "flash")
SECONDS = 6.0
NOTE = "SIMULATED: attack-lab presentations, colour camera only"


class TimedAnalyzer:
    """The face stage, timed, so the challenge's own cost per frame can be told apart."""

    def __init__(self) -> None:
        self.analyzer = FaceAnalyzer()
        self.seconds = 0.0

    def analyze(self, frame: Frame) -> list[Face]:
        start = time.perf_counter()
        faces = self.analyzer.analyze(frame)
        self.seconds += time.perf_counter() - start
        return faces


def issue(seed: int, index: int) -> Challenge:
    issuer = ChallengeIssuer(np.random.default_rng([seed, index, 99]).bytes(32))
    return issuer.new(kinds=KINDS, seconds=SECONDS, rng=np.random.default_rng([seed, index]))


def frames_of(
    species: str,
    wearer: FacePhoto,
    target: FacePhoto,
    challenge: Challenge,
    seed: int,
    fps: float,
    size: tuple[int, int],
    overrides: dict[str, Any],
    crf: int | None,
) -> list[Frame]:
    clip = render_presentation(
        species,
        wearer,
        target,
        seconds=SECONDS + 0.5,
        fps=fps,
        size=size,
        seed=seed,
        challenge=challenge,
        overrides=overrides,
    )
    if crf is None:
        return [
            Frame(f, i, float(t))
            for i, (f, t) in enumerate(zip(clip.frames, clip.times, strict=True))
        ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clip.mp4"
        write_video(path, iter(clip.frames), fps, "h264", crf)
        return list(iter_frames(path))


def judge(
    frames: Iterable[Frame], challenge: Challenge, analyzer: TimedAnalyzer
) -> tuple[ChallengeResult, dict[str, float]]:
    session = ChallengeSession(challenge, analyzer=analyzer)
    face_before = analyzer.seconds
    start = time.perf_counter()
    count = 0
    for frame in frames:
        session.push(frame)
        count += 1
    pushed = time.perf_counter()
    result = session.result()
    done = time.perf_counter()
    face = analyzer.seconds - face_before
    return result, {
        "frames": count,
        "face_s": face,
        "record_s": (pushed - start) - face,
        "result_s": done - pushed,
    }


def cast(people: list[FacePhoto], species: str, index: int) -> tuple[FacePhoto, FacePhoto]:
    target = people[index % len(people)]
    if species == "bona_fide":
        return target, target
    return people[(index + 1) % len(people)], target


def rate(outcomes: list[bool]) -> str:
    return (
        f"{100 * np.mean(outcomes):5.1f} % ({sum(outcomes)}/{len(outcomes)})" if outcomes else "-"
    )


def main_table(args: argparse.Namespace) -> None:
    identities, _ = load_identities(None)
    people = [identities[n][0] for n in sorted(identities)]
    analyzer = TimedAnalyzer()
    engine = LivenessEngine()
    engine.analyzer = analyzer.analyzer
    size = (args.width, args.height)
    accepted: dict[str, list[bool]] = defaultdict(list)
    passive: dict[str, list[bool]] = defaultdict(list)
    reasons: dict[str, list[str]] = defaultdict(list)
    inconclusive: dict[str, int] = defaultdict(int)
    by_cue: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    mismatched: list[bool] = []
    costs: list[dict[str, float]] = []
    for species in SPECIES:
        count = args.clips if species == "bona_fide" else args.attack_clips
        for index in range(count):
            seed = clip_seed(args.seed, species, index)
            challenge = issue(args.seed, 1000 * SPECIES.index(species) + index)
            wearer, target = cast(people, species, index)
            frames = frames_of(species, wearer, target, challenge, seed, args.fps, size, {}, None)
            result, cost = judge(frames, challenge, analyzer)
            costs.append(cost)
            accepted[species].append(result.decision == "bona_fide")
            inconclusive[species] += result.decision == "inconclusive"
            for name, cue in result.cues.items():
                by_cue[name][species].append(cue.score is not None and cue.score >= 0.5)
            if result.reason:
                reasons[species].append(result.reason.split(":")[0])
            verdict = engine.assess(frames).main.verdict
            passive[species].append(verdict.decision == "bona_fide")
            if species == "bona_fide":
                other = issue(args.seed, 5000 + index)
                refused, _ = judge(frames, other, analyzer)
                mismatched.append(refused.decision != "bona_fide")
            print(
                f"  {species:<14} {index} challenge {result.decision:<12} passive "
                f"{verdict.decision:<12} {result.reason or ''}"[:150],
                flush=True,
            )
    print()
    print(f"Active liveness, {NOTE}")
    print(
        f"lab seed {args.seed}, {args.width}x{args.height}, {args.fps:g} fps, raw frames, "
        f"script {SECONDS:g} s ({', '.join(KINDS)}); inconclusive counts as not accepted"
    )
    print(f"{'species':<14} {'with challenge+flash':>22} {'passive model only':>22}  inconclusive")
    for species in SPECIES:
        label = "BPCER" if species == "bona_fide" else "APCER"
        if species == "bona_fide":
            with_c = [not a for a in accepted[species]]
            without = [not a for a in passive[species]]
        else:
            with_c, without = accepted[species], passive[species]
        print(
            f"{species:<14} {label} {rate(with_c):>16} {label} {rate(without):>16}  "
            f"{inconclusive[species]}"
        )
    print(
        f"mismatched challenge (bona fide clip checked against another): refused {rate(mismatched)}"
    )
    print(f"seconds to decide: the script's {SECONDS:g} s (the decision needs its last window)")
    frames = sum(c["frames"] for c in costs)
    print(
        "cost per frame (wall, shared machine): face stage "
        f"{1000 * sum(c['face_s'] for c in costs) / frames:.1f} ms, challenge recording "
        f"{1000 * sum(c['record_s'] for c in costs) / frames:.2f} ms; result() "
        f"{1000 * np.mean([c['result_s'] for c in costs]):.0f} ms per capture"
    )
    print("each cue alone (share passed; BPCER for bona fide = share not passed):")
    for name, cells in by_cue.items():
        row = [
            f"{sp} {rate([not v for v in cells[sp]] if sp == 'bona_fide' else cells[sp])}"
            for sp in SPECIES
        ]
        print(f"  {name:<10} " + "; ".join(row))
    for species, items in reasons.items():
        counts = {r: items.count(r) for r in sorted(set(items))}
        print(f"  refusal reasons, {species}: {counts}")


def skin_people() -> list[tuple[str, FacePhoto]]:
    """Two FRL London photos per recorded ethnicity group, when the shared data is present."""
    root = shared_data_dir()
    folder = root / "faces" / "frl-london" if root else None
    if folder is None or not folder.is_dir():
        return []
    chosen: dict[str, list[str]] = defaultdict(list)
    with (folder / "london_info.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            group = row["face_eth"]
            if len(chosen[group]) < 2:
                chosen[group].append(row["face_id"])
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for ids in chosen.values():
            for face_id in ids:
                (Path(tmp) / f"{face_id}.jpg").symlink_to(folder / "neutral" / f"{face_id}_03.jpg")
        identities, _ = load_identities(Path(tmp))
        for group, ids in sorted(chosen.items()):
            out += [(group, identities[i][0]) for i in ids if i in identities]
    return out


def robust_table(args: argparse.Namespace) -> None:
    identities, _ = load_identities(None)
    people = [identities[n][0] for n in sorted(identities)]
    analyzer = TimedAnalyzer()
    size = (args.width, args.height)
    conditions: list[tuple[str, float, int | None, dict[str, Any], tuple[str, ...]]] = [
        ("15 fps, raw", 15.0, None, {}, ("bona_fide", "print", "replay")),
        ("30 fps, raw", 30.0, None, {}, ("bona_fide", "print", "replay")),
        ("15 fps, H.264 CRF 23", 15.0, 23, {}, ("bona_fide", "print", "replay")),
        ("dim room, 50 lx", 15.0, None, {"ambient_lux": 50.0}, ("bona_fide", "print")),
        ("office, 500 lx", 15.0, None, {"ambient_lux": 500.0}, ("bona_fide", "print")),
        ("daylight, 2000 lx", 15.0, None, {"ambient_lux": 2000.0}, ("bona_fide", "print")),
        ("skin darkened 0.6", 15.0, None, {"skin_darkening": 0.6}, ("bona_fide",)),
    ]
    print(f"Robustness of the challenge decision, {NOTE}")
    print(f"lab seed {args.seed}, {args.width}x{args.height}, {args.clips} clips per cell")
    print(
        f"{'condition':<24} {'BPCER':>18} {'print APCER':>18} {'replay APCER':>18}  flash lag / contrast (bona fide)"
    )
    for name, fps, crf, overrides, species_list in conditions:
        cells: dict[str, list[bool]] = defaultdict(list)
        lags, contrasts = [], []
        for species in species_list:
            for index in range(args.clips):
                seed = clip_seed(args.seed, species, index)
                challenge = issue(args.seed, 1000 * SPECIES.index(species) + index)
                wearer, target = cast(people, species, index)
                frames = frames_of(
                    species, wearer, target, challenge, seed, fps, size, overrides, crf
                )
                result, _ = judge(frames, challenge, analyzer)
                accepted = result.decision == "bona_fide"
                cells[species].append(not accepted if species == "bona_fide" else accepted)
                flash = result.cues.get("flash")
                if species == "bona_fide" and flash is not None and "lag_ms" in flash.evidence:
                    lags.append(flash.evidence["lag_ms"])
                    contrasts.append(flash.evidence["relief_contrast"])
                if species == "bona_fide" and not accepted:
                    print(f"    {name}: bona fide {index} {result.decision}: {result.reason}"[:160])
        print(
            f"{name:<24} {rate(cells['bona_fide']):>18} {rate(cells['print']):>18} "
            f"{rate(cells['replay']):>18}  "
            f"{np.median(lags) if lags else float('nan'):.0f} ms / "
            f"{np.median(contrasts) if contrasts else float('nan'):.2f}",
            flush=True,
        )
    groups = skin_people()
    if not groups:
        print("skin tones (FRL London): shared data absent, not measured")
        return
    by_group: dict[str, list[bool]] = defaultdict(list)
    for index, (group, person) in enumerate(groups):
        seed = clip_seed(args.seed, "bona_fide", 100 + index)
        challenge = issue(args.seed, 7000 + index)
        frames = frames_of(
            "bona_fide", person, person, challenge, seed, 15.0, size, {"skin_darkening": 0.0}, None
        )
        result, _ = judge(frames, challenge, analyzer)
        by_group[group].append(result.decision != "bona_fide")
        if result.decision != "bona_fide":
            print(f"    FRL {group} {person.identity}: {result.decision}: {result.reason}"[:160])
    for group, outcomes in sorted(by_group.items()):
        print(
            f"{'FRL London ' + group:<24} {rate(outcomes):>18}   (real photos, SIMULATED motion and flash)"
        )


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table", choices=("main", "robust"))
    parser.add_argument("--clips", type=int, default=None)
    parser.add_argument("--attack-clips", type=int, default=4)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--fps", type=float, default=15.0)
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    args = parser.parse_args()
    if args.clips is None:
        args.clips = 6 if args.table == "main" else 4
    if args.seed is None:
        args.seed = 11 if args.table == "main" else 23
    return args


if __name__ == "__main__":
    arguments = parse()
    (main_table if arguments.table == "main" else robust_table)(arguments)
