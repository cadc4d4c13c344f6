"""Active liveness (challenge + flash) on SIMULATED lab presentations. Prints tables.

    uv run python benchmarks/challenge.py main    [--clips 6 --attack-clips 4 --seed 11]
    uv run python benchmarks/challenge.py robust  [--clips 4 --seed 23] [--people frl]
    uv run python benchmarks/challenge.py fusion  --calibration P.csv... --evaluation P.csv...
    uv run python benchmarks/challenge.py steps   --evaluation P.csv...
    uv run python benchmarks/challenge.py real

Every clip is rendered by the attack lab (unmask.lab, with unmask.lab.respond answering the
challenge) and judged from the colour frames alone: every figure is SIMULATED. `main` gives
APCER per species and BPCER with the challenge (ChallengeSession: actions + flash) and without
it (the shipped passive PAD model on the same clips), the refusal rate of bona fide clips
checked against another challenge, the time to decide and the cost per frame. `robust` gives
the challenge decision's BPCER (and print/replay APCER) under 15 vs 30 fps, H.264 CRF 23,
ambient light from dim to daylight, and skin tones (FRL London photos across ethnicities, plus
the lab's darkening), when the shared data is present, and glasses (unmask.lab.glasses: frame,
lenses and the screen mirrored in them; living faces only).
`fusion` takes lab protocols whose clips each answer a challenge of their own (`unmask lab
generate --challenge-each KINDS`): it fits the challenge part of the fusion (calibration of the
`challenge` and `flash` cues, their weights, the challenge operating points) on the calibration
protocols on top of the shipped model's passive part, exactly as `pad train` would, and gives
per level the decisions on the evaluation protocols (another lab seed) without and with the
challenge, and the refusal rate of bona fide clips checked against another clip's challenge.
`steps` checks lab clips against their own challenges and gives, per species, each step's and
each flash check's measured values against its threshold (where living faces fail, and how far
attacks stay from passing). `real` measures on REAL video and photos of the shared data what
the action thresholds must clear: the largest involuntary change of yaw, pitch, face size and
mouth over a step-long window of seated people talking to a camera (GRID), the eye openness
of their blinks against their open eyes, and the size of posed smiles (FRL London smiling
against neutral photos of the same people).
"""

from __future__ import annotations

import argparse
import copy
import csv
import dataclasses
import pickle
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from unmask.data import shared_data_dir
from unmask.evaluation.protocols.base import ProtocolEntry, read_protocol_csv
from unmask.face import FaceAnalyzer, largest_face_per_frame
from unmask.lab import SPECIES, load_identities, render_presentation
from unmask.lab.faces import FacePhoto
from unmask.lab.generate import clip_seed
from unmask.lab.store import write_video
from unmask.liveness.actions import CLOSED, REOPENED, THRESHOLDS, features, find_blinks
from unmask.liveness.challenge import (
    Challenge,
    ChallengeIssuer,
    ChallengeResult,
    ChallengeSession,
    observe_answer,
)
from unmask.liveness.engine import LivenessEngine, bits_per_pixel
from unmask.liveness.fusion import ACTIVE_CUES, FusionModel
from unmask.liveness.levels import LEVEL_NAMES
from unmask.liveness.model import PadModel
from unmask.liveness.training import observe_entry
from unmask.media import iter_frames, read_image
from unmask.types import CueScore, Face, Frame

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


def decided(
    frames: list[Frame],
    challenge: Challenge,
    analyzer: TimedAnalyzer,
    engine: LivenessEngine | None,
    level: str,
) -> tuple[bool, ChallengeResult]:
    """Accepted or not, and the challenge's result: by the fusion at `level` when a model is
    given (`--model`, one with a challenge table), else by the challenge checks alone."""
    if engine is None:
        result, _ = judge(frames, challenge, analyzer)
        return result.decision == "bona_fide", result
    observation, result = observe_answer(frames, challenge, engine.analyzer)
    verdict = engine.judge(observation, frames, level, answer=result.cues).main.verdict
    return verdict.decision == "bona_fide", result


def robust_table(args: argparse.Namespace) -> None:
    if args.people == "frl":
        people = [person for _, person in skin_people()]
        if not people:
            sys.exit("--people frl needs the shared data (faces/frl-london)")
    else:
        identities, _ = load_identities(None)
        people = [identities[n][0] for n in sorted(identities)]
    analyzer = TimedAnalyzer()
    engine = LivenessEngine(PadModel.load(args.model)) if args.model is not None else None
    size = (args.width, args.height)
    conditions: list[tuple[str, float, int | None, dict[str, Any], tuple[str, ...]]] = [
        ("15 fps, raw", 15.0, None, {}, ("bona_fide", "print", "replay")),
        ("30 fps, raw", 30.0, None, {}, ("bona_fide", "print", "replay")),
        ("15 fps, H.264 CRF 23", 15.0, 23, {}, ("bona_fide", "print", "replay")),
        ("dim room, 50 lx", 15.0, None, {"ambient_lux": 50.0}, ("bona_fide", "print")),
        ("office, 500 lx", 15.0, None, {"ambient_lux": 500.0}, ("bona_fide", "print")),
        ("daylight, 2000 lx", 15.0, None, {"ambient_lux": 2000.0}, ("bona_fide", "print")),
        ("skin darkened 0.6", 15.0, None, {"skin_darkening": 0.6}, ("bona_fide",)),
        ("glasses", 15.0, None, {"glasses": 1.0}, ("bona_fide",)),
    ]
    judged = f"the fusion at level {args.level}" if engine else "the challenge checks alone"
    print(f"Robustness of the decision ({judged}), {NOTE}")
    faces = "FRL London neutral photos" if args.people == "frl" else "the two bundled portraits"
    print(f"lab seed {args.seed}, {args.width}x{args.height}, {args.clips} clips per cell, {faces}")
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
                accepted, result = decided(frames, challenge, analyzer, engine, args.level)
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
        accepted, result = decided(frames, challenge, analyzer, engine, args.level)
        by_group[group].append(not accepted)
        if not accepted:
            print(f"    FRL {group} {person.identity}: {result.decision}: {result.reason}"[:160])
    for group, outcomes in sorted(by_group.items()):
        print(
            f"{'FRL London ' + group:<24} {rate(outcomes):>18}   (real photos, SIMULATED motion and flash)"
        )


Observed = list[tuple[ProtocolEntry, dict[str, CueScore]]]


def observe_all(engine: LivenessEngine, paths: list[Path], mismatch: bool) -> Observed:
    """Every cue of every clip (the challenge's own included); with `mismatch`, each bona fide
    clip once more against the next bona fide clip's challenge (label `mismatched`)."""
    out: Observed = []
    for path in paths:
        protocol = read_protocol_csv(path)
        entries = list(protocol.entries)
        bona = [e for e in entries if e.label == "bona_fide"]
        if mismatch:
            entries += [
                dataclasses.replace(
                    e,
                    label="mismatched",
                    extra={
                        **e.extra,
                        "challenge_path": bona[(i + 1) % len(bona)].extra["challenge_path"],
                    },
                )
                for i, e in enumerate(bona)
                if len(bona) > 1
            ]
        for entry in entries:
            observation, answer = observe_entry(engine, entry, protocol.root)
            track = observation.main_track()
            if track is None:
                out.append((entry, {}))
                continue
            cues = engine.cues(observation, track, bits_per_pixel(entry.path, observation))
            out.append((entry, {**cues, **answer}))
            print(f"  observed {entry.label:<14} {entry.path.name}"[:120], flush=True)
    return out


def cached(path: Path | None, make: Any) -> Any:
    if path is not None and path.is_file():
        with path.open("rb") as handle:
            return pickle.load(handle)
    value = make()
    if path is not None:
        with path.open("wb") as handle:
            pickle.dump(value, handle)
    return value


def with_challenge_part(model: PadModel, calibration: Observed) -> FusionModel:
    """The model's fusion with its challenge part fitted on `calibration` (as pad train does)."""
    fusion = copy.deepcopy(model.fusion)
    usable = [(e, c) for e, c in calibration if c]
    fusion.fit_challenge(
        [c for _, c in usable], [e.label for e, _ in usable], np.zeros(len(usable), dtype=bool)
    )
    return fusion


def passive_cues(cues: dict[str, CueScore]) -> dict[str, CueScore]:
    """The presentation as judged without a challenge: the active cues absent (not withheld,
    which would read as a challenge that could not judge)."""
    return {n: c for n, c in cues.items() if n not in ACTIVE_CUES}


def fusion_table(args: argparse.Namespace) -> None:
    engine = LivenessEngine()
    cache = args.cache
    calibration = cached(
        cache and cache.with_suffix(".calibration.pkl"),
        lambda: observe_all(engine, args.calibration, mismatch=False),
    )
    evaluation = cached(
        cache and cache.with_suffix(".evaluation.pkl"),
        lambda: observe_all(engine, args.evaluation, mismatch=True),
    )
    fusion = with_challenge_part(engine.model, calibration)
    if args.out is not None:
        PadModel(
            surface=engine.model.surface,
            fusion=fusion,
            provenance={
                **engine.model.provenance,
                "challenge_calibration": [str(p) for p in args.calibration],
            },
            extra_models=engine.model.extra_models,
            recapture=engine.model.recapture,
        ).save(args.out)
    print()
    print(f"Challenge in the fusion, {NOTE}")
    print(
        f"calibration: {', '.join(map(str, args.calibration))} ({len(calibration)} clips); "
        f"evaluation: {', '.join(map(str, args.evaluation))}"
    )
    print(
        "challenge calibration (slope, intercept):",
        {
            n: tuple(round(v, 3) for v in fusion.calibration[n])
            for n in ACTIVE_CUES
            if n in fusion.calibration
        },
        "weights:",
        {n: round(fusion.weights.get(n, 0.0), 3) for n in ACTIVE_CUES},
    )
    for name, level in fusion.challenge_levels.items():
        print(
            f"  challenge table {name}: threshold {level.threshold:.4f}, calibration APCER "
            f"{level.apcer_max:.1%}, BPCER {level.bpcer:.1%}"
        )
    species = [*SPECIES, "mismatched"]
    print(f"{'level':<8} {'species':<14} {'passive only':>18} {'with challenge+flash':>22}")
    for level in LEVEL_NAMES:
        for name in species:
            rows = [c for e, c in evaluation if e.label == name]
            if not rows:
                continue
            passive = [
                fusion.decide(passive_cues(c), level)[0] == "bona_fide" if c else False
                for c in rows
            ]
            active = [fusion.decide(c, level)[0] == "bona_fide" if c else False for c in rows]
            if name == "bona_fide":
                label = "BPCER"
                passive, active = [not v for v in passive], [not v for v in active]
            else:
                label = "accepted" if name == "mismatched" else "APCER"
            print(f"{level:<8} {name:<14} {label} {rate(passive):>12} {label} {rate(active):>16}")
    print("the checks alone (both cues pass; BPCER for bona fide):")
    for name in species:
        rows = [c for e, c in evaluation if e.label == name]
        passed = [
            bool(c)
            and all(c.get(n) and c[n].score is not None and c[n].score >= 0.5 for n in ACTIVE_CUES)
            for c in rows
        ]
        shown = [not p for p in passed] if name == "bona_fide" else passed
        print(f"  {name:<14} {rate(shown)}")
    print("each cue alone passes (evaluation):")
    for cue in ACTIVE_CUES:
        row = []
        for name in species:
            scores = [c[cue].score for e, c in evaluation if e.label == name and cue in c]
            row.append(f"{name} {sum(s is not None and s >= 0.5 for s in scores)}/{len(scores)}")
        print(f"  {cue:<10} " + "; ".join(row))


def steps_table(args: argparse.Namespace) -> None:
    """Every step and flash check of lab clips answering their own challenges."""
    analyzer = TimedAnalyzer()
    measured: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    failed: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    reasons: dict[str, list[str]] = defaultdict(list)
    for path in args.evaluation:
        protocol = read_protocol_csv(path)
        for entry in protocol.entries:
            challenge = Challenge.load(protocol.root / entry.extra["challenge_path"])
            frames = iter_frames(entry.path, max_seconds=challenge.seconds + 1.0)
            result, _ = judge(frames, challenge, analyzer)
            label = entry.label
            for step in result.cues["challenge"].evidence.get("steps", []):
                measured[label][step["kind"]].append(float(step.get("peak", float("nan"))))
                failed[label][step["kind"]].append(not step["passed"])
                if not step["passed"]:
                    reasons[label].append(
                        f"{step['kind']}: {step['why']} (peak {step.get('peak')})"
                    )
            flash = result.cues["flash"]
            for key in ("r2", "amplitude_snr", "lag_ms", "relief_contrast"):
                if key in flash.evidence:
                    measured[label][key].append(float(flash.evidence[key]))
            failed[label]["flash"].append(flash.score is None or flash.score < 0.5)
            if flash.score is None or flash.score < 0.5:
                reasons[label].append(f"flash: {flash.reason}")
            print(f"  {label:<14} {entry.path.name[:40]:<40} {result.decision}", flush=True)
    print()
    print(f"Each check of lab clips against their own challenge, {NOTE}")
    print(f"clips: {', '.join(map(str, args.evaluation))}")
    print(f"{'species':<14} {'check':<16} {'failed':>8}  measured (min / 10 % / median / max)")
    for label, checks in measured.items():
        for name, values in sorted(checks.items()):
            v = np.asarray(values, dtype=np.float64)
            v = v[np.isfinite(v)]
            fails = failed[label].get(name, [])
            text = (
                " / ".join(f"{x:.3g}" for x in np.percentile(v, [0, 10, 50, 100]))
                if len(v)
                else "-"
            )
            count = f"{sum(fails)}/{len(fails)}" if fails else ""
            print(f"{label:<14} {name:<16} {count:>8}  {text}")
        flash_fails = failed[label]["flash"]
        print(f"{label:<14} {'flash (cue)':<16} {sum(flash_fails)}/{len(flash_fails):<6}")
    for label, items in reasons.items():
        print(f"  failures, {label}:")
        for item in items:
            print(f"    {item}")


def grid_windows(seconds: float) -> dict[str, list[float]]:
    """On each GRID clip (REAL): the largest change of each action's signal over any window of
    `seconds` from the median outside it, where nobody was asked to do anything."""
    root = shared_data_dir()
    folder = root / "video" / "grid" if root else None
    peaks: dict[str, list[float]] = defaultdict(list)
    if folder is None or not folder.is_dir():
        return peaks
    analyzer = FaceAnalyzer()
    for path in sorted(folder.glob("*.mpg")):
        faces, t = largest_face_per_frame(path, analyzer)
        v = features(faces)
        for start in np.arange(t[0], t[-1] - seconds + 1e-6, 0.1):
            inside = (t >= start) & (t <= start + seconds)
            rest = ~inside & ~np.isnan(v["yaw"])
            if inside.sum() < 5 or rest.sum() < 5:
                continue
            base = {k: float(np.median(x[rest])) for k, x in v.items()}
            w = {k: x[inside] for k, x in v.items()}
            peaks["turn (deg, either way)"].append(float(np.nanmax(np.abs(w["yaw"] - base["yaw"]))))
            peaks["look_up (deg)"].append(float(np.nanmax(w["pitch"] - base["pitch"])))
            peaks["come_closer (ratio)"].append(float(np.nanmax(w["size"] / base["size"] - 1)))
            smile = w["mouth"] - base["mouth"] + w["lift"] - base["lift"]
            peaks["smile (per IOD)"].append(float(np.nanmax(smile)))
        lead = t < t[0] + 0.5
        level = float(np.nanmedian(v["open"][lead]))
        relative = v["open"] / level
        blinks = find_blinks(v["open"], t, level)
        peaks["_open_min"].append(float(np.nanmin(relative)))
        peaks["_blinks"].append(float(len(blinks)))
        peaks["_open_frames"].extend(relative[np.isfinite(relative)].tolist())
        print(
            f"  GRID {path.name}: eye openness min {np.nanmin(relative):.2f} of open, "
            f"{len(blinks)} blink(s) at {[round(s, 2) for s, _ in blinks]}",
            flush=True,
        )
    return peaks


def posed_smiles() -> list[float]:
    """FRL London (REAL photos): smile signal of each person's smiling photo over their
    neutral one."""
    root = shared_data_dir()
    folder = root / "faces" / "frl-london" if root else None
    if folder is None or not folder.is_dir():
        return []
    analyzer = FaceAnalyzer()
    out = []
    for neutral in sorted((folder / "neutral").glob("*_03.jpg")):
        smiling = folder / "smiling" / neutral.name.replace("_03", "_08")
        if not smiling.is_file():
            continue
        faces = [analyzer.analyze(read_image(p)) for p in (neutral, smiling)]
        if not all(faces):
            continue
        v = features([found[0] for found in faces])
        out.append(float(v["mouth"][1] - v["mouth"][0] + v["lift"][1] - v["lift"][0]))
    return out


def real_table(args: argparse.Namespace) -> None:
    window = (SECONDS - 0.5) / 3
    peaks = grid_windows(window)
    smiles = posed_smiles()
    print()
    print("What the action thresholds must clear, on REAL video and photos (shared data)")
    if not peaks:
        print("GRID clips absent: not measured")
    else:
        print(f"GRID: 11 seated speakers, windows of {window:.2f} s (a step of a 6 s script)")
        print(f"{'signal':<24} {'windows':>8} {'p50':>8} {'p95':>8} {'max':>8}  threshold")
        limits = {
            "turn (deg, either way)": THRESHOLDS["turn_left"],
            "look_up (deg)": THRESHOLDS["look_up"],
            "come_closer (ratio)": THRESHOLDS["come_closer"],
            "smile (per IOD)": THRESHOLDS["smile"],
        }
        for name, limit in limits.items():
            v = np.asarray(peaks[name])
            print(
                f"{name:<24} {len(v):>8} {np.percentile(v, 50):8.3f} {np.percentile(v, 95):8.3f} "
                f"{v.max():8.3f}  {limit}"
            )
        frames = np.asarray(peaks["_open_frames"])
        print(
            f"eye openness over the lead-in's: per clip minima {sorted(round(x, 2) for x in peaks['_open_min'])}; "
            f"frames under {CLOSED} (closed) {np.mean(frames < CLOSED):.1%}, under {REOPENED} "
            f"(not yet reopened) {np.mean(frames < REOPENED):.1%} of {len(frames)}; blinks found "
            f"{int(sum(peaks['_blinks']))}"
        )
    if smiles:
        v = np.asarray(smiles)
        print(
            f"FRL London posed smiles ({len(v)} people, smiling - neutral, per IOD): "
            + ", ".join(f"p{q} {np.percentile(v, q):.3f}" for q in (2, 5, 10, 25, 50))
            + f"; share under the threshold {THRESHOLDS['smile']}: {np.mean(v < THRESHOLDS['smile']):.1%}"
        )


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table", choices=("main", "robust", "fusion", "steps", "real"))
    parser.add_argument("--calibration", type=Path, nargs="*", default=[])
    parser.add_argument("--evaluation", type=Path, nargs="*", default=[])
    parser.add_argument("--cache", type=Path, default=None, help="keep observed cues here")
    parser.add_argument("--out", type=Path, default=None, help="save the fitted model here")
    parser.add_argument("--model", type=Path, default=None, help="robust: decide with this model")
    parser.add_argument("--level", default="medium", help="robust: the level decided at")
    parser.add_argument(
        "--people",
        choices=("bundled", "frl"),
        default="bundled",
        help="robust: faces of the condition rows: the two bundled portraits, or FRL London's "
        "neutral photos (two per recorded ethnicity; shared data)",
    )
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
    tables = {
        "main": main_table,
        "robust": robust_table,
        "fusion": fusion_table,
        "steps": steps_table,
        "real": real_table,
    }
    tables[arguments.table](arguments)
