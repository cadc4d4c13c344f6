"""Flags that mean the same thing in every command, spelled once (see docs/cli.md).

`--db` is the gallery, `--liveness LEVEL` the PAD security level, `--dataset KIND=ROOT` a
dataset in a supported layout. Old spellings still work for a while and say so on stderr, so
scripts are told rather than broken.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from unmask.errors import InputError
from unmask.liveness.levels import LEVEL_NAMES


class Deprecated(argparse.Action):
    """Stores like the flag it stands for, after one warning line naming the new spelling."""

    def __init__(self, option_strings: Sequence[str], dest: str, *, use: str, **kwargs: Any):
        self.use = use
        super().__init__(option_strings, dest, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        print(f"unmask: warning: {option_string} is deprecated; use {self.use}", file=sys.stderr)
        setattr(namespace, self.dest, values)


def add_db(parser: argparse.ArgumentParser, help: str, *, required: bool = True) -> None:
    parser.add_argument("--db", required=required, metavar="GALLERY", help=help)


def add_deprecated_db(parser: argparse.ArgumentParser) -> None:
    """`--gallery`, the old spelling of `--db`."""
    parser.add_argument(
        "--gallery", dest="db", action=Deprecated, use="--db", help=argparse.SUPPRESS
    )


def add_liveness_level(parser: argparse.ArgumentParser, *, default: str | None, help: str) -> None:
    """`--liveness LEVEL`, and `--level`, its old spelling where it meant the same."""
    parser.add_argument(
        "--liveness", choices=LEVEL_NAMES, default=default, metavar="LEVEL", help=help
    )
    parser.add_argument(
        "--level",
        dest="liveness",
        choices=LEVEL_NAMES,
        action=Deprecated,
        use="--liveness LEVEL",
        help=argparse.SUPPRESS,
    )


def dataset_spec(text: str) -> tuple[str, str]:
    """`KIND=ROOT` -> (kind, root)."""
    kind, _, root = text.partition("=")
    if not kind or not root:
        raise InputError(f"--dataset {text!r}: write KIND=ROOT, e.g. nuaa=../shared/data/pad/nuaa")
    return kind, root


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    """The data folder: the gallery's template key and every other secret (docs/gallery.md)."""
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="data folder holding unmask's keys and state: the gallery's template key, the "
        "challenge secret, spent nonces (default $UNMASK_HOME or ~/.local/share/unmask)",
    )
