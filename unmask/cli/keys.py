"""`unmask keys add|list|revoke|locks|unlock`: the service's API keys and lockouts.

Each subcommand is one `(name, help, add_arguments, handler)` row of SUBCOMMANDS, so another
one (`rotate-template-key`) is one more row.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from unmask.cli.flags import add_data_dir
from unmask.cli.output import Outcome, add_json_flag, plural
from unmask.datadir import resolve_data_dir
from unmask.errors import InputError
from unmask.service.keys import ROLES, KeyStore
from unmask.service.lockout import Kind, LockoutStore
from unmask.service.settings import Lockout


def when(seconds: float | None) -> str:
    return "-" if seconds is None else time.strftime("%Y-%m-%d %H:%M", time.gmtime(seconds))


def run_add(args: argparse.Namespace) -> Outcome:
    record, key = KeyStore(resolve_data_dir(args.data_dir)).add(args.role, args.label)
    text = (
        f"key {record.id} ({record.role}): {key}\n"
        "  shown only now; keep it secret (it is stored hashed)"
    )
    return Outcome(document={"id": record.id, "role": record.role, "key": key}, text=text)


def run_list(args: argparse.Namespace) -> Outcome:
    records = KeyStore(resolve_data_dir(args.data_dir)).records()
    lines = [
        f"{r.id}  {r.role:<8}  created {when(r.created)}  "
        f"{'revoked ' + when(r.revoked) if r.revoked else 'active'}  {r.label}"
        for r in records
    ]
    return Outcome(
        document={"keys": [r.as_dict() for r in records]}, text="\n".join(lines) or "no keys"
    )


def run_revoke(args: argparse.Namespace) -> Outcome:
    record = KeyStore(resolve_data_dir(args.data_dir)).revoke(args.key_id)
    return Outcome(document=record.as_dict(), text=f"revoked key {record.id} ({record.role})")


def lockout_store(args: argparse.Namespace) -> LockoutStore:
    defaults = Lockout()
    return LockoutStore(resolve_data_dir(args.data_dir), defaults.attacks, defaults.window_seconds)


def run_locks(args: argparse.Namespace) -> Outcome:
    locks = lockout_store(args).locks()
    lines = [
        f"{lock.kind} {lock.subject}: since {when(lock.since)}, {lock.reason}" for lock in locks
    ]
    return Outcome(
        document={"locks": [lock.as_dict() for lock in locks]},
        text="\n".join(lines) or "nothing locked",
    )


def run_unlock(args: argparse.Namespace) -> Outcome:
    if (args.identity is None) == (args.key is None):
        raise InputError("give exactly one of --identity NAME or --key ID")
    kind: Kind = "identity" if args.identity is not None else "key"
    subject = args.identity if args.identity is not None else args.key
    lock = lockout_store(args).unlock(kind, subject)
    return Outcome(
        document={"unlocked": lock.as_dict()}, text=f"unlocked {kind} {subject} ({lock.reason})"
    )


def add_role(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--role", required=True, choices=ROLES, help="what the key may do")
    parser.add_argument("--label", default="", help="a note: whose key, which door")


def add_key_id(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("key_id", metavar="ID", help="the key's id (unmask keys list)")


def add_unlock(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--identity", metavar="NAME", help="the claimed identity to unlock")
    parser.add_argument("--key", metavar="ID", help="the API key id to unlock")


def run_rotate_template_key(args: argparse.Namespace) -> Outcome:
    from unmask.identity import rotate_template_key

    done = rotate_template_key(args.db, data_dir=args.data_dir)
    lines = [f"{db}: re-encrypted {plural(count, 'template')}" for db, count in done.items()]
    return Outcome(
        document={"rotated": [{"db": db, "templates": n} for db, n in done.items()]},
        text="\n".join([*lines, "the new template key replaced the old one"]),
    )


def add_galleries(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        action="append",
        required=True,
        metavar="G",
        help="a gallery file or postgresql:// URL whose templates use the key (repeat for each)",
    )


def add_nothing(parser: argparse.ArgumentParser) -> None:
    del parser


SUBCOMMANDS: list[
    tuple[str, str, Callable[[argparse.ArgumentParser], None], Callable[..., Outcome]]
] = [
    ("add", "make a key of a role; printed once", add_role, run_add),
    ("list", "every key (never its secret)", add_nothing, run_list),
    ("revoke", "revoke a key at once", add_key_id, run_revoke),
    ("locks", "identities and keys locked after attack verdicts", add_nothing, run_locks),
    ("unlock", "lift a lock (--identity NAME or --key ID)", add_unlock, run_unlock),
    (
        "rotate-template-key",
        "re-encrypt every template of the galleries under a new key, then retire the old one",
        add_galleries,
        run_rotate_template_key,
    ),
]


def register(subparsers: Any) -> None:
    group = subparsers.add_parser("keys", help="the service's API keys and lockouts")
    commands = group.add_subparsers(dest="keys_command", metavar="KEYS_COMMAND", required=True)
    for name, summary, add_arguments, handler in SUBCOMMANDS:
        parser = commands.add_parser(name, help=summary)
        add_arguments(parser)
        add_data_dir(parser)
        add_json_flag(parser)
        parser.set_defaults(handler=handler)
