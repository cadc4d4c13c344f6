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
#: People folds for cross-fitting the surface classifier on a site's own folders.
SURFACE_FOLDS = 5
HELD_OUT = "held out"


@dataclass(frozen=True, eq=False)
class Observed:
    """What training keeps of one presentation: every cue but surface, and the surface crops."""

    path: str
    label: str
    split: str
    subject: str = ""
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
                return Observed(
                    str(entry.path), entry.label, entry.split, person(entry), error="no face found"
                )
            bpp = bits_per_pixel(entry.path, observation)
            cues = engine.cues_without_surface(observation, track, bpp)
            cues["recapture"] = recapture_cue(track.views(), recapture_model(self.recapture))
            cues.update(answer)
            crops = tuple((crop, size) for _, crop, size in track.crops)
            return Observed(
                str(entry.path),
                entry.label,
                entry.split,
                person(entry),
                cues=cues,
                crops=crops,
                still=observation.still,
            )
        except UnmaskError as exc:
            return Observed(
                str(entry.path),
                entry.label,
                entry.split,
                person(entry),
                error=str(exc).splitlines()[0],
            )


@cache
def recapture_model(path: str | None) -> RecaptureModel | None:
    """The recapture classifier a training run observes with, loaded once per process."""
    return RecaptureModel.load(path) if path else None


def person(entry: ProtocolEntry) -> str:
    """Who a presentation shows; a row without a subject is a person of its own."""
    return entry.subject or str(entry.path)


def subject_share(seed: int, subject: str) -> float:
    """A fixed pseudo-random position in [0, 1] for a person, so splits are reproducible."""
    return int(hashlib.sha256(f"{seed}:{subject}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def declares_splits(entries: Sequence[ProtocolEntry]) -> bool:
    """Whether a protocol names its own train and dev rows (lab runs and public protocols)."""
    return {"train", "dev"} <= {e.split for e in entries}


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
    if declares_splits(entries):
        return [e.split if e.split in ("train", "dev") else HELD_OUT for e in entries]
    splits = []
    for entry in entries:
        subject = person(entry)
        share = subject_share(seed, subject)
        if subject in test_subjects or (not test_subjects and share < test_share):
            splits.append(HELD_OUT)
        else:
            rest = (share - test_share) / (1.0 - test_share) if not test_subjects else share
            splits.append("dev" if rest < DEV_SHARE else "train")
    return splits


def fitted_surface(
    items: Sequence[Observed],
    features: Sequence[list[NDArray[np.float64]]],
    c: float,
    provenance: list[dict[str, Any]],
) -> SurfaceModel:
    """The texture classifier fitted on every crop of the given presentations (`features`
    holds each presentation's crop features, computed once however often it is fitted)."""
    rows = [f for crops in features for f in crops]
    labels = [
        int(o.label == BONA_FIDE) for o, crops in zip(items, features, strict=True) for _ in crops
    ]
    if len(set(labels)) < 2:
        raise InputError(
            "the surface classifier needs bona fide and attack faces among the people it "
            "learns from (the train split, or every person but one fold's)"
        )
    return SurfaceModel(C=c).fit(
        np.stack(rows), np.asarray(labels), provenance={"data": provenance, "crops": len(rows)}
    )


def crop_features(items: Sequence[Observed]) -> list[list[NDArray[np.float64]]]:
    return [[surface_features(crop) for crop, _ in item.crops] for item in items]


def cross_fitted_surface(
    items: Sequence[Observed], c: float, seed: int, provenance: list[dict[str, Any]]
) -> tuple[SurfaceModel, list[dict[str, CueScore]], int]:
    """The texture classifier fitted on every presentation, and each presentation's cues with
    a surface score from a classifier that never saw its person (k folds of people).

    A site's own folders rarely hold more than a handful of people. Halving them into a train
    and a calibration split left the classifier two to four people to learn from, and how well
    it did depended on which (REAL NUAA, three folds of six training people: held-out EER 0.6
    to 3.9 %). Cross-fitting lets every person train the final classifier and calibrate the
    fusion, and the calibration still sees only scores of people the scoring classifier never
    saw."""
    people = sorted({o.subject for o in items}, key=lambda name: subject_share(seed, name))
    folds = min(SURFACE_FOLDS, len(people))
    if folds < 2:
        raise InputError(
            "the surface classifier needs faces of at least two people (give each person a "
            "folder of their own, or a subject column)"
        )
    fold_of = {name: rank % folds for rank, name in enumerate(people)}
    features = crop_features(items)
    cues: list[dict[str, CueScore]] = [{} for _ in items]
    for fold in range(folds):
        inside = [fold_of[o.subject] == fold for o in items]
        outside = [i for i, held in enumerate(inside) if not held]
        model = fitted_surface(
            [items[i] for i in outside], [features[i] for i in outside], c, provenance
        )
        for i, held in enumerate(inside):
            if held:
                cues[i] = with_surface(items[i], model)
    return fitted_surface(items, features, c, provenance), cues, folds


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
    without: Collection[str] = (),
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
    `without` names cues the fusion leaves out (`surface` among them fits no texture classifier,
    as `with_surface_model=False`): the model never weighs them, though the engine still
    reports them (on a site's own NUAA folders the shipped recapture cue, weighted beside
    the site's texture classifier, took one fold's held-out EER from 2.0 % to 3.6 % and lowered
    the other two's: which cues help is the site's to read off its held-out report).
    """
    extras = tuple(str(Path(p).absolute()) for p in extra_models)
    loaded = load_extra_models(extras)
    identities = [m.identity for m in loaded]
    known = (*CUE_NAMES, *(m.cue for m in loaded))
    unknown = sorted(set(without) - set(known))
    if unknown:
        raise InputError(
            f"--without: no cue named {', '.join(unknown)}; the cues: {', '.join(known)}"
        )
    with_surface_model = with_surface_model and "surface" not in without
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
    # Without declared splits every person both trains the surface classifier and calibrates
    # the fusion, through cross-fitting; with no classifier to fit, the train rows would sit
    # idle, so they join the calibration.
    cross_fit = with_surface_model and not any(declares_splits(p.entries) for p in protocols)
    calibrating = ("dev",) if with_surface_model and not cross_fit else ("train", "dev")
    dev = [o for o, s in usable if s in calibrating]
    train = dev if cross_fit else [o for o, s in usable if s == "train" and with_surface_model]
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
    folds = 0
    if cross_fit:
        surface, dev_cues, folds = cross_fitted_surface(dev, surface_c, seed, provenance_data)
    else:
        if with_surface_model:
            surface = fitted_surface(train, crop_features(train), surface_c, provenance_data)
        dev_cues = [with_surface(o, surface) for o in dev]
    seen = dict.fromkeys([*CUE_NAMES, *(n for c in dev_cues for n in c)])
    names = tuple(n for n in seen if n not in without)
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
        "cues_left_out": sorted(without),
        "surface_cross_fit_folds": folds,
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
        "surface_crops": int(surface.provenance_.get("crops", 0)) if surface else 0,
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
