"""`unmask pad train`: build the surface classifier and the fusion from labelled presentations.

Two stages on disjoint data, so neither is judged on what it learned from: the surface
classifier learns on the `train` split, then every cue of the `dev` split (surface included)
calibrates the fusion and sets the security levels. The levels are set for colour video (the
common deployment): extra channels, where given, only add evidence on top. Without declared splits the presentations
are split by subject (a person never lands on both sides).
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from unmask.data import REPO_ROOT
from unmask.errors import InputError, UnmaskError
from unmask.evaluation.protocols.base import Protocol, ProtocolEntry
from unmask.liveness.challenge import Challenge, observe_answer
from unmask.liveness.channels import CHANNEL_NAMES
from unmask.liveness.engine import (
    LivenessEngine,
    bits_per_pixel,
    load_channel,
    surface_from_crops,
)
from unmask.liveness.extra_model import load_extra_models
from unmask.liveness.fusion import CUE_NAMES, FusionModel
from unmask.liveness.levels import DEFAULT_LEVEL
from unmask.liveness.model import PadModel
from unmask.liveness.observe import Observation
from unmask.liveness.recapture import RecaptureModel, recapture_cue
from unmask.liveness.sensors import DEFAULT_MAX_SECONDS
from unmask.liveness.surface import SurfaceModel, surface_features
from unmask.liveness.workers import process_engine
from unmask.media import iter_frames
from unmask.parallel import parallel_map
from unmask.species import BONA_FIDE
from unmask.types import CueScore

DEV_SHARE = 0.5
HELD_OUT = "held out"


@dataclass(frozen=True, eq=False)
class Observed:
    """What training keeps of one presentation: every cue but surface, and the surface crops."""

    path: str
    label: str
    split: str
    cues: dict[str, CueScore] = field(default_factory=dict)
    crops: tuple[tuple[NDArray[np.uint8], float], ...] = ()
    error: str | None = None
    simulated: bool = False
    still: bool = False


def channel_paths(entry: ProtocolEntry, root: Path) -> dict[str, Path]:
    """Extra sensor files named in a protocol's `<channel>_path` columns."""
    found = {}
    for name in CHANNEL_NAMES:
        value = entry.extra.get(f"{name}_path")
        if value:
            found[name] = (root / value) if not Path(value).is_absolute() else Path(value)
    return found


def observe_entry(
    engine: LivenessEngine, entry: ProtocolEntry, root: Path
) -> tuple[Observation, dict[str, CueScore]]:
    """Observe one protocol presentation with its extra sensor files; where its
    `challenge_path` names the challenge it answered (lab clips), check that too in the same
    pass and return the challenge's cues for the main face (else none)."""
    channels = {n: load_channel(p) for n, p in channel_paths(entry, root).items()}
    value = entry.extra.get("challenge_path")
    if not value:
        return engine.observe(entry.path, channels), {}
    challenge = Challenge.load(root / value if not Path(value).is_absolute() else Path(value))
    frames = iter_frames(entry.path, max_seconds=engine.max_seconds)
    observation, result = observe_answer(
        frames, challenge, engine.analyzer, channels=channels, max_seconds=engine.max_seconds
    )
    return observation, dict(result.cues)


def is_simulated(protocol: Protocol) -> bool:
    """A protocol the attack lab wrote (its metadata.json says `simulation`): its bona fide
    faces are rendered, so no BPCER measured on them may be reported as a real-face figure."""
    metadata = protocol.root / "metadata.json"
    try:
        return bool(json.loads(metadata.read_text()).get("simulation"))
    except (OSError, ValueError, AttributeError):
        return False


@dataclass(frozen=True)
class ObserveJob:
    """Picklable per-presentation work for the process pool."""

    root: str
    max_seconds: float | None
    model: str | None = None
    extra: tuple[str, ...] = ()
    recapture: str | None = None

    def __call__(self, entry: ProtocolEntry) -> Observed:
        engine = process_engine(self.model, max_seconds=self.max_seconds, extra=self.extra)
        try:
            observation, answer = observe_entry(engine, entry, Path(self.root))
            track = observation.main_track()
            if track is None:
                return Observed(str(entry.path), entry.label, entry.split, error="no face found")
            bpp = bits_per_pixel(entry.path, observation)
            cues = engine.cues_without_surface(observation, track, bpp)
            cues["recapture"] = recapture_cue(track.views(), recapture_model(self.recapture))
            cues.update(answer)
            crops = tuple((crop, size) for _, crop, size in track.crops)
            return Observed(
                str(entry.path),
                entry.label,
                entry.split,
                cues=cues,
                crops=crops,
                still=observation.still,
            )
        except UnmaskError as exc:
            return Observed(
                str(entry.path), entry.label, entry.split, error=str(exc).splitlines()[0]
            )


@cache
def recapture_model(path: str | None) -> RecaptureModel | None:
    """The recapture classifier a training run observes with, loaded once per process."""
    return RecaptureModel.load(path) if path else None


def assign_splits(
    entries: Sequence[ProtocolEntry],
    seed: int,
    test_subjects: Collection[str] = (),
    test_share: float = 0.0,
) -> list[str]:
    """A protocol's declared train/dev splits are kept (its test and enrolment rows are held
    out, never trained on); otherwise its subjects are hashed into train, dev and, with
    `test_share` or named `test_subjects`, a held-out test split. A person never lands on two
    sides, so the held-out figures are for people the model never saw."""
    declared = {e.split for e in entries}
    if {"train", "dev"} <= declared:
        return [e.split if e.split in ("train", "dev") else HELD_OUT for e in entries]
    splits = []
    for entry in entries:
        subject = entry.subject or str(entry.path)
        key = f"{seed}:{subject}".encode()
        share = int(hashlib.sha256(key).hexdigest()[:8], 16) / 0xFFFFFFFF
        if subject in test_subjects or (not test_subjects and share < test_share):
            splits.append(HELD_OUT)
        else:
            rest = (share - test_share) / (1.0 - test_share) if not test_subjects else share
            splits.append("dev" if rest < DEV_SHARE else "train")
    return splits


def surface_set(observed: Sequence[Observed]) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    features, labels = [], []
    for item in observed:
        for crop, _ in item.crops:
            features.append(surface_features(crop))
            labels.append(int(item.label == BONA_FIDE))
    if not features:
        return np.zeros((0, 0)), np.zeros(0, dtype=np.int64)
    return np.stack(features), np.asarray(labels)


def with_surface(item: Observed, model: SurfaceModel | None) -> dict[str, CueScore]:
    return {**item.cues, "surface": surface_from_crops(item.crops, model)}


def train_pad(
    protocols: Sequence[Protocol],
    *,
    seed: int = 0,
    workers: int | None = None,
    max_seconds: float | None = DEFAULT_MAX_SECONDS,
    surface_c: float = 0.1,
    with_surface_model: bool = True,
    progress: bool = True,
    command: str = "",
    test_subjects: Collection[str] = (),
    test_share: float = 0.0,
    held_out_report: bool = True,
    extra_models: Sequence[str] = (),
    recapture: str | None = None,
) -> tuple[PadModel, dict[str, Any]]:
    """Observe every presentation, fit surface on train, calibrate fusion on dev, and judge
    the held-out rows (declared test rows, `test_subjects`, or a `test_share` of subjects)
    with the finished model, so every training run says how it does on people it never saw.

    `with_surface_model=False` leaves the texture classifier out: a classifier fitted on data
    unlike the cameras it will meet (the simulated lab) accuses real faces, and a model without
    one decides on the physiological and geometric cues alone; every train row then calibrates.
    `extra_models` (ONNX files with their sidecars) add their cues, calibrated like the others;
    the model records their identity and refuses to run with any other file. `recapture` is
    the recapture classifier (scripts/train_recapture.py) the model carries and calibrates.
    """
    extras = tuple(str(Path(p).absolute()) for p in extra_models)
    identities = [m.identity for m in load_extra_models(extras)]
    wanted = ("train", "dev", HELD_OUT) if held_out_report else ("train", "dev")
    observed: list[tuple[Observed, str]] = []
    for protocol in protocols:
        splits = assign_splits(protocol.entries, seed, test_subjects, test_share)
        chosen = [(e, s) for e, s in zip(protocol.entries, splits, strict=True) if s in wanted]
        results = parallel_map(
            ObserveJob(str(protocol.root), max_seconds, extra=extras, recapture=recapture),
            [e for e, _ in chosen],
            workers=workers,
            description=f"observing {protocol.name}",
            progress=progress,
        )
        simulated = is_simulated(protocol)
        observed += [
            (replace(result, simulated=simulated), split)
            for result, (_, split) in zip(results, chosen, strict=True)
        ]
    if not any(s != HELD_OUT for _, s in observed):
        raise InputError("no presentations to train on (only test or enrolment rows?)")
    usable = [(o, s) for o, s in observed if o.error is None]
    failures = {o.path: o.error for o, _ in observed if o.error is not None}
    # With no classifier to fit, the train rows would sit idle: they join the calibration.
    calibrating = ("dev",) if with_surface_model else ("train", "dev")
    train = [o for o, s in usable if s == "train"] if with_surface_model else []
    dev = [o for o, s in usable if s in calibrating]
    provenance_data = [
        {
            "name": p.name,
            "root": portable_path(p.root),
            "presentations": len(p),
            "labels": p.label_counts(),
            "simulated": is_simulated(p),
        }
        for p in protocols
    ]
    surface = None
    crops = 0
    if with_surface_model:
        features, labels = surface_set(train)
        crops = int(len(labels))
        if len(set(labels.tolist())) < 2:
            raise InputError(
                "the train split needs bona fide and attack faces to fit the surface classifier"
            )
        surface = SurfaceModel(C=surface_c).fit(
            features, labels, provenance={"data": provenance_data, "crops": crops}
        )
    dev_cues = [with_surface(o, surface) for o in dev]
    names = tuple(dict.fromkeys([*CUE_NAMES, *(n for c in dev_cues for n in c)]))
    fusion = FusionModel(cues=names).fit(
        dev_cues,
        [o.label for o in dev],
        real=[not o.simulated for o in dev],
        still=[o.still for o in dev],
    )
    provenance = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": command,
        "seed": seed,
        "data": provenance_data,
        "surface_classifier": with_surface_model,
        "train_presentations": len(train),
        "dev_presentations": len(dev),
        "failures": len(failures),
        "python": platform.python_version(),
        "note": "levels and calibration are measured on the dev split named here; results on other data will differ",
    }
    summary = {
        "train": counts(train),
        "dev": counts(dev),
        "failures": failures,
        "surface_crops": crops,
    }
    held_out = [o for o, s in usable if s == HELD_OUT]
    if held_out:
        summary["held_out"] = held_out_scores(held_out, surface, fusion)
    model = PadModel(
        surface=surface,
        fusion=fusion,
        provenance=provenance,
        extra_models=identities,
        recapture=recapture_model(recapture),
    )
    return model, summary


def held_out_scores(
    items: Sequence[Observed], surface: SurfaceModel | None, fusion: FusionModel
) -> list[dict[str, Any]]:
    """Rows in `pad score`'s contract (path, label, score, decision) for the held-out
    presentations, judged at the default level by the model just fitted."""
    rows = []
    for item in items:
        cues = with_surface(item, surface)
        decision, score, _, _ = fusion.decide(cues, DEFAULT_LEVEL)
        rows.append(
            {
                "path": item.path,
                "label": item.label,
                "score": score,
                "decision": decision,
                "simulated": item.simulated,
            }
        )
    return rows


def portable_path(path: Path) -> str:
    """A data path as provenance records it: relative to the repository (or to the shared data
    beside it) where it lies there, so a model file names no one's home folder."""
    resolved = path.resolve()
    for base, prefix in ((REPO_ROOT, ""), (REPO_ROOT.parent / "shared", "../shared/")):
        if resolved.is_relative_to(base.resolve()):
            return prefix + resolved.relative_to(base.resolve()).as_posix()
    return resolved.name


def counts(items: Sequence[Observed]) -> Mapping[str, int]:
    labels, number = np.unique([o.label for o in items], return_counts=True)
    return {str(k): int(v) for k, v in zip(labels, number, strict=True)}
