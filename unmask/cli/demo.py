"""`unmask demo`: the end-to-end story that `make demo` runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from unmask.cli.output import Outcome, add_json_flag
from unmask.cli.outputs import add_force_flag, claim_outputs


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="run the end-to-end demo on bundled faces")
    parser.add_argument(
        "--out", default="out/demo", help="folder for the demo's files (default out/demo)"
    )
    add_force_flag(parser)
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def say(line: str) -> None:
    print(line, flush=True)


def run(args: argparse.Namespace) -> Outcome:
    from unmask.demo import run_demo

    claim_outputs([Path(args.out)], args.force)
    lines: list[str] = []
    run_demo(Path(args.out), say=lines.append if args.json else say, progress=not args.json)
    return Outcome(document={"out": args.out, "log": lines})
