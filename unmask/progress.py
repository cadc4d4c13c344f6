"""Feedback on long work: a bar on a terminal, nothing when stderr is piped or with --json.

Everything goes to stderr, so stdout keeps exactly what the command prints (one JSON document
with --json), and a log file or a pipe never fills with carriage-return animations.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

Item = TypeVar("Item")


def interactive() -> bool:
    return sys.stderr.isatty()


def bar(items: Iterable[Item], unit: str, *, enabled: bool) -> Iterator[Item]:
    """`items`, counted on a progress bar when `enabled` and stderr is a terminal."""
    if not (enabled and interactive()):
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True)


def note(text: str, *, enabled: bool) -> None:
    """One line of what is happening now, for the steps no bar can count."""
    if enabled and interactive():
        print(f"unmask: {text}", file=sys.stderr, flush=True)
