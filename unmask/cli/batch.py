"""Per-file batches: one bad file is reported in its own entry and never aborts the others."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unmask.errors import MediaNotFoundError, UnmaskError
from unmask.media.suffixes import IMAGE_SUFFIXES


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


def expand(files: Iterable[str]) -> Iterator[str]:
    """Files as given; a folder becomes its images and videos, recursively, in sorted order
    (an empty one stays, to be reported as such)."""
    from unmask.evaluation.protocols.walk import media_files
    from unmask.media.kind import VIDEO_SUFFIXES

    for file in files:
        folder = Path(file)
        found = (
            [str(p) for p in media_files(folder, IMAGE_SUFFIXES | VIDEO_SUFFIXES)]
            if folder.is_dir()
            else []
        )
        yield from found or [file]


def run_batch(
    files: Iterable[str],
    work: Callable[[str], dict[str, Any]],
    *,
    progress: bool = False,
    lone_raises: bool = True,
) -> Batch:
    """Every file (folders expanded) through `work`, with a progress bar when asked and useful.

    A lone file that fails raises its error, as a single-file command would (unless
    `lone_raises` is off, for callers that run several batches); in a batch, each failure stays
    in its own entry.
    """
    from unmask.progress import bar

    entries: list[dict[str, Any]] = []
    first_error: UnmaskError | None = None
    expanded = list(expand(files))
    for file in bar(expanded, "files", enabled=progress and len(expanded) > 1):
        try:
            if Path(file).is_dir():
                raise MediaNotFoundError(f"{file}: folder holds no images or videos")
            entry = {"file": file, "error": None, **work(file)}
        except UnmaskError as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            entry = {
                "file": file,
                "error": message.removeprefix(f"{file}: "),
                "error_type": type(exc).__name__,
            }
            first_error = first_error or exc
        entries.append(entry)
    if lone_raises and len(entries) == 1 and first_error is not None:
        raise first_error  # one file: the error itself (one stderr line, its exit code)
    return Batch(entries, first_error)


def succeeded(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries of the files that gave a result, for the text view (errors come after)."""
    return [entry for entry in entries if not entry.get("error")]


def error_lines(entries: list[dict[str, Any]]) -> list[str]:
    return [
        f"  {entry['file']}: error: {entry['error']}" for entry in entries if entry.get("error")
    ]
