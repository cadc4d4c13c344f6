"""`unmask gallery list|remove|rename`: look after the enrolled identities."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from unmask.cli.flags import add_db
from unmask.cli.output import Outcome, add_json_flag, plural

if TYPE_CHECKING:
    from unmask.identity import Gallery


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("gallery", help="list, rename or erase enrolled identities")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="identities and their template counts")
    add_db(listing, "gallery file")
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
    add_json_flag(rename)
    rename.set_defaults(handler=run_rename)


def open_gallery(path: str) -> Gallery:
    from unmask.identity import Gallery

    return Gallery(path)


def run_list(args: argparse.Namespace) -> Outcome:
    with open_gallery(args.db) as gallery:
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
    with open_gallery(args.db) as gallery:
        gallery.rename(args.id, args.to)
    return Outcome(
        document={"renamed": {"from": args.id, "to": args.to}},
        text=f"renamed {args.id} -> {args.to}",
    )
