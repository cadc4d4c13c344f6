"""The output-path policy: a command never overwrites an existing file unless told `--force`.

A scores file or a report from an hour of scoring is easy to destroy with a repeated command
line; refusing costs one flag. The check runs before the work, so a refusal costs no time.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path

from unmask.errors import InputError


def add_force_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--force", action="store_true", help="overwrite existing output files instead of refusing"
    )


def claim_outputs(paths: Iterable[Path], force: bool) -> None:
    """Refuse (exit 2, naming the path) when an output exists and `force` is not given."""
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            if any(path.iterdir()) and not force:
                raise InputError(
                    f"{path}: folder exists and is not empty; pass --force to write into it"
                )
            continue
        if path.exists() or path.is_symlink():
            if not force:
                raise InputError(f"{path}: exists; pass --force to overwrite it")
            if not path.is_file():
                raise InputError(f"{path}: exists and is not a regular file; not overwritten")
