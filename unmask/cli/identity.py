"""`unmask enroll`, `unmask identify`, `unmask verify`: the gallery's front door."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unmask.cli.batch import IMAGE_SUFFIXES, error_lines, run_batch
from unmask.cli.flags import add_data_dir, add_db, add_liveness_level
from unmask.cli.output import Outcome, add_json_flag, plural
from unmask.cli.reading import add_reading_flags
from unmask.errors import InputError, NoFaceError, UnmaskError
from unmask.identity.thresholds import DEFAULT_FMR, threshold_for_fmr
from unmask.liveness.levels import LEVEL_NAMES

VETO_HELP = (
    f"refuse a match unless the face is judged bona fide at this security level "
    f"({', '.join(LEVEL_NAMES)})"
)

if TYPE_CHECKING:
    from unmask.identity import Probe, ProbeMaker
    from unmask.liveness.veto import GuardedMedia
    from unmask.types import Verdict


def register(subparsers: argparse._SubParsersAction) -> None:
    enroll = subparsers.add_parser("enroll", help="enrol faces into a gallery")
    add_db(enroll, "gallery file (created if missing)")
    target = enroll.add_mutually_exclusive_group(required=True)
    target.add_argument("--id", help="identity name for FILE...")
    target.add_argument(
        "--from-folders", metavar="DIR", help="enrol each sub-folder of DIR as one identity"
    )
    enroll.add_argument(
        "files", nargs="*", metavar="FILE", help="images (or folders of them) of the identity --id"
    )
    add_reading_flags(enroll)
    add_data_dir(enroll)
    add_json_flag(enroll)
    enroll.set_defaults(handler=run_enroll)

    ident = subparsers.add_parser("identify", help="1:N: who is in these images or videos")
    add_db(ident, "gallery file to search")
    ident.add_argument("files", nargs="+", metavar="FILE", help="images, videos or folders of them")
    ident.add_argument("--top", type=int, default=3, help="candidates per face (default 3)")
    add_fmr_flag(ident)
    add_liveness_level(ident, default=None, help=VETO_HELP)
    add_reading_flags(ident)
    add_data_dir(ident)
    add_json_flag(ident)
    ident.set_defaults(handler=run_identify)

    check = subparsers.add_parser("verify", help="1:1: is this person who they claim to be")
    add_db(check, "gallery file holding the claimed identity")
    check.add_argument("--id", required=True, help="the claimed identity")
    check.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="images, videos or folders of them: each claims --id",
    )
    add_fmr_flag(check)
    add_liveness_level(check, default=None, help=VETO_HELP)
    add_reading_flags(check)
    add_data_dir(check)
    add_json_flag(check)
    check.set_defaults(handler=run_verify)


def add_fmr_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fmr",
        type=float,
        default=DEFAULT_FMR,
        help=f"target false match rate that sets the threshold (default {DEFAULT_FMR:g})",
    )


def guarded(level: str, file: str) -> GuardedMedia:
    """Liveness and recognition in one pass; imported here because only --liveness needs it
    and it is the heavy part of start-up (signal processing, fusion)."""
    from unmask.liveness.engine import LivenessEngine
    from unmask.liveness.veto import guarded_probes

    return guarded_probes(LivenessEngine(level=level), file)


def probes_with_verdicts(
    args: argparse.Namespace, maker: ProbeMaker, file: str
) -> list[tuple[Probe, Verdict | None]]:
    """Recognition probes, each with its liveness verdict when --liveness asks for one."""
    if args.liveness is None:
        return [(probe, None) for probe in maker.probes(file)]
    return list(guarded(args.liveness, file).probes)


def apply_veto(entry: dict[str, Any], verdict: Verdict | None) -> bool:
    """Add the liveness verdict to a JSON entry; True when it forbids a match."""
    from unmask.liveness.veto import veto

    reason = veto(verdict)
    entry["liveness"] = verdict.summary() if verdict else None
    if reason:
        entry["match_refused"] = reason
    return reason is not None


def run_enroll(args: argparse.Namespace) -> Outcome:
    if args.from_folders:
        if args.files:
            raise InputError("give either --from-folders DIR or --id NAME FILE..., not both")
        plan = folder_plan(Path(args.from_folders))
    else:
        if not args.files:
            raise InputError("no FILE given to enrol")
        plan = {args.id: list(args.files)}
    from unmask.identity import ProbeMaker, Template, open_gallery

    maker = ProbeMaker(max_seconds=args.max_seconds)
    files: list[dict[str, Any]] = []
    templates: dict[str, list[Template]] = {}
    first_error: UnmaskError | None = None
    for name, paths in plan.items():

        def embed_one(path: str, name: str = name) -> dict[str, Any]:
            probe = maker.single(path)
            quality = probe.face.quality.score if probe.face.quality else None
            templates.setdefault(name, []).append(Template(probe.embedding, path, quality))
            return {"id": name, "box": probe.face.box.as_list()}

        batch = run_batch(paths, embed_one, progress=not args.json, lone_raises=False)
        files.extend(batch.entries)
        first_error = first_error or batch.first_error
    if not templates:
        raise first_error or InputError("nothing to enrol")
    enrolled: list[dict[str, Any]] = []
    with open_gallery(args.db, create=True, data_dir=args.data_dir) as gallery:
        for name, found in templates.items():
            enrolled.append({"id": name, "templates": gallery.enroll(name, found)})

    def text() -> str:
        lines = [
            f"enrolled {e['id']}: {plural(e['templates'], 'template')} in {args.db}"
            for e in enrolled
        ]
        return "\n".join(lines + error_lines(files))

    return Outcome(
        document={"enrolled": enrolled, "files": files},
        text=text,
        exit_code=first_error.exit_code if first_error else 0,
    )


def folder_plan(root: Path) -> dict[str, list[str]]:
    if not root.is_dir():
        raise InputError(f"{root}: not a folder")
    plan = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        images = sorted(str(p) for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if images:
            plan[folder.name] = images
    if not plan:
        raise InputError(f"{root}: no sub-folder holds images to enrol")
    return plan


def probe_entry(probe: Probe) -> dict[str, Any]:
    entry: dict[str, Any] = {"box": probe.face.box.as_list()}
    if probe.track_id is not None:
        entry.update(
            track=probe.track_id,
            first_seen=round(probe.first_seen or 0.0, 3),
            last_seen=round(probe.last_seen or 0.0, 3),
            frames_used=probe.frames_used,
        )
    return entry


def run_identify(args: argparse.Namespace) -> Outcome:
    from unmask.identity import ProbeMaker, identify, open_gallery

    maker = ProbeMaker(max_seconds=args.max_seconds)
    with open_gallery(args.db, data_dir=args.data_dir) as gallery:
        gallery.require_templates()

        def identify_one(file: str) -> dict[str, Any]:
            faces = []
            for probe, verdict in probes_with_verdicts(args, maker, file):
                candidates = identify(probe.embedding, gallery, top=args.top, fmr=args.fmr)
                entry = probe_entry(probe)
                refused = args.liveness is not None and apply_veto(entry, verdict)
                entry["candidates"] = [
                    {**c.as_dict(), "match": c.match and not refused} for c in candidates
                ]
                faces.append(entry)
            return {"faces": faces}

        batch = run_batch(args.files, identify_one, progress=not args.json)
    results = batch.entries
    threshold = threshold_for_fmr(args.fmr)

    def text() -> str:
        lines = []
        for entry in results:
            if entry["error"]:
                continue
            if not entry["faces"]:
                lines.append(f"{entry['file']}: no face")
            for face in entry["faces"]:
                best = face["candidates"][0]
                who = best["id"] if best["match"] else "unknown"
                when = (
                    f" {face['first_seen']:.1f}-{face['last_seen']:.1f}s" if "track" in face else ""
                )
                lines.append(
                    f"{entry['file']}{when}: {who} (closest {best['id']}, distance {best['distance']:.3f})"
                )
        return "\n".join(lines + error_lines(results))

    document = {"results": results, "threshold": round(threshold, 4), "fmr": args.fmr}
    return Outcome(document=document, text=text, exit_code=batch.exit_code)


def main_probe(
    args: argparse.Namespace, maker: ProbeMaker, file: str
) -> tuple[Probe, Verdict | None]:
    """Verification needs one face: the only one in a still, the main (longest) track in a video."""
    from unmask.media import is_video

    if args.liveness is not None:
        return guarded(args.liveness, file).main(file)
    if not is_video(file):
        return maker.single(file), None
    probes = maker.probes(file)
    if not probes:
        raise NoFaceError(f"{file}: no face found")
    return probes[0], None


def run_verify(args: argparse.Namespace) -> Outcome:
    from unmask.identity import ProbeMaker, open_gallery, verify

    maker = ProbeMaker(max_seconds=args.max_seconds)
    threshold = threshold_for_fmr(args.fmr)
    with open_gallery(args.db, data_dir=args.data_dir) as gallery:
        gallery.identity_id(args.id)

        def verify_one(file: str) -> dict[str, Any]:
            probe, verdict = main_probe(args, maker, file)
            result = verify(probe.embedding, gallery, args.id, fmr=args.fmr)
            checks: dict[str, Any] = {}
            refused = args.liveness is not None and apply_veto(checks, verdict)
            return {
                "match": result.match and not refused,
                "distance_match": result.match,
                "distance": round(result.distance, 4),
                "box": probe.face.box.as_list(),
                **checks,
            }

        batch = run_batch(args.files, verify_one, progress=not args.json)
    results = batch.entries

    def text() -> str:
        lines = []
        for entry in results:
            if entry["error"]:
                continue
            outcome = "MATCH" if entry["match"] else "NO MATCH"
            lines.append(
                f"{entry['file']}: {outcome} for {args.id} (distance {entry['distance']:.3f}, "
                f"threshold {threshold:.3f} at FMR {args.fmr:g})"
            )
            if "match_refused" in entry:
                lines.append(f"  refused: {entry['match_refused']}")
        return "\n".join(lines + error_lines(results))

    document = {
        "id": args.id,
        "threshold": round(threshold, 4),
        "fmr": args.fmr,
        "results": results,
    }
    return Outcome(document=document, text=text, exit_code=batch.exit_code)
