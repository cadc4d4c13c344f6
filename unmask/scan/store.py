"""The output folder: manifest (what is done), tracks.jsonl, tracks.csv, crops and clips.

The manifest maps each item to its key (paths, sizes, modification times) and outcome and is
replaced atomically after every item, so an interrupted scan resumes where it stopped: items
done with the same key are skipped, and records of any item not marked done are dropped.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from unmask.errors import InputError

CSV_COLUMNS = (
    "file",
    "track",
    "first_seen",
    "last_seen",
    "frames",
    "id",
    "cluster",
    "distance",
    "cluster_distance",
    "liveness",
    "liveness_score",
    "species",
    "alerts",
    "crop",
    "clip",
)


def safe_name(name: str) -> str:
    """A file-name stem for an item: readable tail of its path plus a hash against clashes."""
    tail = re.sub(r"[^A-Za-z0-9._-]+", "_", name)[-48:].strip("._") or "item"
    return f"{tail}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"


class OutputFolder:
    """Everything a scan writes, under one folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        try:
            (root / "crops").mkdir(parents=True, exist_ok=True)
            (root / "evidence").mkdir(exist_ok=True)
        except OSError as exc:
            raise InputError(f"{root}: cannot create the output folder ({exc.strerror})") from None
        self.manifest_path = root / "manifest.json"
        self.tracks_path = root / "tracks.jsonl"
        self.manifest: dict[str, dict[str, Any]] = {}
        if self.manifest_path.exists():
            try:
                self.manifest = json.loads(self.manifest_path.read_text())["items"]
            except (ValueError, KeyError, TypeError):
                raise InputError(
                    f"{self.manifest_path}: damaged manifest; delete it to scan everything again"
                ) from None
        self.records = [r for r in self.read_records() if self.is_done(r["file"])]
        self.rewrite_records()

    def read_records(self) -> list[dict[str, Any]]:
        if not self.tracks_path.exists():
            return []
        records = []
        for line in self.tracks_path.read_text().splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                continue  # a line cut by an interrupted write; its item is rescanned
        return records

    def is_done(self, name: str, key: str | None = None) -> bool:
        entry = self.manifest.get(name)
        return (
            entry is not None
            and entry.get("status") == "done"
            and (key is None or entry.get("key") == key)
        )

    def forget(self, name: str) -> None:
        """Before an item is scanned again: its old records go."""
        if any(r["file"] == name for r in self.records):
            self.records = [r for r in self.records if r["file"] != name]
            self.rewrite_records()
        self.manifest.pop(name, None)

    def rewrite_records(self) -> None:
        temporary = self.tracks_path.with_suffix(".tmp")
        temporary.write_text("".join(json.dumps(r) + "\n" for r in self.records))
        os.replace(temporary, self.tracks_path)

    def add(self, name: str, entry: dict[str, Any], records: list[dict[str, Any]]) -> None:
        """One finished item: its records appended, then the manifest says it is done."""
        with self.tracks_path.open("a") as handle:
            handle.writelines(json.dumps(r) + "\n" for r in records)
        self.records.extend(records)
        self.manifest[name] = entry
        temporary = self.manifest_path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"version": 1, "items": self.manifest}, indent=1))
        os.replace(temporary, self.manifest_path)

    def write_file(self, relative: str, data: bytes) -> str:
        (self.root / relative).write_bytes(data)
        return relative

    def write_csv(self) -> Path:
        """tracks.csv: one row per track, plain columns (alerts as their kinds, `;`-joined)."""
        path = self.root / "tracks.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_COLUMNS)
            for record in self.records:
                liveness = record.get("liveness") or {}
                writer.writerow(
                    [
                        record["file"],
                        record["track"],
                        record["first_seen"],
                        record["last_seen"],
                        record["frames"],
                        record["id"] or "",
                        record["cluster"] or "",
                        "" if record["distance"] is None else record["distance"],
                        "" if record["cluster_distance"] is None else record["cluster_distance"],
                        liveness.get("decision", ""),
                        "" if liveness.get("score") is None else liveness["score"],
                        liveness.get("species") or "",
                        ";".join(a["kind"] for a in record["alerts"]),
                        record["crop"] or "",
                        ";".join(a["clip"] for a in record["alerts"] if a.get("clip")),
                    ]
                )
        return path
