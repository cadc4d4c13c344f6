"""Per-file batches: one bad file is reported in its own entry and never aborts the others."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from unmask.errors import UnmaskError


def run_batch(
    files: Iterable[str], work: Callable[[str], dict[str, Any]]
) -> tuple[list[dict[str, Any]], int]:
    """Apply `work` to each file; returns the entries and the exit code of the first failure.

    A single-file call therefore exits with that error's documented code, and a batch with any
    failure exits non-zero while still printing every file's result.
    """
    entries: list[dict[str, Any]] = []
    exit_code = 0
    for file in files:
        try:
            entry = {"file": file, "error": None, **work(file)}
        except UnmaskError as exc:
            entry = {
                "file": file,
                "error": str(exc).splitlines()[0],
                "error_type": type(exc).__name__,
            }
            exit_code = exit_code or exc.exit_code
        entries.append(entry)
    return entries, exit_code


def error_lines(entries: list[dict[str, Any]]) -> list[str]:
    return [
        f"  {entry['file']}: error: {entry['error']}" for entry in entries if entry.get("error")
    ]
