"""Site adaptation on real NUAA: the two workflows of docs/site-adaptation.md, run as a user would.

    uv run python benchmarks/site_adaptation.py [--per-subject 60] [--seed 0] [--work DIR]
        [--monochrome | --condition "cool 5 %"] [--workflows train,adapt]

REAL data, research use only: NUAA's webcam faces and prints stay on this machine (symlinks in
--work, a temporary folder by default) and never reach the repository or the shipped model.

1. `pad train --folders` with attacks of the site: a seeded sample of NUAA (`--per-subject`
   images per subject and class) is sorted into `site/<label>/<subject>/`, and each of three
   subject folds (0001-0003, 0004-0006, 0007-0009) is held out in turn (`--test-subjects`); the
   other six subjects train the texture classifier and calibrate the fusion. Printed per fold:
   the held-out EER, and APCER and BPCER at `medium` as the trained model decides.
2. `pad adapt --bona-fide` with living faces only: the shipped model is adapted on the sample's
   bona fide images (a third of the people held out); printed: the held-out BPCER per level
   before and after, from the command's own report, and the APCER at `low` and `medium` on all
   of the sample's prints (which adapt never sees) with the shipped and the adapted model.

`--monochrome` writes grey copies of the sample (BT.601 luma, in --work) instead of links: the
same two workflows for a site whose camera is greyscale or in night mode, where the shipped
model's colour cues cannot judge. `--condition NAME` writes copies under one of
benchmarks/colour_cast.py's conditions instead: a site whose camera's white balance or exposure
differs from the cameras the shipped model was calibrated on, which moves its recapture cue
(docs/recapture.md, "Colour casts" and "Exposure"); adapt is the remedy a site without attack
captures has.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

import cv2
import numpy as np

from benchmarks.colour_cast import CONDITIONS, Condition
from unmask.data import shared_data_dir
from unmask.evaluation.curves import score_eer
from unmask.evaluation.protocols.base import ProtocolEntry, write_protocol_csv
from unmask.evaluation.scores import ScoreSet, read_scores
from unmask.media import read_image

FOLDS = (("0001", "0002", "0003"), ("0004", "0005", "0006"), ("0007", "0008", "0009"))
LABELS = ("bona_fide", "print")


def unmask(*args: str) -> dict[str, object]:
    """One CLI command's JSON document; a failure stops the benchmark with its stderr."""
    done = subprocess.run(
        [sys.executable, "-m", "unmask.cli.main", *args, "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"unmask {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    document: dict[str, object] = json.loads(done.stdout)
    return document


def sample_site(
    nuaa: Path,
    site: Path,
    per_subject: int,
    seed: int,
    camera: Callable[[Path], np.ndarray] | None = None,
) -> dict[str, int]:
    """Symlinks of a seeded sample per subject and label (where given, copies of what `camera`
    makes of each file, an image as cv2.imwrite takes it); the count per label."""
    counts = dict.fromkeys(LABELS, 0)
    for label in LABELS:
        for subject in sorted(p for p in (nuaa / label).iterdir() if p.is_dir()):
            files = sorted(p for p in subject.iterdir() if p.suffix.lower() == ".jpg")
            chosen = random.Random(f"{seed}:{label}:{subject.name}").sample(
                files, min(per_subject, len(files))
            )
            target = site / label / subject.name
            target.mkdir(parents=True, exist_ok=True)
            for path in chosen:
                if camera is not None:
                    seen = camera(path)
                    cv2.imwrite(str(target / path.name), seen, [cv2.IMWRITE_JPEG_QUALITY, 95])
                else:
                    (target / path.name).symlink_to(path.resolve())
            counts[label] += len(chosen)
    return counts


def refused_share(scores: ScoreSet, bona_fide: bool) -> float:
    """BPCER (bona fide presentations not accepted) or APCER (attacks accepted), from the
    decision column `pad score` and `pad train`'s held-out report write."""
    accepted = np.array(scores.extra["decision"]) == "bona_fide"
    chosen = scores.is_bona_fide == bona_fide
    return float(np.mean(~accepted[chosen] if bona_fide else accepted[chosen]))


def train_folds(site: Path, work: Path, workers: str, without: str) -> None:
    flag = f" --without {without}" if without else ""
    print(f"\n1. `pad train --folders{flag}`, three subject folds (REAL NUAA)")
    print("| held out | presentations | EER | APCER at medium | BPCER at medium |")
    print("|---|---:|---:|---:|---:|")
    rates = []
    for fold in FOLDS:
        out = work / f"model-{fold[0]}"
        unmask(
            "pad", "train", "--folders", str(site), "--test-subjects", ",".join(fold),
            "--out", str(out), "--workers", workers, *(["--without", without] if without else []),
        )  # fmt: skip
        held = read_scores(out / "held-out" / "scores.csv")
        scored = held.scored
        rate = score_eer(
            held.scores[scored & held.is_bona_fide], held.scores[scored & ~held.is_bona_fide]
        ).rate
        rates.append(rate)
        print(
            f"| {fold[0]}-{fold[-1]} | {len(held)} | {rate:.2%} | "
            f"{refused_share(held, False):.2%} | {refused_share(held, True):.2%} |"
        )
    print(f"mean EER over the folds: {np.mean(rates):.2%}")


def print_protocol(site: Path, work: Path) -> Path:
    prints = sorted((site / "print").rglob("*.jpg"))
    entries = [ProtocolEntry(path, "print", subject=path.parent.name) for path in prints]
    return write_protocol_csv(entries, work / "prints.csv")


def adapt(site: Path, work: Path, workers: str) -> None:
    print("\n2. `pad adapt --bona-fide` on the shipped model (REAL NUAA, living faces only)")
    adapted = work / "adapted"
    report = unmask(
        "pad", "adapt", "--bona-fide", str(site / "bona_fide"), "--test-share", "0.34",
        "--out", str(adapted), "--workers", workers,
    )  # fmt: skip
    shifts = report["shifts"]
    assert isinstance(shifts, dict)
    for name, shift in shifts.items():
        print(f"{name}: evidence shift {shift['applied_llr_shift']:+.2f}")
    print(f"adapted on {report['adapted_on']}, held out {report['held_out']} bona fide images")
    protocol = print_protocol(site, work)
    print("| level | held-out BPCER before | after | APCER on every print, before | after |")
    print("|---|---:|---:|---:|---:|")
    for level in ("low", "medium"):
        apcer = []
        for name, model in (("shipped", []), ("adapted", ["--model", str(adapted)])):
            out = work / f"prints-{name}-{level}.csv"
            unmask(
                "pad", "score", "--protocol", str(protocol), "--out", str(out),
                "--liveness", level, "--workers", workers, *model,
            )  # fmt: skip
            apcer.append(refused_share(read_scores(out), False))
        before = report["bpcer_before"][level]  # type: ignore[index]
        after = report["bpcer_after"][level]  # type: ignore[index]
        print(f"| {level} | {before:.1%} | {after:.1%} | {apcer[0]:.1%} | {apcer[1]:.1%} |")


def site_camera(
    monochrome: bool, condition_name: str | None
) -> tuple[Callable[[Path], np.ndarray] | None, str]:
    """The site camera the sample is seen through (None: NUAA's own) and how to say so."""
    if monochrome and condition_name:
        sys.exit("--monochrome and --condition: give one site camera")
    if monochrome:
        return grey, " in grey"
    if condition_name:
        condition = next(c for c in CONDITIONS if c.name == condition_name)
        return partial(seen_under, condition=condition), f" under the condition {condition_name!r}"
    return None, ""


def grey(path: Path) -> np.ndarray:
    """What a greyscale camera delivers: the image's luma alone."""
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if image is None:
        sys.exit(f"{path}: not an image")
    return image


def seen_under(path: Path, condition: Condition) -> np.ndarray:
    """The image under one of colour_cast's conditions, in OpenCV's channel order."""
    return np.ascontiguousarray(condition.apply(read_image(path).image)[..., ::-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-subject", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--workers", default="2")
    parser.add_argument("--monochrome", action="store_true", help="grey copies of the sample")
    parser.add_argument(
        "--condition",
        choices=[condition.name for condition in CONDITIONS],
        default=None,
        help="copies of the sample under a colour cast or exposure error (benchmarks/colour_cast.py)",
    )
    parser.add_argument("--without", default="", help="cues `pad train` leaves out (its --without)")
    parser.add_argument(
        "--workflows", default="train,adapt", help="which of train and adapt to run (comma list)"
    )
    args = parser.parse_args()
    chosen = set(args.workflows.split(","))
    if not chosen or chosen - {"train", "adapt"}:
        sys.exit(f"--workflows takes train and/or adapt, not {args.workflows!r}")
    data = shared_data_dir()
    if data is None or not (data / "pad" / "nuaa").is_dir():
        sys.exit(
            "needs the shared data's pad/nuaa (set UNMASK_DATA or put shared/ beside the repo)"
        )
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        site = work / "site"
        if site.exists():
            sys.exit(f"{site} exists: give an empty --work folder")
        camera, seen_as = site_camera(args.monochrome, args.condition)
        counts = sample_site(data / "pad" / "nuaa", site, args.per_subject, args.seed, camera)
        print(
            f"REAL NUAA sample{seen_as}, seed {args.seed}, "
            f"{args.per_subject} per subject and class: "
            f"{counts['bona_fide']} bona fide, {counts['print']} prints"
        )
        if "train" in chosen:
            train_folds(site, work, args.workers, args.without)
        if "adapt" in chosen:
            adapt(site, work, args.workers)


if __name__ == "__main__":
    main()
