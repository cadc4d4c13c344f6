"""File walking shared by the dataset readers (sorted, so protocols are reproducible)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from unmask.errors import MediaNotFoundError, ProtocolError

MEDIA_SUFFIXES = frozenset(
    {
        ".jpg",
        ".jpeg",
        ".png",
        ".bmp",
        ".pgm",
        ".webp",
        ".avi",
        ".mov",
        ".mp4",
        ".mkv",
        ".hdf5",
        ".h5",
    }
)


def require_dir(root: str | Path, dataset: str) -> Path:
    folder = Path(root)
    if not folder.is_dir():
        raise MediaNotFoundError(f"{dataset}: folder not found: {folder}")
    return folder.resolve()


def media_files(folder: Path, suffixes: frozenset[str] = MEDIA_SUFFIXES) -> Iterator[Path]:
    """Media files under `folder`, recursively, in sorted order."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix.lower() in suffixes:
            yield path


def nonempty(entries: list, dataset: str, root: Path, expected: str) -> list:
    """Refuse to return an empty protocol: it almost always means the wrong folder."""
    if not entries:
        raise ProtocolError(f"{dataset}: nothing recognised under {root}; expected {expected}")
    return entries
