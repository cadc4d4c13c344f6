"""The audit chain: every edit, deletion, reordering and cut is found and named."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from unmask.cli.main import main
from unmask.service.audit import AUDIT_FILE, AuditLog


@pytest.fixture
def chain(tmp_path: Path) -> AuditLog:
    log = AuditLog(tmp_path)
    log.ensure()
    for number in range(1, 6):
        log.append(f"key{number}", "verify", f"person{number}", {"match": number % 2 == 0})
    return log


def tamper(log: AuditLog, *statements: tuple[str, tuple[object, ...]]) -> None:
    with sqlite3.connect(log.path) as connection:
        for sql, values in statements:
            connection.execute(sql, values)


def swap_rows(log: AuditLog) -> None:
    with sqlite3.connect(log.path) as connection:
        two, three = (
            connection.execute(
                "SELECT at, key_id, action, subject, result, mac FROM records WHERE seq = ?", (n,)
            ).fetchone()
            for n in (2, 3)
        )
        for seq, row in ((2, three), (3, two)):
            connection.execute(
                "UPDATE records SET at = ?, key_id = ?, action = ?, subject = ?, result = ?, mac = ? WHERE seq = ?",
                (*row, seq),
            )


TAMPERS: dict[str, tuple[Callable[[AuditLog], None], int | None, str]] = {
    "edit a result": (
        lambda log: tamper(
            log, ("UPDATE records SET result = ? WHERE seq = 3", ('{"match":true}',))
        ),
        3,
        "fails its MAC",
    ),
    "edit the key id": (
        lambda log: tamper(log, ("UPDATE records SET key_id = 'someone' WHERE seq = 2", ())),
        2,
        "fails its MAC",
    ),
    "edit the time": (
        lambda log: tamper(log, ("UPDATE records SET at = at - 3600 WHERE seq = 4", ())),
        4,
        "fails its MAC",
    ),
    "delete a record": (
        lambda log: tamper(log, ("DELETE FROM records WHERE seq = 3", ())),
        3,
        "missing",
    ),
    "delete and renumber": (
        lambda log: tamper(
            log,
            ("DELETE FROM records WHERE seq = 3", ()),
            ("UPDATE records SET seq = seq - 1 WHERE seq > 3", ()),
        ),
        3,
        "fails its MAC",
    ),
    "reorder two records": (swap_rows, 2, "fails its MAC"),
    "cut the last record": (
        lambda log: tamper(log, ("DELETE FROM records WHERE seq = 5", ())),
        5,
        "cut from the end",
    ),
    "cut the tail and edit the head": (
        lambda log: tamper(
            log,
            ("DELETE FROM records WHERE seq = 5", ()),
            ("UPDATE head SET count = 4, last = (SELECT mac FROM records WHERE seq = 4)", ()),
        ),
        None,
        "head fails its MAC",
    ),
    "empty the log": (
        lambda log: tamper(log, ("DELETE FROM records", ())),
        1,
        "cut from the end",
    ),
    "drop the head": (
        lambda log: tamper(log, ("DELETE FROM head", ())),
        None,
        "head record is missing",
    ),
}


@pytest.mark.parametrize("name", list(TAMPERS))
def test_tampering_is_found_and_named(chain: AuditLog, name: str) -> None:
    assert chain.verify().ok
    change, first_bad, words = TAMPERS[name]
    change(chain)
    report = chain.verify()
    assert not report.ok
    assert report.first_bad == first_bad, report.reason
    assert words in (report.reason or "")


def test_a_chain_rewritten_with_another_key_fails(chain: AuditLog, tmp_path: Path) -> None:
    (tmp_path / "forger").mkdir()
    forger = AuditLog(tmp_path / "forger")
    forger.ensure()
    for record in chain.records():
        forger.append(record.key_id, record.action, record.subject, {"match": True})
    shutil.copyfile(forger.path, chain.path)
    report = chain.verify()
    assert not report.ok and "head fails its MAC" in (report.reason or "")


def test_cli_verify_exit_codes_and_one_line_reason(
    chain: AuditLog, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = str(chain.data_dir)
    assert main(["audit", "verify", "--data-dir", folder]) == 0
    assert "5 records" in capsys.readouterr().out
    tamper(chain, ("UPDATE records SET subject = 'mallory' WHERE seq = 2", ()))
    assert main(["audit", "verify", "--data-dir", folder]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "record 2" in err[0]


def test_concurrent_writers_keep_one_chain(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    log.ensure()

    def write(name: str) -> None:
        writer = AuditLog(tmp_path)
        for number in range(20):
            writer.append(name, "identify", str(number), {})

    threads = [threading.Thread(target=write, args=(f"k{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = log.verify()
    assert report.ok and report.records == 80


def test_records_read_back_as_written(chain: AuditLog) -> None:
    records = chain.records(after=2, limit=2)
    assert [r.seq for r in records] == [3, 4]
    assert records[0].as_dict()["result"] == {"match": False}
    assert chain.path.name == AUDIT_FILE
