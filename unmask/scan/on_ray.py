"""The same scan on a Ray cluster (`--ray ADDRESS`, or `--ray local` for one started here).

Each item is one Ray task. A task whose worker process dies (killed, out of memory, node lost)
is retried by Ray up to MAX_RETRIES times; an item that still fails is reported as failed, in
its own entry, never dropped. Workers need unmask installed and the media paths readable on
every node (docs/scan.md).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from unmask.errors import InputError

MAX_RETRIES = 3
Item = TypeVar("Item")


def run_on_ray(
    work: Callable[[Item, Any], Any],
    items: Sequence[Item],
    settings: Any,
    address: str,
    workers: int,
    retries: int = MAX_RETRIES,
) -> Iterator[Any]:
    """`work(item, settings)` for every item as Ray tasks, results in input order; an item
    whose task died on every try (1 + `retries`) yields the runner's Failure instead."""
    local = address == "local"
    if local:
        # Workers of a Ray started here run this interpreter as it is; Ray's `uv run` hook
        # (read when ray is imported) would otherwise build them an environment of their own.
        os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
    try:
        import ray
    except ImportError:
        raise InputError("--ray needs Ray: pip install 'unmask[ray]'") from None
    from unmask.scan.runner import Failure

    started = not ray.is_initialized()
    if started:
        try:
            ray.init(
                address=None if local else address,
                num_cpus=max(1, workers) if local else None,
                include_dashboard=False,
                logging_level=logging.WARNING,
                configure_logging=False,
                log_to_driver=False,
            )
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise InputError(f"--ray {address}: cannot reach the cluster ({exc})") from None
    try:
        task = ray.remote(max_retries=retries, retry_exceptions=False)(work)
        pending = [task.remote(item, settings) for item in items]
        for reference in pending:
            try:
                yield ray.get(reference)
            except ray.exceptions.RayError as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                yield Failure(
                    f"Ray task failed after {retries} retries: {type(exc).__name__}: {first}",
                    "WorkerDied",
                    1,
                )
    finally:
        if started:
            ray.shutdown()
