"""Process-parallel map with a progress bar, order kept: for dataset-sized jobs.

Spawned (not forked) workers: each loads its own models, so no interpreter state is shared
across a fork.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from tqdm import tqdm

Item = TypeVar("Item")
Result = TypeVar("Result")


def default_workers() -> int:
    return max(
        1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )


def parallel_map(
    work: Callable[[Item], Result],
    items: Sequence[Item],
    *,
    workers: int | None = None,
    description: str = "",
    progress: bool = True,
) -> list[Result]:
    """`[work(x) for x in items]` over `workers` processes (1: in this process).

    The bar shows only on a terminal: a log or a pipe never fills with redraws.
    """
    count = workers if workers is not None else default_workers()
    bar = tqdm(
        total=len(items),
        desc=description,
        unit="file",
        file=sys.stderr,
        disable=not (progress and sys.stderr.isatty()),
    )
    results: list[Result] = []

    def consume(stream: Iterator[Result]) -> None:
        for result in stream:
            results.append(result)
            bar.update(1)

    try:
        if count <= 1 or len(items) < 2:
            consume(work(item) for item in items)
        else:
            chunk = max(1, len(items) // (count * 8))
            with multiprocessing.get_context("spawn").Pool(count) as pool:
                consume(pool.imap(work, items, chunksize=chunk))
    finally:
        bar.close()
    return results
