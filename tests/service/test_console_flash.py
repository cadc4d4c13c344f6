"""The console's flash flow end to end in headless Chromium, with a camera that answers the screen.

Chromium's file-playing fake camera cannot follow the page's flashes (test_console_browser).
Here the page's camera is replaced, before the console's own script runs, by a canvas stream:
it plays a lab clip of a living face (SIMULATED: Grace Hopper answering the challenge's head
and smile steps, rendered without the flash) and lights each frame, as it draws it, with the
colour the page's flash overlay shows at that moment, as the lab's skin reflects a screen:
`image x (1 + k x (emitted - idle))` in linear light, `k` falling from the face's centre to its
edges. A second camera answers 300 ms late, as a relay would; a third reflects evenly, as the
plane of a print or a screen does. Through the page only, the living face is accepted with the
flash among the checks it passed, and the other two are refused by the flash.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.service.browser import console_server, launch, playwright_api, run_check, sign_in
from tests.service.conftest import Served, png_bytes

FPS = 15
SIZE = (320, 240)
CLIP_SECONDS = 12.0
SCRIPT_SECONDS = 6.0
SEED = 12
RATIO = 0.4  # screen over ambient illuminance at the face's centre (the lab draws 0.06-1.5)
RELAY_MS = 300.0  # the flash cue's limit is 150 ms

FAKE_CAMERA = r"""
(() => {
  const cfg = window.__unmaskCamera;
  if (!cfg) return;
  const lin = (c) => { const v = c / 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const idle = cfg.idle.map(lin);
  const history = [];  // [time, rgb] each time the overlay's colour changes
  const shown = () => {
    const overlay = document.getElementById("flash");
    if (!overlay || overlay.hidden) return cfg.idle;
    const parts = getComputedStyle(overlay).backgroundColor.match(/\d+/g);
    return parts ? parts.slice(0, 3).map(Number) : cfg.idle;
  };
  const watch = () => {
    const colour = shown();
    const last = history[history.length - 1];
    if (!last || last[1].join() !== colour.join()) history.push([performance.now(), colour]);
    requestAnimationFrame(watch);
  };
  const colourAt = (t) => {
    let colour = cfg.idle;
    for (const [when, rgb] of history) { if (when <= t) colour = rgb; else break; }
    return colour;
  };
  navigator.mediaDevices.getUserMedia = async () => {
    const canvas = document.createElement("canvas");
    canvas.width = cfg.width;
    canvas.height = cfg.height;
    const context = canvas.getContext("2d", { willReadFrequently: true });
    const frames = await Promise.all(cfg.frames.map((src) => new Promise((resolve) => {
      const image = new Image();
      image.onload = () => {
        context.drawImage(image, 0, 0);
        resolve(context.getImageData(0, 0, cfg.width, cfg.height));
      };
      image.src = src;
    })));
    const gain = new Float32Array(cfg.width * cfg.height);
    for (let y = 0; y < cfg.height; y++) {
      for (let x = 0; x < cfg.width; x++) {
        const u = (x - cfg.centre[0]) / cfg.radius[0], v = (y - cfg.centre[1]) / cfg.radius[1];
        const r2 = u * u + v * v;
        gain[y * cfg.width + x] = cfg.ratio * (cfg.flat ? 0.7 : r2 < 1 ? 1 - 0.6 * r2 : 0.05);
      }
    }
    requestAnimationFrame(watch);
    const out = context.createImageData(cfg.width, cfg.height);
    const start = performance.now();
    const draw = () => {
      const now = performance.now();
      const index = Math.min(Math.floor(((now - start) / 1000) * cfg.fps), frames.length - 1);
      const added = colourAt(now - cfg.delayMs).map((c, i) => lin(c) - idle[i]);
      const source = frames[index].data, target = out.data;
      for (let p = 0, q = 0; p < gain.length; p++, q += 4) {
        target[q] = source[q] * (1 + gain[p] * added[0]);
        target[q + 1] = source[q + 1] * (1 + gain[p] * added[1]);
        target[q + 2] = source[q + 2] * (1 + gain[p] * added[2]);
        target[q + 3] = 255;
      }
      context.putImageData(out, 0, 0);
    };
    draw();
    setInterval(draw, 1000 / cfg.fps);
    return canvas.captureStream(cfg.fps);
  };
})();
"""


@pytest.fixture(scope="module")
def lab() -> dict[str, object]:
    """A challenge with head, smile and flash steps, and Grace Hopper answering its head and
    smile steps (the flash is the browser camera's to add), as JPEG data URLs, with her face's
    centre and half-size for the reflection's falloff."""
    from unmask.face import FaceAnalyzer
    from unmask.lab import load_identities, render_presentation
    from unmask.liveness.challenge import ChallengeIssuer
    from unmask.types import Frame

    challenge = ChallengeIssuer(np.random.default_rng(7).bytes(32)).new(
        kinds=("pose", "expression", "flash"),
        seconds=SCRIPT_SECONDS,
        ttl=3600,
        rng=np.random.default_rng(5),
    )
    people, _ = load_identities(None)
    hopper = people["grace_hopper"][0]
    clip = render_presentation(
        "bona_fide",
        hopper,
        hopper,
        seconds=CLIP_SECONDS,
        fps=FPS,
        size=SIZE,
        seed=SEED,
        challenge=dataclasses.replace(challenge, flash=()),
    )
    faces = FaceAnalyzer().analyze(Frame(clip.frames[0], 0, 0.0))
    box = max(faces, key=lambda f: f.box.area).box
    frames = []
    for rgb in clip.frames:
        ok, jpeg = cv2.imencode(
            ".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92]
        )
        assert ok
        frames.append("data:image/jpeg;base64," + base64.b64encode(jpeg.tobytes()).decode())
    camera = {
        "width": SIZE[0],
        "height": SIZE[1],
        "fps": FPS,
        "frames": frames,
        "idle": [128, 128, 128],
        "ratio": RATIO,
        "centre": [box.x + box.w / 2, box.y + box.h / 2],
        "radius": [box.w / 2, box.h / 2],
    }
    return {"challenge": challenge, "camera": camera, "portrait": png_bytes(clip.frames[0])}


@pytest.fixture
def server(
    tmp_path: Path, lab: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Served, str, list[object]]]:
    yield from console_server(tmp_path / "data", lab["challenge"], monkeypatch)


def check_with_camera(
    playwright: object, url: str, key: str, camera: dict[str, object]
) -> tuple[str, str]:
    """The verdict's text and the evidence the page shows, for one check with this camera."""
    browser = launch(playwright)
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page.add_init_script(script=f"window.__unmaskCamera = {json.dumps(camera)};")
    page.add_init_script(script=FAKE_CAMERA)
    sign_in(page, url, key)
    verdict = run_check(page)
    evidence = str(page.text_content("#evidence"))  # type: ignore[attr-defined]
    browser.close()  # type: ignore[attr-defined]
    return verdict, evidence


def flash_evidence(evidence: str) -> dict[str, float]:
    """The flash cue's evidence in the document the page shows."""
    cues = json.loads(evidence)["liveness"]["challenge"]["cues"]
    return dict(cues["flash"]["evidence"])


@pytest.mark.timeout(240)
def test_the_flash_flow_accepts_a_face_that_reflects_the_screen_and_refuses_late_or_flat_ones(
    server: tuple[Served, str, list[object]], lab: dict[str, object]
) -> None:
    served, url, screens = server
    camera = lab["camera"]
    assert isinstance(camera, dict)
    portrait = lab["portrait"]
    assert isinstance(portrait, bytes)
    enrolled = served.client.post(
        "/api/enroll",
        headers=served.headers("admin"),
        data={"id": "grace"},
        files=[("files", ("grace.png", portrait))],
    )
    assert enrolled.status_code == 200, enrolled.text
    key = served.keys["operator"]
    with playwright_api.sync_playwright() as playwright:
        living, evidence = check_with_camera(playwright, url, key, {**camera, "delayMs": 0})
        assert "ACCEPTED" in living and "This is grace" in living, f"{living}\n{evidence}"
        assert "followed the instructions and the screen's flashes" in living, living
        assert flash_evidence(evidence)["lag_ms"] <= 150
        late, evidence = check_with_camera(playwright, url, key, {**camera, "delayMs": RELAY_MS})
        assert "REFUSED: not a real face" in late, f"{late}\n{evidence}"
        assert "challenge refused: flash: the reflection comes" in late, late
        assert flash_evidence(evidence)["lag_ms"] >= 200
        flat, evidence = check_with_camera(
            playwright, url, key, {**camera, "delayMs": 0, "flat": True}
        )
        assert "REFUSED: not a real face" in flat, f"{flat}\n{evidence}"
        assert "challenge refused: flash" in flat, flat
        assert flash_evidence(evidence)["relief_contrast"] < 0.14
    # The page reports the colour it showed with each frame it sends: only the signed colours,
    # and most of them (a 1/6 s colour can fall between two frames of a loaded machine).
    flashed = {tuple(s) for s in screens if s is not None} - {(128, 128, 128)}
    challenge = lab["challenge"]
    signed = {tuple(f.rgb) for f in challenge.flash}  # type: ignore[attr-defined]
    assert flashed <= signed and 2 * len(flashed) >= len(signed), (flashed, signed)
