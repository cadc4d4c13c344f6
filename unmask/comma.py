"""Lists typed as one comma-separated string, by a person on a command line or in a web form.

One parser for every such field, so `pose, blink` and `pose,,blink` mean the same to the CLI
and to the service.
"""

from __future__ import annotations


def comma_list(text: str) -> list[str]:
    """The items of a comma list as typed (`pose, blink` or `a,,b`), blanks dropped."""
    return [item.strip() for item in text.split(",") if item.strip()]
