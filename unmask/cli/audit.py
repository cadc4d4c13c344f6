"""`unmask audit verify|list`: check and read the service's tamper-evident audit log."""

from __future__ import annotations

import argparse
from typing import Any

from unmask.cli.flags import add_data_dir
from unmask.cli.output import Outcome, add_json_flag
from unmask.datadir import resolve_data_dir
from unmask.service.audit import AuditError, AuditLog


def run_verify(args: argparse.Namespace) -> Outcome:
    report = AuditLog(resolve_data_dir(args.data_dir)).verify()
    if not report.ok:
        # One line with the first bad record, the CLI's error convention (exit 1).
        raise AuditError(f"audit log fails: {report.reason}")
    return Outcome(
        document=report.as_dict(),
        text=f"ok: {report.records} records, chain intact (head {report.head})",
    )


def run_list(args: argparse.Namespace) -> Outcome:
    records = AuditLog(resolve_data_dir(args.data_dir)).records(
        after=args.after, limit=args.limit, action=args.action
    )
    lines = [
        f"{r.seq:>6} {r.as_dict()['time']} key {r.key_id} {r.action} {r.subject} {r.result}"
        for r in records
    ]
    return Outcome(
        document={"records": [r.as_dict() for r in records]}, text="\n".join(lines) or "no records"
    )


def register(subparsers: Any) -> None:
    group = subparsers.add_parser("audit", help="check or read the service's audit log")
    commands = group.add_subparsers(dest="audit_command", metavar="AUDIT_COMMAND", required=True)
    verify = commands.add_parser(
        "verify", help="check the hash chain: exit 0 when intact, else the first bad record"
    )
    add_data_dir(verify)
    add_json_flag(verify)
    verify.set_defaults(handler=run_verify)
    listing = commands.add_parser("list", help="records, oldest first")
    listing.add_argument("--after", type=int, default=0, help="only records after this number")
    listing.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    listing.add_argument("--action", default=None, help="only this action (enroll, verify, ...)")
    add_data_dir(listing)
    add_json_flag(listing)
    listing.set_defaults(handler=run_list)
