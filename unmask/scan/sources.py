"""What a scan reads: each video is one item, each folder of images one image sequence.

Globs are expanded here (a shell may not have done it: quoted patterns, Windows), folders
recursively and in sorted order. A path that is missing or holds nothing still becomes an item,
so the worker reports it in its own entry like any other failure.
"""

from __future__ import annotations

import glob
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from unmask.media.suffixes import IMAGE_SUFFIXES


@dataclass(frozen=True)
class ScanItem:
    """One unit of work: a video file, or the images of one folder played as a video."""

    name: str
    paths: tuple[str, ...]
    sequence: bool = False

    def key(self) -> str:
        """Path, size and modification time of every file: a changed file is scanned again.

        Raises OSError for a path that cannot be read (the scan then reports it)."""
        digest = hashlib.sha256()
        for path in self.paths:
            info = os.stat(path)
            digest.update(f"{Path(path).resolve()}|{info.st_size}|{info.st_mtime_ns}\n".encode())
        return digest.hexdigest()[:32]


def is_image(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES


def expand_inputs(inputs: Iterable[str]) -> list[ScanItem]:
    """Scan items for command-line paths, in the order given, each item once."""
    items: list[ScanItem] = []
    for text in inputs:
        matches = (
            sorted(glob.glob(text, recursive=True))
            if glob.has_magic(text) and not os.path.exists(text)
            else [text]
        )
        if not matches:
            items.append(ScanItem(text, (text,)))
            continue
        files: list[Path] = []
        for match in matches:
            path = Path(match)
            if path.is_dir():
                inside = sorted(p for p in path.rglob("*") if p.is_file() and media_file(p))
                if not inside:
                    items.append(ScanItem(match, (match,)))
                files.extend(inside)
            else:
                files.append(path)
        items.extend(group(files))
    seen: set[tuple[str, ...]] = set()
    unique = []
    for item in items:
        if item.paths not in seen:
            seen.add(item.paths)
            unique.append(item)
    return unique


def media_file(path: Path) -> bool:
    from unmask.media.kind import VIDEO_SUFFIXES

    return is_image(path) or path.suffix.lower() in VIDEO_SUFFIXES


def group(files: list[Path]) -> list[ScanItem]:
    """Videos (and unknown files) alone; images with the other images of their folder."""
    items: list[ScanItem] = []
    sequences: dict[Path, list[str]] = {}
    for path in files:
        if is_image(path):
            if path.parent not in sequences:
                sequences[path.parent] = []
                items.append(ScanItem(str(path.parent), ()))
            sequences[path.parent].append(str(path))
        else:
            items.append(ScanItem(str(path), (str(path),)))
    return [
        ScanItem(item.name, tuple(sequences[Path(item.name)]), True) if not item.paths else item
        for item in items
    ]
