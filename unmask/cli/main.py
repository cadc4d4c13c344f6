"""`unmask` command line: a thin shell over the API.

Each command lives in its own module with `register(subparsers)`; the handler it sets returns an
Outcome. This module owns the one place where errors become one stderr line and an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from unmask.cli.output import Outcome, dump_json
from unmask.cli.reading import run_handler
from unmask.errors import UnmaskError, UsageError

# command -> (the module that registers it, its one-line help). Only the module of the command
# being run is imported; the others appear in `unmask --help` from this table alone, so help
# and argument errors never pay for numpy, OpenCV or the models.
COMMANDS = {
    "detect": ("unmask.cli.detect", "find faces, landmarks, pose and quality"),
    "enroll": ("unmask.cli.identity", "enrol faces into a gallery"),
    "identify": ("unmask.cli.identity", "1:N: who is in these images or videos"),
    "verify": ("unmask.cli.identity", "1:1: is this person who they claim to be"),
    "gallery": ("unmask.cli.gallery", "list, rename or erase enrolled identities"),
    "scan": ("unmask.cli.scan", "face tracks, identities and liveness over archived footage"),
    "liveness": ("unmask.cli.liveness", "is this a living face or a presentation attack"),
    "challenge": ("unmask.cli.challenge", "active liveness: issue a signed, single-use challenge"),
    "pulse": ("unmask.cli.pulse", "heart rate from a face video or an RGB trace"),
    "pad": ("unmask.cli.pad", "train, score and inspect the PAD engine"),
    "lab": ("unmask.cli.lab", "simulated, labelled attack presentations"),
    "evaluate": ("unmask.cli.evaluate", "ISO/IEC 30107-3 and 19795-1 metrics from a scores file"),
    "benchmark": ("unmask.cli.evaluate", "run unmask's PAD over a dataset and evaluate it"),
    "demo": ("unmask.cli.demo", "run the end-to-end demo on bundled faces"),
    "serve": ("unmask.cli.serve", "the REST service (docs/service.md)"),
    "keys": ("unmask.cli.keys", "the service's API keys and lockouts"),
    "audit": ("unmask.cli.audit", "check or read the service's audit log"),
}


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are raised, so `--json` can still print its document."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message, self.format_usage())


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    parser = Parser(
        prog="unmask",
        description="Face recognition that a mask cannot fool. Add --json to any command for one JSON document on stdout.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    chosen = COMMANDS[command][0] if command in COMMANDS else None
    for name, (module, summary) in COMMANDS.items():
        if module != chosen:
            subparsers.add_parser(name, help=summary, add_help=False)
        elif name == next(n for n, (m, _) in COMMANDS.items() if m == chosen):
            importlib.import_module(module).register(subparsers)
    return parser


def error_document(exc: UnmaskError) -> tuple[str, dict[str, object]]:
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return message, {"error": message, "error_type": type(exc).__name__, "exit_code": exc.exit_code}


def run(arguments: list[str]) -> int:
    as_json = "--json" in arguments
    try:
        args = build_parser(arguments[0] if arguments else None).parse_args(arguments)
        outcome: Outcome = run_handler(args)
    except UsageError as exc:
        message, document = error_document(exc)
        sys.stderr.write(exc.usage)
        print(f"unmask: error: {message}", file=sys.stderr)
        if as_json:
            print(dump_json(document))
        return exc.exit_code
    except UnmaskError as exc:
        message, document = error_document(exc)
        print(f"unmask: error: {message}", file=sys.stderr)
        if as_json:
            print(dump_json(document))
        return exc.exit_code
    if as_json:
        print(dump_json(outcome.document))
    else:
        text = outcome.render_text()
        if text:
            print(text)
    return outcome.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    try:
        try:
            return run(list(sys.argv[1:] if argv is None else argv))
        finally:
            sys.stdout.flush()
    except KeyboardInterrupt:
        print("unmask: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (`| head`) left: stop quietly, and keep Python's exit-time flush of
        # stdout from raising again by pointing it at /dev/null.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
