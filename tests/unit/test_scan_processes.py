"""`unmask scan --workers N`: a worker process that dies is retried, alone, once; a file that
kills its worker every time is reported, never dropped, and the files beside it are unharmed."""

from __future__ import annotations

import os
from pathlib import Path

from unmask.scan.in_processes import run_in_processes


def dies_once(item: int, folder: str) -> int:
    marker = Path(folder) / f"{item}.died"
    if item == 2 and not marker.exists():
        marker.touch()
        os._exit(1)  # the worker process dies, as on an out-of-memory kill
    return item * 10


def seven_always_dies(item: int, folder: str) -> int:
    if item == 7:
        (Path(folder) / f"try-{os.getpid()}").touch()
        os._exit(1)
    return item * 10


def test_a_worker_that_dies_once_is_retried_and_every_item_gets_its_result(tmp_path: Path) -> None:
    assert list(run_in_processes(dies_once, [1, 2, 3, 4], str(tmp_path), 2)) == [10, 20, 30, 40]
    assert (tmp_path / "2.died").exists()


def test_a_file_that_always_kills_its_worker_is_reported_and_the_others_finish(
    tmp_path: Path,
) -> None:
    from unmask.scan.runner import Failure  # here: the workers import this module, keep it light

    outcome = list(run_in_processes(seven_always_dies, [1, 7, 3, 4], str(tmp_path), 2))
    assert outcome[0] == 10 and outcome[2:] == [30, 40]
    assert isinstance(outcome[1], Failure) and outcome[1].error_type == "WorkerDied"
    assert "on each of 2 tries" in outcome[1].message
    assert len(list(tmp_path.glob("try-*"))) == 2  # tried, retried alone, reported
