"""The CLI's machine contract: with --json exactly one JSON document on stdout, else text.

Commands return an Outcome instead of printing, so the contract is enforced in one place.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Outcome:
    """What a command produced: the JSON document, how to say it to a person, its exit code."""

    document: dict[str, Any]
    text: str | Callable[[], str] = ""
    exit_code: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def render_text(self) -> str:
        return self.text() if callable(self.text) else self.text


def json_ready(value: Any) -> Any:
    """Turn numpy scalars/arrays and non-finite floats into plain JSON values.

    numpy is looked up, not imported: if nothing loaded it, no value can be one of its types,
    and `unmask --help` stays free of it.
    """
    np = sys.modules.get("numpy")
    if isinstance(value, dict):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(item) for item in value]
    if np is not None and isinstance(value, np.ndarray):
        return json_ready(value.tolist())
    if np is not None and isinstance(value, np.generic):
        return json_ready(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


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
