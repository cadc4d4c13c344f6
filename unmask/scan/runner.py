"""The coordinator: skips finished items, runs the rest (here, in processes or on Ray), then,
in input order, names identities, assigns clusters and writes every output.

Workers only compute; this module alone decides ids and clusters and writes files, in input
order, which is why a scan gives the same output however it is run.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from unmask.errors import UnmaskError
from unmask.identity.galleries import open_gallery
from unmask.identity.gallery import Gallery
from unmask.identity.matching import identify
from unmask.identity.thresholds import DEFAULT_FMR, threshold_for_fmr
from unmask.progress import bar
from unmask.scan.clusters import ClusterStore
from unmask.scan.sources import ScanItem, expand_inputs
from unmask.scan.store import OutputFolder, safe_name
from unmask.scan.worker import FileFinding, ScanSettings, scan_item


@dataclass(frozen=True)
class Failure:
    """An item that could not be scanned, as plain data (it crosses process boundaries)."""

    message: str
    error_type: str
    exit_code: int


Outcome = FileFinding | Failure


def attempt(item: ScanItem, settings: ScanSettings) -> Outcome:
    """Scan one item; any failure becomes that item's entry, never the batch's end."""
    try:
        return scan_item(item, settings)
    except UnmaskError as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Failure(message.removeprefix(f"{item.name}: "), type(exc).__name__, exc.exit_code)
    except Exception as exc:  # a decoder or model failure on one file must not end the batch
        return Failure(f"unexpected failure: {type(exc).__name__}: {exc}", "InternalError", 1)


@dataclass
class ScanOptions:
    out: Path
    settings: ScanSettings = field(default_factory=ScanSettings)
    db: str | None = None
    data_dir: str | None = None
    fmr: float = DEFAULT_FMR
    workers: int = 1
    ray: str | None = None
    progress: bool = False


@dataclass
class ScanResult:
    entries: list[dict[str, Any]]
    exit_code: int
    out: Path


class Ordered:
    """Outcomes in input order, with a length so the progress bar knows the total."""

    def __init__(self, items: list[ScanItem], options: ScanOptions) -> None:
        self.items = items
        self.options = options

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[tuple[ScanItem, Outcome]]:
        settings = self.options.settings
        if self.options.ray:
            from unmask.scan.on_ray import run_on_ray

            results = run_on_ray(
                attempt, self.items, settings, self.options.ray, self.options.workers
            )
            yield from zip(self.items, results, strict=True)
        elif self.options.workers > 1 and len(self.items) > 1:
            from unmask.scan.in_processes import run_in_processes

            results = run_in_processes(attempt, self.items, settings, self.options.workers)
            yield from zip(self.items, results, strict=True)
        else:
            for item in self.items:
                yield item, attempt(item, settings)


def item_key(item: ScanItem) -> str | None:
    try:
        return item.key()
    except OSError:
        return None


def run_scan(inputs: Sequence[str], options: ScanOptions) -> ScanResult:
    """Scan `inputs` into `options.out`; every item gets an entry (skipped, done or failed)."""
    items = expand_inputs(inputs)
    out = OutputFolder(options.out)
    threshold = threshold_for_fmr(options.fmr)
    clusters = ClusterStore(options.out / "clusters.json", threshold)
    entries: dict[str, dict[str, Any]] = {}
    keys = {item.name: item_key(item) for item in items}
    todo = []
    for item in items:
        key = keys[item.name]
        if key is not None and out.is_done(item.name, key):
            entries[item.name] = {"file": item.name, "error": None, "skipped": True}
        else:
            todo.append(item)
    first_code = 0
    with ExitStack() as stack:
        gallery = None
        if options.db:
            gallery = stack.enter_context(open_gallery(options.db, data_dir=options.data_dir))
            gallery.require_templates()
        for item, outcome in bar(Ordered(todo, options), "files", enabled=options.progress):
            out.forget(item.name)
            if isinstance(outcome, Failure):
                entry: dict[str, Any] = {
                    "file": item.name,
                    "error": outcome.message,
                    "error_type": outcome.error_type,
                }
                first_code = first_code or outcome.exit_code
                out.add(item.name, {"key": keys[item.name], "status": "error", **entry}, [])
            else:
                records = [
                    track_record(item, outcome, index, gallery, options.fmr, clusters, out)
                    for index in range(len(outcome.tracks))
                ]
                clusters.save()
                facts = {
                    "frames": outcome.frames,
                    "faces": outcome.faces,
                    "seconds": outcome.seconds,
                    "cuts": outcome.cuts,
                    "warnings": outcome.warnings,
                }
                out.add(item.name, {"key": keys[item.name], "status": "done", **facts}, records)
                entry = {"file": item.name, "error": None, "skipped": False, **facts}
            entries[item.name] = entry
    for entry in entries.values():
        if entry["error"] is None:
            entry["tracks"] = [r for r in out.records if r["file"] == entry["file"]]
    out.write_csv()
    from unmask.scan.report import write_report

    write_report(out)
    return ScanResult([entries[item.name] for item in items], first_code, options.out)


def track_record(
    item: ScanItem,
    finding: FileFinding,
    index: int,
    gallery: Gallery | None,
    fmr: float,
    clusters: ClusterStore,
    out: OutputFolder,
) -> dict[str, Any]:
    """One track's record: who (gallery or cluster), when, liveness, alerts with their clips."""
    track = finding.tracks[index]
    stem = f"{safe_name(item.name)}_t{track.track}"
    identity = distance = cluster = cluster_distance = None
    if track.embedding is not None:
        vector = np.asarray(track.embedding, dtype=np.float32)
        if gallery is not None:
            best = identify(vector, gallery, top=1, fmr=fmr)[0]
            distance = round(best.distance, 4)
            identity = best.identity if best.match else None
        cluster, joined = clusters.assign(vector.astype(np.float64))
        cluster_distance = round(joined, 4)
    alerts = [dict(alert) for alert in track.alerts]
    if track.clip_mp4 is not None:
        clip = out.write_file(f"evidence/{stem}.mp4", track.clip_mp4)
        for alert in alerts:
            alert["clip"] = clip
    return {
        "file": item.name,
        "track": track.track,
        "first_seen": track.first_seen,
        "last_seen": track.last_seen,
        "frames": track.frames,
        "box": track.box,
        "id": identity,
        "cluster": cluster,
        "distance": distance,
        "cluster_distance": cluster_distance,
        "liveness": track.liveness,
        "alerts": alerts,
        "crop": out.write_file(f"crops/{stem}.jpg", track.crop_jpeg),
    }
