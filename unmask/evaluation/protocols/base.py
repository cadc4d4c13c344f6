"""Dataset protocols: which presentations exist, what they are, and how they are split.

The generic form is a CSV with a header `path,label,subject,target,split` (more columns are
kept as `extra`): `path` relative to the CSV's folder, `label` bona_fide or a PAI species,
`subject` the person shown (or wearing the attack), `target` the identity an attack or a
comparison claims, `split` train/dev/test (or empty). Every dataset reader produces the same
`Protocol`, so the rest of unmask never needs to know a dataset's folder conventions.
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from unmask.errors import MediaNotFoundError, ProtocolError
from unmask.species import normalize_label

COLUMNS = ("path", "label", "subject", "target", "split")
SPLITS = frozenset({"train", "dev", "test", "enroll", ""})


@dataclass(frozen=True)
class ProtocolEntry:
    """One presentation of a protocol (path is absolute once read)."""

    path: Path
    label: str
    subject: str | None = None
    target: str | None = None
    split: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Protocol:
    """A named list of presentations, with the dataset root paths are relative to."""

    name: str
    root: Path
    entries: tuple[ProtocolEntry, ...]

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[ProtocolEntry]:
        return iter(self.entries)

    def split(self, name: str) -> Protocol:
        """The entries of one split (e.g. "dev" to pick a threshold, "test" to report)."""
        return Protocol(self.name, self.root, tuple(e for e in self.entries if e.split == name))

    def label_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(entry.label for entry in self.entries).items()))

    def summary(self) -> dict[str, object]:
        return {
            "name": self.name,
            "root": str(self.root),
            "presentations": len(self.entries),
            "labels": self.label_counts(),
            "splits": dict(sorted(Counter(e.split for e in self.entries).items())),
            "subjects": len({e.subject for e in self.entries if e.subject is not None}),
        }


def read_protocol_csv(path: str | Path, *, check_files: bool = False) -> Protocol:
    """Read the generic protocol CSV; errors name the line. `check_files` also stats each path."""
    source = Path(path)
    if not source.is_file():
        raise MediaNotFoundError(f"protocol file not found: {source}")
    root = source.resolve().parent
    entries = []
    with source.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = [name.strip() for name in reader.fieldnames or []]
        reader.fieldnames = header
        for required in ("path", "label"):
            if required not in header:
                raise ProtocolError(f"{source}:1: missing column {required!r}; header is {header}")
        extra_names = [name for name in header if name not in COLUMNS]
        for line, row in enumerate(reader, start=2):
            where = f"{source}:{line}"
            if None in row:
                raise ProtocolError(f"{where}: more fields than the header has")
            raw_path = (row.get("path") or "").strip()
            if not raw_path:
                raise ProtocolError(f"{where}: empty path")
            label = normalize_label(row.get("label") or "")
            if label is None:
                raise ProtocolError(
                    f"{where}: label {row.get('label')!r} is not bona_fide or a species name"
                )
            split = (row.get("split") or "").strip().lower()
            if split not in SPLITS:
                raise ProtocolError(
                    f"{where}: split {split!r} is not one of {', '.join(sorted(SPLITS - {''}))}"
                )
            full = (root / raw_path).resolve()
            if check_files and not full.exists():
                raise ProtocolError(f"{where}: {raw_path} does not exist under {root}")
            entries.append(
                ProtocolEntry(
                    path=full,
                    label=label,
                    subject=(row.get("subject") or "").strip() or None,
                    target=(row.get("target") or "").strip() or None,
                    split=split,
                    extra={name: row.get(name) or "" for name in extra_names},
                )
            )
    if not entries:
        raise ProtocolError(f"{source}: no presentations")
    return Protocol(name=source.stem, root=root, entries=tuple(entries))


def write_protocol_csv(protocol: Protocol | Sequence[ProtocolEntry], path: str | Path) -> Path:
    """Write the generic CSV with paths relative to its folder (readable back by the reader)."""
    destination = Path(path)
    destination.parent.mkdir(parents=True, exist_ok=True)
    entries = list(protocol)
    extra_names = sorted({name for entry in entries for name in entry.extra})
    base = destination.resolve().parent
    with destination.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*COLUMNS, *extra_names])
        for entry in entries:
            writer.writerow(
                [
                    _relative(entry.path, base),
                    entry.label,
                    entry.subject or "",
                    entry.target or "",
                    entry.split,
                    *(entry.extra.get(name, "") for name in extra_names),
                ]
            )
    return destination


def _relative(path: Path, base: Path) -> str:
    """A path relative to `base`, walking up with `..` when needed (dataset outside the repo)."""
    absolute = path.resolve()
    try:
        return absolute.relative_to(base).as_posix()
    except ValueError:
        return Path(os.path.relpath(absolute, base)).as_posix()
