"""`make demo`: the main job end to end, on faces that ship with the dependencies.

Each step prints what a user would want to see; the gallery and pictures it made stay in the
output folder so the user can rerun the CLI on them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from unmask.bundled import bundled_faces
from unmask.data import shared_data_dir
from unmask.identity import DEFAULT_FMR, Gallery, ProbeMaker, Template, identify, verify
from unmask.media.jpeg import recompressed
from unmask.progress import bar

Say = Callable[[str], None]


def new_capture(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """A different picture of the same face: mirrored, smaller, rotated, darker, recompressed."""
    mirrored = np.ascontiguousarray(image[:, ::-1])
    height, width = mirrored.shape[:2]
    rotation = cv2.getRotationMatrix2D((width / 2, height / 2), 6.0, 0.8)
    turned = cv2.warpAffine(mirrored, rotation, (width, height), borderMode=cv2.BORDER_REFLECT)
    darker = np.clip(255.0 * (turned / 255.0) ** 1.3, 0, 255).astype(np.uint8)
    return recompressed(darker, 60)


def save(image: NDArray[np.uint8], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image).save(path)
    return path


def recognition_demo(out: Path, say: Say) -> Gallery:
    """Enrol the bundled faces, then identify and verify new captures of them."""
    gallery_path = out / "gallery.sqlite"
    gallery_path.unlink(missing_ok=True)
    gallery = Gallery(gallery_path, create=True)
    maker = ProbeMaker()
    faces = bundled_faces()
    say("1. Enrol the bundled public-domain portraits")
    for name, image in faces.items():
        portrait = save(image, out / "faces" / name / "portrait.png")
        probe = maker.single(portrait)
        gallery.enroll(name, [Template(probe.embedding, str(portrait))])
        say(f"   enrolled {name:<16} from {portrait}")
    say(f"2. Identify new captures (mirrored, rotated, darker, JPEG q60) at FMR {DEFAULT_FMR:g}")
    say(f"   {'capture of':<16} {'identified as':<16} {'distance':>8}")
    probes = {}
    for name, image in faces.items():
        path = save(new_capture(image), out / "captures" / f"{name}.jpg")
        probes[name] = maker.single(path)
        best = identify(probes[name].embedding, gallery, top=1)[0]
        who = best.identity if best.match else "unknown"
        say(f"   {name:<16} {who:<16} {best.distance:>8.3f}")
    say("3. Verify claims (1:1)")
    for name, probe in probes.items():
        for claim in faces:
            result = verify(probe.embedding, gallery, claim)
            mark = "MATCH   " if result.match else "no match"
            say(
                f"   capture of {name:<16} claims {claim:<16} {mark} (distance {result.distance:.3f})"
            )
    return gallery


def video_demo(gallery: Gallery, say: Say) -> None:
    """With the shared data present: who is on screen when, in a real video."""
    root = shared_data_dir()
    if root is None:
        say("4. (skipped: ../shared/data not found, so no real video to show)")
        return
    video = root / "video" / "hamilton_clip.mp4"
    maker = ProbeMaker()
    say("4. Real video: enrol two reference photos, then identify each face track")
    for reference in sorted((root / "video").glob("hamilton_ref_*.png")):
        name = reference.stem.removeprefix("hamilton_ref_")
        gallery.enroll(name, [Template(maker.single(reference).embedding, str(reference))])
        say(f"   enrolled {name} from {reference.name}")
    say(f"   tracking the faces of {video.name} ...")
    say(f"   {'track':>5} {'on screen':>13} {'identified as':<22} {'distance':>8}")
    for probe in sorted(maker.probes(video), key=lambda p: p.first_seen or 0.0):
        best = identify(probe.embedding, gallery, top=1)[0]
        who = best.identity if best.match else "unknown"
        span = f"{probe.first_seen:5.1f}-{probe.last_seen:4.1f}s"
        say(f"   {probe.track_id:>5} {span:>13} {who:<22} {best.distance:>8.3f}")


def attack_demo(
    out: Path, gallery: Gallery, say: Say, *, seconds: float, level: str, progress: bool
) -> Path:
    """Lab presentations of the bundled faces: a recogniser alone accepts the attacks;
    with the liveness veto, unmask refuses them and still accepts the living faces."""
    from unmask.evaluation.protocols.base import read_protocol_csv
    from unmask.lab import SIMULATION_NOTE, generate
    from unmask.liveness.channels import CHANNEL_NAMES
    from unmask.liveness.engine import LivenessEngine, load_channel
    from unmask.liveness.fusion import withheld
    from unmask.liveness.report import EvidenceItem, write_evidence_report
    from unmask.liveness.training import channel_paths
    from unmask.liveness.veto import guarded_probes, veto

    say(
        f"5. Attack lab: one simulated presentation per species, {seconds:g} s at 640x480, "
        f"H.264 CRF 0 as a camera feeding unmask directly would give, with registered thermal, "
        f"NIR and depth maps (seed {DEMO_SEED})"
    )
    say(f"   {SIMULATION_NOTE}")
    say(
        "   rendering the presentations, the slowest step (each clip with its thermal, NIR and depth maps)"
    )

    def rendered(done: int, total: int) -> None:
        say(f"   rendered {done}/{total}")

    protocol = read_protocol_csv(
        generate(
            out / "lab",
            faces=out / "faces",  # the enrolled portraits, not the lab's default face sets
            clips=1,
            seconds=seconds,
            seed=DEMO_SEED,
            codec="h264",
            crf=0,
            channels=("rgb", *CHANNEL_NAMES),
            progress=rendered,
        )
    )
    engine = LivenessEngine(level=level)
    say(
        f"6. Verify each presentation against the identity it shows (FMR {DEFAULT_FMR:g}): without PAD, "
        f"then with liveness at level {level} from the colour camera alone and with the extra cameras"
    )
    say(
        f"   {'species':<14} {'wearer -> shown':<34} {'dist':>5} {'no PAD':>7} {'colour only':>13} "
        f"{'+thermal/NIR/depth':>18} {'unmask':>7}  decided by"
    )
    items = []
    for entry in bar(protocol.entries, "presentation", enabled=progress):
        channels = {n: load_channel(p) for n, p in channel_paths(entry, protocol.root).items()}
        guarded = guarded_probes(engine, entry.path, channels)
        probe, verdict = guarded.main(entry.path)
        track = guarded.observation.tracks.get(probe.track_id or 0)
        colour = (
            engine.verdict(withheld(verdict.cues, CHANNEL_NAMES), track, level).decision
            if track is not None
            else "inconclusive"
        )
        claim = verify(probe.embedding, gallery, str(entry.target))
        refused = veto(verdict)
        unmask_accepts = claim.match and refused is None
        people = f"{entry.subject} -> {entry.target}"
        decided = ", ".join(verdict.deciding_cues)
        say(
            f"   {entry.label:<14} {people:<34} {claim.distance:>5.2f} {'accept' if claim.match else 'reject':>7} "
            f"{colour:>13} {verdict.decision:>18} {'accept' if unmask_accepts else 'reject':>7}  {decided}"
        )
        items.append(
            EvidenceItem(
                name=entry.path.name,
                report=guarded.report,
                track=track,
                truth=entry.label,
                recognition=f"claims {entry.target}: distance {claim.distance:.3f} "
                f"({'match' if claim.match else 'no match'} without PAD; {'accepted' if unmask_accepts else 'refused'} by unmask)",
            )
        )
    page = write_evidence_report(
        out / "report.html",
        items,
        "unmask demo: liveness evidence per presentation",
        f"{SIMULATION_NOTE} Level {level}. The default PAD model was trained on other simulated lab clips (see README).",
    )
    say(f"   evidence report with per-cue scores, pulse waves and spectra: {page}")
    return page


DEMO_SEED = 2026


def run_demo(
    out: Path,
    say: Say = print,
    *,
    seconds: float = 12.0,
    level: str = "medium",
    progress: bool = True,
) -> None:
    """The whole story; `progress` shows a bar on a terminal for the steps that take a while."""
    out.mkdir(parents=True, exist_ok=True)
    say(f"unmask demo (outputs in {out})")
    gallery = recognition_demo(out, say)
    try:
        video_demo(gallery, say)
        attack_demo(out, gallery, say, seconds=seconds, level=level, progress=progress)
    finally:
        gallery.close()
