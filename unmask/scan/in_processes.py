"""The scan's items in local worker processes (`--workers N`), a crashed item retried once.

Why the care: when one worker process dies (out of memory, a crash in a native decoder), a
concurrent.futures pool breaks and every item it had not finished fails with it, the innocent
with the guilty. So on a break, items that had not started go to a fresh pool untouched, and
items that were running (at most one per worker) are suspects: each is tried again on its own,
in a one-process pool, which tells the file that kills its worker from the files beside it. A
suspect that dies alone too is reported as failed (`WorkerDied`), never dropped, as on Ray.
Which items had started is known from a marker each task writes first; the pool does not say.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path
from typing import Any, TypeVar

# Tries after the first death; the first retry runs the item alone.
RETRIES = 1
Item = TypeVar("Item")


def marked(work: Callable[[Item, Any], Any], marker: str, item: Item, settings: Any) -> Any:
    """Note that this item started (in the worker), then run it."""
    Path(marker).touch()
    return work(item, settings)


class ProcessRun:
    """Items submitted to a spawned process pool, answered in any order, re-run after a break."""

    def __init__(
        self,
        work: Callable[[Item, Any], Any],
        items: Sequence[Item],
        settings: Any,
        workers: int,
        folder: Path,
        retries: int,
    ) -> None:
        self.work, self.items, self.settings = work, items, settings
        self.workers, self.folder, self.retries = workers, folder, retries
        self.context = get_context("spawn")
        self.pool: ProcessPoolExecutor | None = None
        self.futures: dict[int, Future[Any]] = {}
        self.known: dict[int, Any] = {}

    def start(self, indices: list[int]) -> None:
        self.pool = ProcessPoolExecutor(min(self.workers, len(indices)), mp_context=self.context)
        for index in indices:
            self.marker(index).unlink(missing_ok=True)
            self.futures[index] = self.pool.submit(
                marked, self.work, str(self.marker(index)), self.items[index], self.settings
            )

    def marker(self, index: int) -> Path:
        return self.folder / f"{index}.started"

    def outcome(self, index: int) -> Any:
        """Item `index`'s result, waiting for it (and recovering from any break on the way)."""
        while index not in self.known:
            try:
                self.known[index] = self.futures[index].result()
            except BrokenProcessPool:
                self.recover()
        self.futures.pop(index, None)
        return self.known.pop(index)

    def recover(self) -> None:
        """Keep what finished, run each suspect alone, resubmit the rest to a fresh pool."""
        unfinished = []
        for index, future in self.futures.items():
            if index in self.known:
                continue
            if future.done() and future.exception() is None:
                self.known[index] = future.result()
            else:
                unfinished.append(index)
        if self.pool is not None:
            self.pool.shutdown(wait=True)
        self.futures = {}
        suspects = [index for index in unfinished if self.marker(index).exists()]
        # A worker that died before any item began leaves no marker: suspect them all.
        suspects = suspects or unfinished
        for index in suspects:
            self.known[index] = self.alone(index)
        rest = [index for index in unfinished if index not in suspects]
        if rest:
            self.start(rest)

    def alone(self, index: int) -> Any:
        from unmask.scan.runner import Failure

        for _ in range(self.retries):
            with ProcessPoolExecutor(1, mp_context=self.context) as pool:
                try:
                    return pool.submit(self.work, self.items[index], self.settings).result()
                except BrokenProcessPool:
                    continue
        return Failure(
            f"its worker process died on each of {1 + self.retries} tries", "WorkerDied", 1
        )

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def run_in_processes(
    work: Callable[[Item, Any], Any],
    items: Sequence[Item],
    settings: Any,
    workers: int,
    retries: int = RETRIES,
) -> Iterator[Any]:
    """`work(item, settings)` for every item in `workers` spawned processes, results in input
    order; an item whose worker died 1 + `retries` times yields the runner's Failure."""
    with tempfile.TemporaryDirectory(prefix="unmask-scan-") as folder:
        run = ProcessRun(work, items, settings, workers, Path(folder), retries)
        try:
            run.start(list(range(len(items))))
            for index in range(len(items)):
                yield run.outcome(index)
        finally:
            run.close()
