"""`unmask challenge new`: issue a random, signed, single-use active-liveness challenge."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unmask.cli.flags import add_data_dir
from unmask.cli.output import Outcome, add_json_flag
from unmask.comma import comma_list
from unmask.datadir import resolve_data_dir, secret
from unmask.liveness.sensors import DEFAULT_KINDS, DEFAULT_SECONDS, DEFAULT_TTL

if TYPE_CHECKING:
    from unmask.liveness.challenge import Challenge


def register(subparsers: Any) -> None:
    group = subparsers.add_parser("challenge", help="active liveness: issue signed challenges")
    commands = group.add_subparsers(
        dest="challenge_command", metavar="CHALLENGE_COMMAND", required=True
    )
    parser = commands.add_parser(
        "new",
        help="a random single-use challenge; its --json output is the file --challenge takes",
    )
    parser.add_argument(
        "--kinds",
        default=",".join(DEFAULT_KINDS),
        help="comma-separated families pose,blink,expression,flash or single actions (default: all families)",
    )
    parser.add_argument(
        "--seconds", type=float, default=DEFAULT_SECONDS, help="length of the script (default 8)"
    )
    parser.add_argument(
        "--ttl", type=float, default=DEFAULT_TTL, help="validity in seconds (default 120)"
    )
    add_data_dir(parser)
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def describe(challenge: Challenge) -> str:
    lines = [
        f"challenge {challenge.nonce} (valid {challenge.expires_at - challenge.issued_at:.0f} s)"
    ]
    lines += [f"  {s.start:4.1f}-{s.end:4.1f} s  {s.kind}" for s in challenge.steps]
    if challenge.flash:
        lines.append(
            f"  {challenge.flash[0].start:4.1f}-{challenge.flash[-1].end:4.1f} s  flash {len(challenge.flash)} colours"
        )
    lines.append("  (use --json for the challenge file)")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> Outcome:
    from unmask.liveness.challenge import ChallengeIssuer

    folder = resolve_data_dir(args.data_dir)
    issuer = ChallengeIssuer(secret(folder, "challenge"))
    kinds = comma_list(args.kinds)
    challenge = issuer.new(kinds=kinds, seconds=args.seconds, ttl=args.ttl)
    return Outcome(document=challenge.as_dict(), text=describe(challenge))


def accept(path: Path, data_dir: Path | None) -> Challenge:
    """Load a challenge file, check its signature and expiry against the data folder's secret,
    and spend its nonce when `data_dir` was given: all before any frame is looked at."""
    from unmask.liveness.challenge import Challenge, ChallengeIssuer, NonceStore

    challenge = Challenge.load(path)
    folder = resolve_data_dir(data_dir)
    ChallengeIssuer(secret(folder, "challenge")).check(challenge)
    if data_dir is not None:
        NonceStore(folder).spend(challenge.nonce, challenge.expires_at)
    return challenge
