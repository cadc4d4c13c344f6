"""PAD engine figures on an attack-lab protocol (SIMULATED data) — issue 5's "what it must measure".

    uv run unmask lab generate --out out/lab-eval --clips 4 --seconds 12 --seed 77 \
        --codec h264 --crf 0 --channels rgb,thermal,nir,depth
    uv run python benchmarks/pad.py --lab out/lab-eval [--conditions]

(`--lab` may be given several times, e.g. one lab folder per species rendered in parallel.)

Prints, per security level, APCER per species, worst-species APCER and BPCER; the same with
each cue removed (ablation); with --conditions, the default level as compression (re-encoded
at higher CRF), lighting (frames darkened before analysis) and clip length vary; the impostor
attack presentation accept rate (IAPAR) with and without the liveness veto; the cost per frame
of all cues; and how many seconds of video each decision needed.
All of it is simulation: lab clips are rendered, not recorded. Use a lab seed the default
model was not trained on (its pad.json names the training seed).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from unmask.evaluation.protocols.base import ProtocolEntry, read_protocol_csv
from unmask.identity import DEFAULT_FMR, ProbeMaker, threshold_for_fmr
from unmask.identity.embedder import embed_face
from unmask.lab import load_identities
from unmask.lab.store import write_video
from unmask.liveness.engine import LivenessEngine, load_channel
from unmask.liveness.fusion import withheld
from unmask.liveness.levels import LEVEL_SPECS
from unmask.liveness.model import default_model
from unmask.liveness.training import channel_paths
from unmask.media import read_video
from unmask.parallel import parallel_map
from unmask.types import CueScore, Frame

LENGTHS = (2.0, 4.0, 6.0, 12.0)
CHANNELS = ("thermal", "nir", "depth")


@dataclass(frozen=True)
class Condition:
    """How a clip is altered before the engine sees it."""

    name: str
    crf: int | None = None
    gain: float = 1.0
    seconds: float | None = None


@dataclass(frozen=True)
class Outcome:
    path: str
    label: str
    condition: str
    cues: dict[str, CueScore]
    frames: int
    cpu_s: float
    error: str | None = None


def darkened(path: Path, gain: float) -> Iterator[Frame]:
    for frame in read_video(path):
        yield Frame(
            np.clip(frame.image * gain, 0, 255).astype(np.uint8),
            frame.index,
            frame.timestamp,
            frame.source,
        )


@dataclass(frozen=True)
class Job:
    scratch: str

    def __call__(self, item: tuple[str, ProtocolEntry, Condition]) -> Outcome:
        root, entry, condition = item
        engine = LivenessEngine(max_seconds=condition.seconds or LENGTHS[-1])
        source: Path | Iterator[Frame] = entry.path
        if condition.crf is not None:
            target = Path(self.scratch) / condition.name / entry.path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            write_video(
                target, (f.image for f in read_video(entry.path)), 30.0, "h264", condition.crf
            )
            source = target
        elif condition.gain != 1.0:
            source = darkened(entry.path, condition.gain)
        start = time.process_time()
        try:
            channels = {n: load_channel(p) for n, p in channel_paths(entry, Path(root)).items()}
            observation = engine.observe(source, channels)
            track = observation.main_track()
            if track is None:
                return Outcome(str(entry.path), entry.label, condition.name, {}, 0, 0.0, "no face")
            cues = engine.cues(observation, track)
        except Exception as exc:  # a benchmark reports failures and goes on
            return Outcome(
                str(entry.path), entry.label, condition.name, {}, 0, 0.0, str(exc).splitlines()[0]
            )
        return Outcome(
            str(entry.path),
            entry.label,
            condition.name,
            cues,
            observation.frames_seen,
            time.process_time() - start,
        )


def rates(outcomes: list[Outcome], level: str, removed: tuple[str, ...] = ()) -> dict[str, float]:
    fusion = default_model().fusion
    accepted: dict[str, list[bool]] = {}
    for outcome in outcomes:
        cues = withheld(outcome.cues, removed) if outcome.cues else {}
        decision = fusion.decide(cues, level)[0] if cues else "inconclusive"
        accepted.setdefault(outcome.label, []).append(decision == "bona_fide")
    table = {label: float(np.mean(values)) for label, values in accepted.items()}
    attacks = [v for k, v in table.items() if k != "bona_fide"]
    table["apcer_max"] = max(attacks) if attacks else float("nan")
    table["bpcer"] = 1.0 - table.pop("bona_fide", float("nan"))
    return table


def print_decisions(outcomes: list[Outcome], level: str, labels: list[str]) -> None:
    """Decision counts per species, and how often the species guess of an attack was right."""
    fusion = default_model().fusion
    print(
        f"\n### Decisions at level {level} (bona fide / attack / inconclusive; species guessed right)\n"
    )
    print("| label | bona fide | attack | inconclusive | species guess right |")
    print("|---|---|---|---|---|")
    for label in labels:
        tally = {"bona_fide": 0, "attack": 0, "inconclusive": 0}
        right = 0
        for outcome in (o for o in outcomes if o.label == label and o.cues):
            decision = fusion.decide(outcome.cues, level)[0]
            tally[decision] += 1
            if decision == "attack" and fusion.species(outcome.cues)[0] == label:
                right += 1
        guess = f"{right} of {tally['attack']}" if label != "bona_fide" else "-"
        print(
            f"| {label} | {tally['bona_fide']} | {tally['attack']} | {tally['inconclusive']} | {guess} |"
        )


def print_cue_table(outcomes: list[Outcome], labels: list[str], cue_names: list[str]) -> None:
    """Per species and cue: mean score over the clips where the cue was conclusive (k of n)."""
    print("\n### Cue scores per species (mean where conclusive, conclusive clips / clips)\n")
    print("| label | " + " | ".join(cue_names) + " |")
    print("|---" * (len(cue_names) + 1) + "|")
    for label in labels:
        mine = [o for o in outcomes if o.label == label and o.cues]
        cells = []
        for name in cue_names:
            values = [c.score for o in mine if (c := o.cues.get(name)) and c.score is not None]
            mean = f"{np.mean(values):.2f}" if values else "-"
            cells.append(f"{mean} ({len(values)}/{len(mine)})")
        print(f"| {label} | " + " | ".join(cells) + " |")


def print_rates(title: str, rows: Mapping[str, dict[str, float]], species: list[str]) -> None:
    print(f"\n{title}\n")
    print("| setting | " + " | ".join(f"APCER {s}" for s in species) + " | worst APCER | BPCER |")
    print("|---" * (len(species) + 3) + "|")
    for name, table in rows.items():
        cells = " | ".join(f"{table.get(s, float('nan')):.0%}" for s in species)
        print(f"| {name} | {cells} | {table['apcer_max']:.0%} | {table['bpcer']:.0%} |")


def iapar(
    entries: list[ProtocolEntry], outcomes: list[Outcome], level: str
) -> tuple[float, float, int]:
    """Attacks that match their target (FMR 1e-3) without PAD, and with the liveness veto."""
    people, _ = load_identities(None)
    maker = ProbeMaker()
    references = {}
    for name, photos in people.items():
        face = maker.analyzer.analyze(Frame(photos[0].image))[0]
        references[name] = embed_face(photos[0].image, face.box, face.mesh)
    threshold = threshold_for_fmr(DEFAULT_FMR)
    fusion = default_model().fusion
    by_path = {o.path: o for o in outcomes}
    matched = vetoed = total = 0
    for entry in entries:
        if entry.label == "bona_fide" or entry.target not in references:
            continue
        probes = maker.probes(entry.path)
        if not probes:
            continue
        total += 1
        probe = max(probes, key=lambda p: (p.last_seen or 0) - (p.first_seen or 0))
        if float(np.linalg.norm(probe.embedding - references[str(entry.target)])) <= threshold:
            matched += 1
            outcome = by_path.get(str(entry.path))
            if outcome and outcome.cues and fusion.decide(outcome.cues, level)[0] == "bona_fide":
                vetoed += 1
    return matched / max(total, 1), vetoed / max(total, 1), total


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--lab", type=Path, action="append", required=True, help="lab output folder; repeatable"
    )
    parser.add_argument("--level", default="medium")
    parser.add_argument(
        "--conditions", action="store_true", help="also vary compression, lighting and length"
    )
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    protocols = [read_protocol_csv(folder / "protocol.csv") for folder in args.lab]
    entries = [(str(p.root), entry) for p in protocols for entry in p.entries]
    species = sorted({e.label for _, e in entries if e.label != "bona_fide"})
    conditions = [Condition("as rendered")]
    if args.conditions:
        conditions += [
            Condition("h264 crf 30", crf=30),
            Condition("h264 crf 40", crf=40),
            Condition("darkened x0.35", gain=0.35),
        ]
        conditions += [Condition(f"first {s:g} s", seconds=s) for s in LENGTHS[:-1]]
    jobs = [(root, entry, condition) for condition in conditions for root, entry in entries]
    scratch = str(args.lab[0] / "conditions")
    outcomes = parallel_map(Job(scratch), jobs, workers=args.workers, description="judging")
    failures = [o for o in outcomes if o.error]
    base = [o for o in outcomes if o.condition == "as rendered"]
    counts = {label: sum(e.label == label for _, e in entries) for label in ["bona_fide", *species]}
    print(
        f"lab protocols: {len(args.lab)} folders, {len(entries)} presentations {counts}; SIMULATED"
    )
    print(f"model: {default_model().provenance.get('command')}; failures: {len(failures)}")
    print_rates(
        "Per security level", {spec.name: rates(base, spec.name) for spec in LEVEL_SPECS}, species
    )
    print_rates(
        "Per security level, colour camera only (no thermal/NIR/depth)",
        {spec.name: rates(base, spec.name, CHANNELS) for spec in LEVEL_SPECS},
        species,
    )
    cue_names = sorted(
        {name for o in base for name, cue in o.cues.items() if cue.score is not None}
    )
    ablation = {
        "all cues": rates(base, args.level),
        "colour camera only (no thermal/NIR/depth)": rates(base, args.level, CHANNELS),
    }
    ablation |= {f"without {c}": rates(base, args.level, (c,)) for c in cue_names}
    print_rates(f"Ablation at level {args.level} (cue removed)", ablation, species)
    if args.conditions:
        print_rates(
            f"Conditions at level {args.level}",
            {
                c.name: rates([o for o in outcomes if o.condition == c.name], args.level)
                for c in conditions
            },
            species,
        )
    print_decisions(base, args.level, ["bona_fide", *species])
    print_cue_table(base, ["bona_fide", *species], cue_names)
    without, with_veto, attacks = iapar([e for _, e in entries], base, args.level)
    print(
        f"\nIAPAR over {attacks} attack presentations (match to target at FMR {DEFAULT_FMR:g}): "
        f"without PAD {without:.0%}, with the liveness veto at {args.level} {with_veto:.0%}"
    )
    frames = sum(o.frames for o in base)
    cpu = sum(o.cpu_s for o in base)
    print(
        f"\ncost: {cpu / max(frames, 1) * 1000:.1f} ms CPU per frame for the face stage and all "
        f"cues ({frames} frames, one process per core)"
    )
    if args.conditions:
        for seconds in LENGTHS[:-1]:
            table = rates(
                [o for o in outcomes if o.condition == f"first {seconds:g} s"], args.level
            )
            print(
                f"with {seconds:g} s of video: worst APCER {table['apcer_max']:.0%}, "
                f"BPCER {table['bpcer']:.0%}"
            )
    for outcome in failures:
        print(f"failed: {outcome.path} [{outcome.condition}]: {outcome.error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
