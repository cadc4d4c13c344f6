"""`unmask gallery list|remove|rename|check|import`: look after the enrolled
identities. `--db` is a gallery file or a `postgresql://` URL."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from unmask.cli.flags import add_data_dir, add_db
from unmask.cli.output import Outcome, add_json_flag, plural
from unmask.errors import GalleryError

if TYPE_CHECKING:
    from unmask.identity import Gallery


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "gallery", help="list, rename, erase or check enrolled identities"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="identities and their template counts")
    add_db(listing, "gallery file")
    add_data_dir(listing)
    add_json_flag(listing)
    listing.set_defaults(handler=run_list)
    remove = actions.add_parser("remove", help="erase an identity and all its biometric data")
    add_db(remove, "gallery file")
    remove.add_argument("--id", required=True, help="the identity to erase")
    add_json_flag(remove)
    remove.set_defaults(handler=run_remove)
    rename = actions.add_parser("rename", help="rename an identity")
    add_db(rename, "gallery file")
    rename.add_argument("--id", required=True, help="the identity's current name")
    rename.add_argument("--to", required=True, help="its new name")
    add_data_dir(rename)
    add_json_flag(rename)
    rename.set_defaults(handler=run_rename)
    check = actions.add_parser(
        "check", help="full integrity check: SQLite pages, and every template's size and seal"
    )
    add_db(check, "gallery file")
    check.add_argument(
        "--reseal",
        action="store_true",
        help="seal every template with this data folder's key (upgrades schema 1 galleries; "
        "vouches for the rows as they are now)",
    )
    add_data_dir(check)
    add_json_flag(check)
    check.set_defaults(handler=run_check)
    bulk = actions.add_parser(
        "import",
        help="enrol many templates at once: N x 128 float32 .npy with --ids, or parquet "
        "(columns id, vector); all or nothing",
    )
    add_db(bulk, "gallery file or postgresql:// URL")
    bulk.add_argument("vectors", metavar="VECTORS", help="VECTORS.npy or FILE.parquet")
    bulk.add_argument("--ids", metavar="IDS.txt", help="one identity a line, for a .npy file")
    bulk.add_argument("--create", action="store_true", help="create the gallery if missing")
    add_data_dir(bulk)
    add_json_flag(bulk)
    bulk.set_defaults(handler=run_import)


def open_gallery(path: str, data_dir: str | None = None, create: bool = False) -> Gallery:
    from unmask.identity import open_gallery

    return open_gallery(path, data_dir=data_dir, create=create)


def run_list(args: argparse.Namespace) -> Outcome:
    """Counts only what verifies: a sealed gallery's seals are checked before anything is listed;
    a schema 1 gallery is listed as it is, so its owner can see what a reseal would vouch for."""
    from unmask.identity.gallery import FIRST_SEALED_VERSION

    with open_gallery(args.db, args.data_dir) as gallery:
        if gallery.version >= FIRST_SEALED_VERSION:
            gallery.matrix()
        records = gallery.identities()
    identities = [{"id": r.name, "templates": r.templates} for r in records]
    lines = [f"{r.name}: {plural(r.templates, 'template')}" for r in records] or ["(empty gallery)"]
    return Outcome(document={"identities": identities}, text="\n".join(lines))


def run_remove(args: argparse.Namespace) -> Outcome:
    with open_gallery(args.db) as gallery:
        removed = gallery.remove(args.id)
    return Outcome(
        document={"removed": {"id": args.id, "templates": removed}},
        text=f"erased {args.id} ({plural(removed, 'template')})",
    )


def run_rename(args: argparse.Namespace) -> Outcome:
    with open_gallery(args.db, args.data_dir) as gallery:
        gallery.rename(args.id, args.to)
    return Outcome(
        document={"renamed": {"from": args.id, "to": args.to}},
        text=f"renamed {args.id} -> {args.to}",
    )


def run_check(args: argparse.Namespace) -> Outcome:
    """Exit 0 when sound, 7 (gallery error) with every problem listed when not."""
    with open_gallery(args.db, args.data_dir) as gallery:
        report = gallery.check(reseal=args.reseal)
    document = {
        "ok": report.ok,
        "problems": report.problems,
        "identities": report.identities,
        "templates": report.templates,
        "schema_version": report.schema_version,
        "resealed": report.resealed,
    }
    if report.ok:
        summary = f"{args.db}: ok ({report.identities} identities, {report.templates} templates)"
        if args.reseal:
            summary += f"; sealed {report.resealed} template(s)"
        lines = [summary]
    else:
        refused = "; nothing sealed" if args.reseal else ""
        lines = [f"{args.db}: {len(report.problems)} problem(s){refused}", *report.problems]
    return Outcome(
        document=document,
        text="\n".join(lines),
        exit_code=0 if report.ok else GalleryError.exit_code,
    )


def run_import(args: argparse.Namespace) -> Outcome:
    """Everything is validated before the gallery is opened; the rows land in one transaction."""
    from unmask.identity.bulk import read_templates

    names, matrix = read_templates(args.vectors, args.ids)
    with open_gallery(args.db, args.data_dir, create=args.create) as gallery:
        written = gallery.write_templates(
            [
                (name, matrix[row], f"{args.vectors}:{row + 1}", None)
                for row, name in enumerate(names)
            ]
        )
        total = gallery.template_total()
    identities = len(set(names))
    return Outcome(
        document={"imported": {"templates": written, "identities": identities, "total": total}},
        text=f"imported {plural(written, 'template')} of {identities} "
        f"{'identity' if identities == 1 else 'identities'} into {args.db} "
        f"({plural(total, 'template')} in all)",
    )
