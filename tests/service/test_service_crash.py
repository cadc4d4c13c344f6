"""kill -9 the real server during enrolment, 20 times: no template lost or half-written, and
the audit chain still verifies."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from numpy.typing import NDArray

from tests.service.conftest import png_bytes
from unmask.identity import Gallery
from unmask.service.audit import AuditLog
from unmask.service.keys import KeyStore

KILLS = 20
IMAGES = 2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for_health(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.02)
    pytest.fail(f"the server on port {port} did not answer /health in time")


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.timeout(600)
def test_kill_minus_nine_during_enrolment(
    tmp_path: Path, portraits: dict[str, NDArray[np.uint8]]
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    key = KeyStore(data_dir).bootstrap_admin()
    image = png_bytes(portraits["grace_hopper"])
    zygote = subprocess.Popen(
        [sys.executable, "-m", "tests.service.zygote", str(data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert zygote.stdin is not None and zygote.stdout is not None
    try:
        if zygote.stdout.readline().strip() != "ready":
            pytest.skip("the forking parent could not start")
        acknowledged: set[str] = set()
        full_time = None
        rng = random.Random(12)
        for attempt in range(KILLS + 1):
            port = free_port()
            zygote.stdin.write(f"{port}\n")
            zygote.stdin.flush()
            pid = int(zygote.stdout.readline())
            wait_for_health(port, time.monotonic() + 60)
            name = f"person{attempt}"
            answers: list[int] = []

            def enrol(port: int = port, name: str = name, answers: list[int] = answers) -> None:
                try:
                    response = httpx.post(
                        f"http://127.0.0.1:{port}/api/enroll",
                        headers={"X-API-Key": key or ""},
                        data={"id": name},
                        files=[("files", (f"{n}.png", image)) for n in range(IMAGES)],
                        timeout=60.0,
                    )
                    answers.append(response.status_code)
                except httpx.HTTPError:
                    pass

            started = time.monotonic()
            sender = threading.Thread(target=enrol)
            sender.start()
            if full_time is None:  # the first one runs to completion: it times the rest
                sender.join()
                full_time = time.monotonic() - started
            else:
                time.sleep(rng.uniform(0.3, 1.1) * full_time)
            os.kill(pid, signal.SIGKILL)
            sender.join()
            if answers == [200]:
                acknowledged.add(name)
            for _ in range(500):
                if gone(pid):
                    break
                time.sleep(0.01)
    finally:
        if zygote.stdin:
            zygote.stdin.close()
        zygote.wait(timeout=30)

    with Gallery(data_dir / "gallery.sqlite", data_dir=data_dir) as gallery:
        assert gallery.check().ok
        counts = {record.name: record.templates for record in gallery.identities()}
    lost = sorted(acknowledged - set(counts))
    half_written = sorted(name for name, count in counts.items() if count != IMAGES)
    chain = AuditLog(data_dir)
    report = chain.verify()
    audited = {
        r.subject for r in chain.records(limit=1000) if r.action == "enroll" and r.result["ok"]
    }
    print(
        f"\n{KILLS} kills: {len(acknowledged)} enrolments acknowledged, {len(counts)} present, "
        f"{len(lost)} lost, {len(half_written)} half-written, {len(set(counts) - audited)} "
        f"present without an audit record, audit chain ok={report.ok} ({report.records} records)"
    )
    assert lost == [] and half_written == []
    assert report.ok, report.reason
    assert audited <= set(counts)
    assert "person0" in acknowledged
