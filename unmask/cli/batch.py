"""Per-file batches: one bad file is reported in its own entry and never aborts the others."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from unmask.errors import UnmaskError


@dataclass
class Batch:
    """Every file's entry, and the first failure (its code becomes the command's exit code).

    A single-file call therefore exits with that error's documented code, and a batch with any
    failure exits non-zero while still printing every file's result.
    """

    entries: list[dict[str, Any]]
    first_error: UnmaskError | None

    @property
    def exit_code(self) -> int:
        return self.first_error.exit_code if self.first_error else 0


def run_batch(files: Iterable[str], work: Callable[[str], dict[str, Any]]) -> Batch:
    entries: list[dict[str, Any]] = []
    first_error: UnmaskError | None = None
    for file in files:
        try:
            entry = {"file": file, "error": None, **work(file)}
        except UnmaskError as exc:
            entry = {
                "file": file,
                "error": str(exc).splitlines()[0],
                "error_type": type(exc).__name__,
            }
            first_error = first_error or exc
        entries.append(entry)
    return Batch(entries, first_error)


def error_lines(entries: list[dict[str, Any]]) -> list[str]:
    return [
        f"  {entry['file']}: error: {entry['error']}" for entry in entries if entry.get("error")
    ]
