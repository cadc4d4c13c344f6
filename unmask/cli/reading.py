"""The flags and the policy every media-reading command shares: `--strict`, `--max-seconds`.

Incomplete media (a truncated video) are a warning by default, printed as one
`unmask: warning:` line on stderr and listed under "warnings" in the JSON document; with
`--strict` they are an error (exit 4). Video is read for at most `--max-seconds`, so a long
file cannot run for many minutes unasked.
"""

from __future__ import annotations

import argparse
import sys
import warnings

from unmask.cli.output import Outcome
from unmask.media_policy import DEFAULT_MAX_VIDEO_SECONDS, MediaWarning, strict_media


def add_strict_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--strict",
        action="store_true",
        help="treat truncated or partly decodable media as an error (exit 4), not a warning",
    )


def add_reading_flags(parser: argparse.ArgumentParser) -> None:
    """--strict and --max-seconds (default DEFAULT_MAX_VIDEO_SECONDS)."""
    add_strict_flag(parser)
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=DEFAULT_MAX_VIDEO_SECONDS,
        help=f"read at most this much of each video (default {DEFAULT_MAX_VIDEO_SECONDS:g} s)",
    )


def run_handler(args: argparse.Namespace) -> Outcome:
    """Run the command under its media policy; its media warnings go to stderr and the JSON."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MediaWarning)
        try:
            with strict_media(bool(getattr(args, "strict", False))):
                outcome: Outcome = args.handler(args)
        finally:
            said = [str(w.message) for w in caught if issubclass(w.category, MediaWarning)]
            for message in said:
                print(f"unmask: warning: {message}", file=sys.stderr)
    if said:
        listed = outcome.document.setdefault("warnings", [])
        if isinstance(listed, list):
            listed.extend(said)
    return outcome
