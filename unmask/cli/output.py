"""The CLI's machine contract: with --json exactly one JSON document on stdout, else text.

Commands return an Outcome instead of printing, so the contract is enforced in one place.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from unmask.jsonable import json_ready


@dataclass
class Outcome:
    """What a command produced: the JSON document, how to say it to a person, its exit code."""

    document: dict[str, Any]
    text: str | Callable[[], str] = ""
    exit_code: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def render_text(self) -> str:
        return self.text() if callable(self.text) else self.text


def dump_json(document: dict[str, Any]) -> str:
    return json.dumps(json_ready(document), indent=2, allow_nan=False)


def plural(count: int, word: str) -> str:
    """`1 attack`, `2 attacks`: the count with its noun, as a person writes it."""
    return f"{count} {word if count == 1 else word + 's'}"


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    """Every command takes --json; added per command so it can follow the command name."""
    parser.add_argument(
        "--json", action="store_true", help="print exactly one JSON document on stdout"
    )
