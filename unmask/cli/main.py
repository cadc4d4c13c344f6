"""`unmask` command line: a thin shell over the API.

Each command lives in its own module with `register(subparsers)`; the handler it sets returns an
Outcome. This module owns the one place where errors become one stderr line and an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from unmask.cli.output import Outcome, dump_json
from unmask.errors import UnmaskError

COMMAND_MODULES = (
    "unmask.cli.detect",
    "unmask.cli.identity",
    "unmask.cli.gallery",
    "unmask.cli.demo",
    "unmask.cli.evaluate",
    "unmask.cli.lab",
    "unmask.cli.pulse",
    "unmask.cli.liveness",
    "unmask.cli.pad",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="unmask",
        description="Face recognition that a mask cannot fool. Add --json to any command for one JSON document on stdout.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    as_json = bool(getattr(args, "json", False))
    try:
        outcome: Outcome = args.handler(args)
    except UnmaskError as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"unmask: error: {message}", file=sys.stderr)
        if as_json:
            print(
                dump_json(
                    {"error": message, "error_type": type(exc).__name__, "exit_code": exc.exit_code}
                )
            )
        return exc.exit_code
    except KeyboardInterrupt:
        print("unmask: interrupted", file=sys.stderr)
        return 130
    if as_json:
        print(dump_json(outcome.document))
    else:
        text = outcome.render_text()
        if text:
            print(text)
    return outcome.exit_code


if __name__ == "__main__":
    sys.exit(main())
