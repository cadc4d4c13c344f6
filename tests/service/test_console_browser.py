"""The console end to end in a real headless Chromium (Debian's `chromium`, driven by Playwright).

The camera is Chromium's fake device playing a lab-rendered clip (SIMULATED faces): a bona fide
person who follows the challenge, then a replay of that person made for no challenge. The
server hands out one pinned challenge, the one the lab rendered the person answering, because
the lab cannot react to a challenge drawn while the browser runs. Through the page only, the
test enrols the person from the camera, sees the overlay drawn, and reads the verdicts: the
living face accepted and recognised, the replay refused, each with its evidence on screen.
Screenshots go to the test's tmp folder.

The pinned challenge has no flash: Chromium's fake camera stamps frames with the wall clock
but plays the file frame after frame, so a stall of its thread on a loaded machine shifts the
clip against the page's flashes for good (a drift of 340 ms was seen here), which the flash cue
rightly calls a relay. The page still sends the colour it shows with every frame, and the test
checks that the server received it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.service.browser import console_server, launch, playwright_api, run_check, sign_in
from tests.service.conftest import Served

FPS = 15
SIZE = (320, 240)
CLIP_SECONDS = 12.0  # the 10 s look, plus the camera's start, without looping
SCRIPT_SECONDS = 6.0
SEED = 12
"""A bona fide clip the shipped passive model accepts offline from every 1st, 2nd and 3rd
frame (15, 7.5 and 5 fps), with room (0.976-0.988 against 0.875), as the server may judge only
some frames under load. The model is no sure thing on lab faces (README, Limitations): of
seeds 1-14, 5 pass at all three rates; seed 5, picked for the previous model, scores 0.872."""
REPLAY_SEED = 4
"""A replay of a recording made for no challenge (the lab draws whether it was made for none
or for another one): refused offline by both the passive model and the challenge at 15, 7.5
and 5 fps. A recording made for another challenge can happen to match a two-step script
(seed 1 does), which is what the flash is for."""


def write_y4m(path: Path, frames: np.ndarray) -> None:
    """Raw I420 frames in the YUV4MPEG2 format Chromium's fake camera plays (in a loop)."""
    height, width = frames.shape[1:3]
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for rgb in frames:
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2YUV_I420).tobytes())


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The challenge and two clips answering it: bona fide Grace Hopper, and a replay of her."""
    from unmask.lab import load_identities, render_presentation
    from unmask.liveness.challenge import ChallengeIssuer

    folder = tmp_path_factory.mktemp("console")
    secret = np.random.default_rng(7).bytes(32)
    challenge = ChallengeIssuer(secret).new(
        kinds=("pose", "expression"),
        seconds=SCRIPT_SECONDS,
        ttl=3600,
        rng=np.random.default_rng(5),
    )
    people, _ = load_identities(None)
    hopper, collins = people["grace_hopper"][0], people["eileen_collins"][0]
    clips = {}
    for species, wearer, seed in (("bona_fide", hopper, SEED), ("replay", collins, REPLAY_SEED)):
        clip = render_presentation(
            species,
            wearer,
            hopper,
            seconds=CLIP_SECONDS,
            fps=FPS,
            size=SIZE,
            seed=seed,
            challenge=challenge,
        )
        clips[species] = folder / f"{species}.y4m"
        write_y4m(clips[species], clip.frames)
    return {"challenge": challenge, "clips": clips, "folder": folder}


@pytest.fixture
def server(
    tmp_path: Path, lab: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Served, str]]:
    """The service on a loopback port, in this process, handing out the lab's challenge."""
    for served, url, screens in console_server(tmp_path / "data", lab["challenge"], monkeypatch):
        lab["screens"] = screens
        yield served, url


@pytest.mark.timeout(240)
def test_console_enrols_accepts_the_living_face_and_refuses_the_replay(
    server: tuple[Served, str], lab: dict[str, object], tmp_path: Path
) -> None:
    served, url = server
    clips = lab["clips"]
    assert isinstance(clips, dict)
    with playwright_api.sync_playwright() as playwright:
        browser = launch(playwright, clips["bona_fide"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
        sign_in(page, url, served.keys["admin"])
        assert "admin" in page.inner_text("#who")

        page.click("#tabs .tab[data-tab=enrol]")
        page.fill("#enrol-name", "grace")
        page.click("#enrol-camera")
        page.wait_for_selector("#snap:not([disabled])")
        for _ in range(2):
            page.wait_for_timeout(400)
            page.click("#snap")
        page.click("#enrol-send")
        page.wait_for_function(
            "() => /Added grace|Not added/.test(document.getElementById('enrol-state').textContent)",
            timeout=60_000,
        )
        assert "Added grace" in page.inner_text("#enrol-state"), page.inner_text("#enrol-state")

        verdict = run_check(page)
        page.screenshot(path=str(tmp_path / "console-bona-fide.png"), full_page=True)
        assert "ACCEPTED" in verdict, verdict
        assert "This is grace" in verdict
        assert "Decided by:" in verdict
        assert "followed the instructions" in verdict
        assert page.get_attribute("#verdict", "class") == "verdict accepted"
        assert '"decision": "bona_fide"' in str(page.text_content("#evidence"))
        browser.close()  # type: ignore[attr-defined]

        browser = launch(playwright, clips["replay"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
        sign_in(page, url, served.keys["operator"])
        verdict = run_check(page)
        page.screenshot(path=str(tmp_path / "console-replay.png"), full_page=True)
        assert "REFUSED: not a real face" in verdict, verdict
        assert "challenge refused: " in verdict  # the failed instructions, in words
        assert page.get_attribute("#verdict", "class") == "verdict refused"
        assert "Looks like grace, but the face was not accepted as real." in verdict

        sign_in(page, url, served.keys["admin"])  # the same page, now for the gallery
        page.on("dialog", lambda dialog: dialog.accept("grace hopper"))
        page.click("#tabs .tab[data-tab=people]")
        page.wait_for_selector("#people-list tr")
        page.click("#people-list button:text('Rename')")
        page.wait_for_selector("#people-list td:text-is('grace hopper')")
        page.click("#tabs .tab[data-tab=audit]")
        page.wait_for_selector("#audit-list tr")
        page.click("#audit-verify")
        page.wait_for_function(
            "() => /intact/.test(document.getElementById('audit-state').textContent)"
        )
        assert "none changed" in page.inner_text("#audit-state")
        actions = page.eval_on_selector_all(
            "#audit-list tr td:nth-child(3)", "n => n.map(e => e.textContent)"
        )
        assert actions[:2] == ["rename", "identify"]
        browser.close()  # type: ignore[attr-defined]

    screens = lab["screens"]
    assert isinstance(screens, list) and len(screens) > 20
    assert set(screens) == {(128, 128, 128)}  # the prompt page's grey, reported with each frame
    records = served.client.get("/api/audit", headers=served.headers("viewer")).json()["records"]
    live = [r for r in records if r["result"].get("live")]
    assert [r["result"]["liveness"] for r in live] == ["bona_fide", "attack"]
    assert live[0]["subject"] == "grace"
