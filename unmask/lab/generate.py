"""A labelled set of presentations on disk: videos, extra channels, protocol.csv, metadata.json.

The protocol follows the evaluation's generic format (`path,label,subject,target,split`, paths
relative to the CSV) and then lists every parameter the clip was drawn with, so any failure of a
detector can be traced to the physics that caused it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from unmask.errors import InputError, NoFaceError
from unmask.lab import channels as ch
from unmask.lab.faces import FacePhoto, PhotoFile, catalogue
from unmask.lab.glasses import GLASSES_RANGES
from unmask.lab.living import skin_ita
from unmask.lab.ranges import PRESETS, RANGES, SPECIES
from unmask.lab.render import iter_presentation
from unmask.lab.respond import RESPONSE_COLUMNS
from unmask.lab.store import check_size, suffix, write_npz, write_video
from unmask.lab_names import SIMULATION_NOTE
from unmask.liveness.challenge import Challenge, ChallengeIssuer
from unmask.liveness.sensors import DEFAULT_SECONDS
from unmask.species import BONA_FIDE

FIXED_COLUMNS = ("path", "label", "subject", "target", "split")
CLIP_COLUMNS = (
    "simulated",
    "seed",
    "codec",
    "crf",
    "fps",
    "seconds",
    "width",
    "height",
    "photo_subject",
    "photo_target",
    "subject_ita_deg",
    "target_ita_deg",
)
DERIVED_COLUMNS = (
    "mains_hz",
    "hr_bpm",
    "source_hr_bpm",
    "pulse_source",
    "skin_ita_deg",
    "pulse_amplitude_effective",
    "blinks",
)
SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class Job:
    species: str
    index: int
    seed: int
    subject: FacePhoto
    target: FacePhoto
    split: str


def clip_seed(seed: int, species: str, index: int) -> int:
    """A clip's own seed: fixed by the run seed, its species and its number, nothing else."""
    state = np.random.SeedSequence([seed, SPECIES.index(species), index]).generate_state(1)
    return int(state[0])


def usable(entry: FacePhoto | PhotoFile) -> FacePhoto | None:
    return entry if isinstance(entry, FacePhoto) else entry.photo()


def plan(
    identities: Mapping[str, Sequence[FacePhoto | PhotoFile]],
    species: Sequence[str],
    clips: int,
    seed: int,
) -> list[Job]:
    """Who wears what: bona fide clips cycle through identities; each attack shows a target and
    is worn or held by a different identity (impostor attacks). Splits are subject-disjoint
    (subjects dealt round-robin to train/dev/test as they first appear, so a few clips drawn
    from hundreds of people still fill every split) when there are three or more identities,
    else dealt by clip number. Photos are located as they are drawn; one without a usable face
    leaves the pool and the draw is repeated, so every job gets located photos."""
    names = sorted(identities)
    pool = {name: list(identities[name]) for name in names}
    dealt: dict[str, str] = {}  # subject -> split, dealt round-robin as subjects first appear
    if len(names) < 2 and any(s != BONA_FIDE for s in species):
        raise InputError(
            "attacks need at least two identities (a wearer and a target); give --faces more people"
        )
    jobs = []
    for kind in species:
        for index in range(clips):
            rng = np.random.default_rng([seed, SPECIES.index(kind), index, 7])
            while True:
                alive = [n for n in names if pool[n]]
                if len(alive) < (1 if kind == BONA_FIDE else 2):
                    raise NoFaceError(f"too few identities with a usable face for {kind}")
                target_name = alive[(index + int(rng.integers(len(alive)))) % len(alive)]
                if kind == BONA_FIDE:
                    subject_name = target_name
                else:
                    others = [n for n in alive if n != target_name]
                    subject_name = others[int(rng.integers(len(others)))]
                target_entry = pool[target_name][int(rng.integers(len(pool[target_name])))]
                subject_entry = pool[subject_name][int(rng.integers(len(pool[subject_name])))]
                target, subject = usable(target_entry), usable(subject_entry)
                if target is not None and subject is not None:
                    break
                for entry, photo, name in (
                    (target_entry, target, target_name),
                    (subject_entry, subject, subject_name),
                ):
                    if photo is None and entry in pool[name]:
                        pool[name].remove(entry)
            if len(names) >= 3:
                split = dealt.setdefault(subject_name, SPLITS[len(dealt) % 3])
            else:
                split = SPLITS[index % 3]
            jobs.append(Job(kind, index, clip_seed(seed, kind, index), subject, target, split))
    return jobs


def photo_ita(photo: FacePhoto) -> float:
    """Skin tone of a person as photographed (cheek ITA, before any `skin_darkening`)."""
    return skin_ita(photo.image.astype(np.float32) / np.float32(255.0), photo.layout)


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def generate(
    out_dir: str | Path,
    *,
    species: Sequence[str] = SPECIES,
    clips: int = 1,
    seconds: float = 5.0,
    fps: float = 30.0,
    size: tuple[int, int] = (640, 480),
    channels: Sequence[str] = ("rgb",),
    codec: str | None = None,
    crf: int | None = None,
    seed: int = 0,
    faces: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    challenge: Challenge | None = None,
    preset: str = "default",
    challenge_kinds: Sequence[str] = (),
    glasses: bool = False,
) -> Path:
    """Render `clips` presentations of each species into `out_dir`; returns protocol.csv.

    `faces` is a folder (one identity per sub-folder or per photo); None uses the permissively
    licensed face sets of the shared data when present (242 people across skin tones), else the
    public-domain portraits shipped with scikit-image and matplotlib. `preset` names the ranges
    and codec (`unmask.lab.ranges.PRESETS`): "default" has nuisances measured on real video
    and H.264 at CRF 0, what a camera feeding unmask directly gives; "web" compresses as web
    video does, which removes most of a pulse; "hard" is the stress test. `codec` and `crf`
    override the preset's. With `challenge`, every clip responds to it (unmask.lab.respond)
    and the protocol gains the response parameters; with `challenge_kinds` instead, every clip
    responds to a challenge of its own (`lab_challenge`), as a calibration or evaluation set
    needs. Either way each clip's challenge is written beside it (`challenge_path`). With
    `glasses`, living faces and mask wearers wear glasses (unmask.lab.glasses), whose drawn
    parameters join the protocol.
    """
    if challenge is not None and challenge_kinds:
        raise InputError("give one challenge for every clip or kinds for one per clip, not both")
    if preset not in PRESETS:
        raise InputError(f"unknown preset {preset!r}; choose from {', '.join(PRESETS)}")
    codec = PRESETS[preset].codec if codec is None else codec
    crf = PRESETS[preset].crf if crf is None else crf
    unknown = [s for s in species if s not in SPECIES]
    if unknown:
        raise InputError(f"unknown species {', '.join(unknown)}; choose from {', '.join(SPECIES)}")
    if clips < 1:
        raise InputError(f"--clips {clips}: must be at least 1")
    if not 0 <= crf <= 51:
        raise InputError(f"--crf {crf}: must be between 0 and 51")
    suffix(codec)
    check_size(codec, *size)
    extra = tuple(c for c in channels if c != "rgb")
    out = Path(out_dir)
    identities = catalogue(Path(faces) if faces is not None else None)
    jobs = plan(identities, list(species), clips, seed)
    skipped = sorted(
        str(entry.failure)
        for entries in identities.values()
        for entry in entries
        if entry.failure is not None
    )
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for done, job in enumerate(jobs):
        own = lab_challenge(job.seed, challenge_kinds, seconds) if challenge_kinds else challenge
        rows.append(
            write_clip(out, job, seconds, fps, size, extra, codec, crf, own, preset, glasses)
        )
        if progress is not None:
            progress(done + 1, len(jobs))
    protocol = out / "protocol.csv"
    ordered = [
        *FIXED_COLUMNS,
        *(f"{c}_path" for c in extra),
        *CLIP_COLUMNS,
        *DERIVED_COLUMNS,
        *RANGES,
        *(("challenge_path", *RESPONSE_COLUMNS) if challenge or challenge_kinds else ()),
        *(("glasses", *GLASSES_RANGES) if glasses else ()),
    ]
    columns = list(dict.fromkeys(ordered))  # hr_bpm is both sampled and measured: keep one
    with protocol.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({name: cell(row.get(name)) for name in columns})
    metadata = {
        "simulation": True,
        "note": SIMULATION_NOTE,
        "seed": seed,
        "preset": preset,
        "species": list(species),
        "clips_per_species": clips,
        "seconds": seconds,
        "fps": fps,
        "size": list(size),
        "channels": ["rgb", *extra],
        "channel_units": {c: ch.UNITS[c] for c in extra},
        "channel_downscale": {c: ch.SCALE[c] for c in extra},
        "codec": codec,
        "crf": crf if codec != "lossless" else None,
        "identities": len(identities),
        "faces": sorted({p.source for job in jobs for p in (job.subject, job.target)}),
        "skipped_photos": skipped,
        "ranges": {name: r.as_dict() for name, r in RANGES.items()},
        "challenge": challenge.as_dict() if challenge is not None else None,
        "challenge_kinds": list(challenge_kinds) or None,
        "glasses": {name: r.as_dict() for name, r in GLASSES_RANGES.items()} if glasses else None,
    }
    (out / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
    return protocol


def write_clip(
    out: Path,
    job: Job,
    seconds: float,
    fps: float,
    size: tuple[int, int],
    extra: tuple[str, ...],
    codec: str,
    crf: int,
    challenge: Challenge | None = None,
    preset: str = "default",
    glasses: bool = False,
) -> dict[str, Any]:
    params, times, stream = iter_presentation(
        job.species,
        job.subject,
        job.target,
        seconds=seconds,
        fps=fps,
        size=size,
        seed=job.seed,
        channels=extra,
        challenge=challenge,
        preset=preset,
        overrides={"glasses": 1.0} if glasses else None,
    )
    stem = f"{job.species}/{job.species}_{job.index:03d}_{job.subject.identity}_as_{job.target.identity}"
    video = Path(stem + suffix(codec))
    (out / video).parent.mkdir(parents=True, exist_ok=True)
    stacks: dict[str, list[Any]] = {c: [] for c in extra}

    def frames() -> Any:
        for rgb, maps in stream:
            for name in extra:
                stacks[name].append(maps[name])
            yield rgb

    write_video(out / video, frames(), fps, codec, crf)
    row: dict[str, Any] = {
        "path": video.as_posix(),
        "label": job.species,
        "subject": job.subject.identity,
        "target": job.target.identity,
        "split": job.split,
        "simulated": True,
        "seed": job.seed,
        "codec": codec,
        "crf": crf if codec != "lossless" else None,
        "fps": fps,
        "seconds": seconds,
        "width": size[0],
        "height": size[1],
        "photo_subject": Path(job.subject.source).name,
        "photo_target": Path(job.target.source).name,
        "subject_ita_deg": photo_ita(job.subject),
        "target_ita_deg": photo_ita(job.target),
        **params,
    }
    for name in extra:
        path = Path(f"{stem}.{name}.npz")
        write_npz(
            out / path,
            {"frames": np.stack(stacks[name]), "times": times, "unit": np.array(ch.UNITS[name])},
        )
        row[f"{name}_path"] = path.as_posix()
    if challenge is not None:
        path = Path(f"{stem}.challenge.json")
        (out / path).write_text(json.dumps(challenge.as_dict(), indent=2) + "\n")
        row["challenge_path"] = path.as_posix()
    return row


def lab_challenge(seed: int, kinds: Sequence[str], seconds: float) -> Challenge:
    """The challenge one lab clip answers: drawn from the clip's seed (same seed, same script)
    and signed with a key from that seed too, so no data folder's verifier would accept it. The
    script fills the clip but for its last half second, up to the CLI's 8 s default; it never
    expires within a lab's lifetime (evaluation reads it offline)."""
    rng = np.random.default_rng([seed, 11])
    issuer = ChallengeIssuer(bytes(rng.bytes(32)))
    script = min(DEFAULT_SECONDS, seconds - 0.5)
    return issuer.new(kinds=kinds, seconds=script, ttl=30 * 86400, rng=rng, now=0.0)
