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

# command -> the module that registers it; only the one being run is imported, so a script
# calling `unmask verify` never pays for the evaluation or lab code.
COMMANDS = {
    "detect": "unmask.cli.detect",
    "enroll": "unmask.cli.identity",
    "identify": "unmask.cli.identity",
    "verify": "unmask.cli.identity",
    "gallery": "unmask.cli.gallery",
    "liveness": "unmask.cli.liveness",
    "challenge": "unmask.cli.challenge",
    "pulse": "unmask.cli.pulse",
    "pad": "unmask.cli.pad",
    "lab": "unmask.cli.lab",
    "evaluate": "unmask.cli.evaluate",
    "benchmark": "unmask.cli.evaluate",
    "demo": "unmask.cli.demo",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="unmask",
        description="Face recognition that a mask cannot fool. Add --json to any command for one JSON document on stdout.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    modules = [COMMANDS[command]] if command in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for name in modules:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(arguments[0] if arguments else None)
    args = parser.parse_args(arguments)
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
