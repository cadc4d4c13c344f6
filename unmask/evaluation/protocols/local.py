"""Readers for the datasets in the project's shared data folder (their layouts as stored there).

- `nuaa`: `bona_fide/<subject>/*.jpg` and `print/<subject>/*.jpg` (NUAA Photograph Imposter).
- `silent-face`: `image_T*.jpg` bona fide, `image_F1*` print, `image_F2*` replay (tablet).
- `siw-mv2-demo`: `live/*.png` and `spoof/*.png`; the spoof type is undocumented -> "other".
- `deepface`: a pairs CSV (`file_x,file_y,decision`); identities are not named, so they are
  recovered as the connected groups of "Yes" pairs.
- `orl`: `sNN/*.pgm`, folder = identity (bona fide faces for recognition).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from unmask.errors import ProtocolError
from unmask.evaluation.protocols.base import Protocol, ProtocolEntry
from unmask.evaluation.protocols.walk import media_files, nonempty, require_dir
from unmask.species import BONA_FIDE

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".pgm", ".webp"})


def read_nuaa(root: str | Path) -> Protocol:
    folder = require_dir(root, "nuaa")
    entries = []
    for label in (BONA_FIDE, "print"):
        for path in (
            media_files(folder / label, IMAGE_SUFFIXES) if (folder / label).is_dir() else []
        ):
            subject = path.parent.name
            entries.append(ProtocolEntry(path=path, label=label, subject=subject))
    nonempty(entries, "nuaa", folder, "bona_fide/<subject>/*.jpg and print/<subject>/*.jpg")
    return Protocol("nuaa", folder, tuple(entries))


_SILENT_FACE = {"T": BONA_FIDE, "F1": "print", "F2": "replay"}


def read_silent_face(root: str | Path) -> Protocol:
    folder = require_dir(root, "silent-face")
    entries = []
    for path in media_files(folder, IMAGE_SUFFIXES):
        match = re.match(r"^image_(T|F1|F2)", path.stem)
        if match:
            entries.append(ProtocolEntry(path=path, label=_SILENT_FACE[match.group(1)]))
    nonempty(entries, "silent-face", folder, "image_T*.jpg / image_F1*.jpg / image_F2*.jpg")
    return Protocol("silent-face", folder, tuple(entries))


def read_siw_mv2_demo(root: str | Path) -> Protocol:
    """Frames of one live and one spoof capture: `session` says which, so frames can be pooled."""
    folder = require_dir(root, "siw-mv2-demo")
    entries = []
    for name, label in (("live", BONA_FIDE), ("spoof", "other")):
        sub = folder / name
        for path in media_files(sub, IMAGE_SUFFIXES) if sub.is_dir() else []:
            entries.append(ProtocolEntry(path=path, label=label, extra={"session": name}))
    nonempty(entries, "siw-mv2-demo", folder, "live/*.png and spoof/*.png")
    return Protocol("siw-mv2-demo", folder, tuple(entries))


def read_orl(root: str | Path) -> Protocol:
    folder = require_dir(root, "orl")
    entries = [
        ProtocolEntry(path=path, label=BONA_FIDE, subject=path.parent.name)
        for path in media_files(folder, IMAGE_SUFFIXES)
        if re.fullmatch(r"s\d+", path.parent.name)
    ]
    nonempty(entries, "orl", folder, "sNN/*.pgm")
    return Protocol("orl", folder, tuple(entries))


def read_deepface_pairs(
    root: str | Path, pairs_file: str = "face-recognition-pivot.csv"
) -> Protocol:
    """One entry per pair: `path` = file_x compared with `extra["reference"]` = file_y.

    `subject`/`target` are the recovered identities of x and y (`id<N>`), so a pair is mated
    exactly when they are equal; `extra["decision"]` keeps the file's own Yes/No.
    """
    folder = require_dir(root, "deepface")
    source = folder / pairs_file
    if not source.is_file():
        raise ProtocolError(f"deepface: pairs file {pairs_file} not found in {folder}")
    pairs = []
    with source.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields = {name.lower(): name for name in reader.fieldnames or []}
        if not {"file_x", "file_y", "decision"} <= set(fields):
            raise ProtocolError(f"{source}:1: need columns file_x,file_y,decision")
        for line, row in enumerate(reader, start=2):
            x, y = (_local_name(row[fields[k]]) for k in ("file_x", "file_y"))
            decision = row[fields["decision"]].strip().lower()
            if decision not in ("yes", "no"):
                raise ProtocolError(f"{source}:{line}: decision {decision!r} is not Yes or No")
            pairs.append((x, y, decision == "yes"))
    identity = _identities(pairs)
    for x, y, same in pairs:
        if not same and identity[x] == identity[y]:
            raise ProtocolError(f"{source}: {x} and {y} are marked different but linked as same")
    entries = [
        ProtocolEntry(
            path=folder / x,
            label=BONA_FIDE,
            subject=identity[x],
            target=identity[y],
            extra={"reference": y, "decision": "Yes" if same else "No"},
        )
        for x, y, same in pairs
    ]
    nonempty(entries, "deepface", folder, f"{pairs_file} with pairs")
    return Protocol("deepface", folder, tuple(entries))


def _local_name(raw: str) -> str:
    """The file name inside the folder: the CSV's paths carry a `deepface/tests/dataset/` prefix."""
    return Path(raw.strip()).name


def _identities(pairs: list[tuple[str, str, bool]]) -> dict[str, str]:
    """Union-find over "same person" pairs: each connected group is one identity."""
    parent: dict[str, str] = {}

    def find(item: str) -> str:
        parent.setdefault(item, item)
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    for x, y, same in pairs:
        root_x, root_y = find(x), find(y)
        if same and root_x != root_y:
            parent[max(root_x, root_y)] = min(root_x, root_y)
    groups = sorted({find(name) for name in parent})
    number = {group: f"id{index:02d}" for index, group in enumerate(groups)}
    return {name: number[find(name)] for name in parent}
