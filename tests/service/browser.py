"""What the console's browser tests share: Chromium, the service on loopback, the page's steps."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.service.conftest import Served, serve

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


def chromium() -> str:
    """Debian's Chromium (the launcher script or the binary), or skip saying how to get it."""
    for candidate in (os.environ.get("UNMASK_CHROMIUM"), "/usr/lib/chromium/chromium"):
        if candidate and Path(candidate).is_file():
            return candidate
    found = shutil.which("chromium")
    if found is None:
        pytest.skip("no Chromium: apt-get install chromium (see .ci/run), or set UNMASK_CHROMIUM")
    return found


def console_server(
    data_dir: Path, challenge: object, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Served, str, list[object]]]:
    """The service on a loopback port, in this process, handing out `challenge` (the lab can
    only render answers to a challenge drawn before the browser runs), and the screen colours
    the page reported with its frames, as the live session received them."""
    import uvicorn

    from unmask.liveness.live import LiveSession
    from unmask.service import live

    monkeypatch.setattr(live, "issue_challenge", lambda svc: challenge)
    screens: list[object] = []
    push = LiveSession.push

    def recording_push(
        self: LiveSession, frame: object, screen_rgb: object = None, behind: bool = False
    ) -> object:
        screens.append(screen_rgb)
        return push(self, frame, screen_rgb, behind)  # type: ignore[arg-type]

    monkeypatch.setattr(LiveSession, "push", recording_push)
    for served in serve(data_dir):
        config = uvicorn.Config(served.app, host="127.0.0.1", port=0, log_level="warning")
        web = uvicorn.Server(config)
        thread = threading.Thread(target=web.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not web.started and time.monotonic() < deadline and thread.is_alive():
            time.sleep(0.05)
        if not web.started:
            pytest.fail("uvicorn did not start on loopback within 30 s")
        port = web.servers[0].sockets[0].getsockname()[1]
        yield served, f"http://127.0.0.1:{port}", screens
        web.should_exit = True
        thread.join(10)


def launch(playwright: object, clip: Path | None = None) -> object:
    """Headless Chromium whose camera plays `clip` (y4m); without one the page's own script
    must provide the camera (see test_console_flash)."""
    camera = [f"--use-file-for-fake-video-capture={clip}"] if clip is not None else []
    try:
        return playwright.chromium.launch(  # type: ignore[attr-defined]
            executable_path=chromium(),
            args=[
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                *camera,
                "--no-sandbox",
            ],
        )
    except playwright_api.Error as exc:
        pytest.skip(f"Chromium could not start headless: {str(exc).splitlines()[0]}")


def sign_in(page: object, url: str, key: str) -> None:
    page.goto(url)  # type: ignore[attr-defined]
    page.fill("#key", key)  # type: ignore[attr-defined]
    page.click("#key-form button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector("#tabs:not([hidden])")  # type: ignore[attr-defined]


def overlay_ink(page: object) -> int:
    """How many overlay pixels the page has drawn (boxes and mesh points)."""
    return int(
        page.evaluate(  # type: ignore[attr-defined]
            """() => { const c = document.getElementById('overlay');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }"""
        )
    )


def run_check(page: object) -> str:
    """Press Start, see the overlay drawn while it runs, and return the verdict's text."""
    page.click("#tabs .tab[data-tab=check]")  # type: ignore[attr-defined]
    page.click("#start")  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => /face\\(s\\) seen/.test(document.getElementById('progress').textContent)",
        timeout=30_000,
    )
    assert overlay_ink(page) > 200, "the overlay drew no box or mesh"
    page.wait_for_selector("#verdict:not([hidden])", timeout=60_000)  # type: ignore[attr-defined]
    return str(page.inner_text("#verdict"))  # type: ignore[attr-defined]
