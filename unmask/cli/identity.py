"""`unmask enroll`, `unmask identify`, `unmask verify`: the gallery's front door."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from unmask.cli.batch import IMAGE_SUFFIXES, error_lines, run_batch, succeeded
from unmask.cli.flags import add_data_dir, add_db, add_liveness_level
from unmask.cli.output import Outcome, add_json_flag, plural
from unmask.cli.reading import add_reading_flags
from unmask.errors import InputError, UnmaskError
from unmask.identity.thresholds import DEFAULT_FMR, threshold_for_fmr
from unmask.liveness.levels import LEVEL_NAMES

VETO_HELP = (
    f"refuse a match unless the face is judged bona fide at this security level "
    f"({', '.join(LEVEL_NAMES)})"
)


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
    from unmask.workflows import enrol_template

    maker = ProbeMaker(max_seconds=args.max_seconds)
    files: list[dict[str, Any]] = []
    templates: dict[str, list[Template]] = {}
    first_error: UnmaskError | None = None
    for name, paths in plan.items():

        def embed_one(path: str, name: str = name) -> dict[str, Any]:
            template, entry = enrol_template(maker, path)
            templates.setdefault(name, []).append(template)
            return {"id": name, **entry}

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


def run_identify(args: argparse.Namespace) -> Outcome:
    from unmask.identity import ProbeMaker, open_gallery
    from unmask.workflows import identify_file, liveness_engine

    maker = ProbeMaker(max_seconds=args.max_seconds)
    engine = liveness_engine(args.liveness)
    with open_gallery(args.db, data_dir=args.data_dir) as gallery:
        gallery.require_templates()

        def identify_one(file: str) -> dict[str, Any]:
            return identify_file(gallery, maker, file, top=args.top, fmr=args.fmr, engine=engine)

        batch = run_batch(args.files, identify_one, progress=not args.json)
    results = batch.entries
    threshold = threshold_for_fmr(args.fmr)

    def text() -> str:
        lines = []
        for entry in succeeded(results):
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


def run_verify(args: argparse.Namespace) -> Outcome:
    from unmask.identity import ProbeMaker, open_gallery
    from unmask.workflows import liveness_engine, verify_file

    maker = ProbeMaker(max_seconds=args.max_seconds)
    engine = liveness_engine(args.liveness)
    threshold = threshold_for_fmr(args.fmr)
    with open_gallery(args.db, data_dir=args.data_dir) as gallery:
        gallery.identity_id(args.id)

        def verify_one(file: str) -> dict[str, Any]:
            return verify_file(gallery, maker, file, args.id, fmr=args.fmr, engine=engine)

        batch = run_batch(args.files, verify_one, progress=not args.json)
    results = batch.entries

    def text() -> str:
        lines = []
        for entry in succeeded(results):
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
