"""Lab eyeglasses: where they are drawn, what the lenses reflect and when, and that clips
without them render as before."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from unmask.cli.main import main
from unmask.lab import glasses as glasses_module
from unmask.lab.faces import FacePhoto, load_identities
from unmask.lab.glasses import (
    GLASSES_RANGES,
    INTEROCULAR_MM,
    SKIN_ALBEDO,
    Glasses,
    draw_glasses,
    screen_reflection,
    wear_glasses,
)
from unmask.lab.render import render_presentation
from unmask.lab.scenes import PlaneScene
from unmask.liveness.challenge import ChallengeIssuer
from unmask.liveness.flash import srgb_to_linear

MIDDLE = {name: (r.low + r.high) / 2 for name, r in GLASSES_RANGES.items()} | {"glare_offset": 0.0}


@pytest.fixture(scope="module")
def person() -> FacePhoto:
    people, _ = load_identities(None)
    return people[sorted(people)[0]][0]


def test_frames_sit_on_the_eyes_and_leave_the_rest_of_the_face(person: FacePhoto) -> None:
    layout = person.layout
    glasses = draw_glasses(layout, person.image.shape[:2], MIDDLE, None)
    right, left = layout.eye_centres
    mm = layout.interocular / INTEROCULAR_MM
    spread = (MIDDLE["eye_size_mm"] + MIDDLE["bridge_mm"] - INTEROCULAR_MM) / 2 * mm
    axis = (left - right) / np.linalg.norm(left - right)
    for centre, side in ((right, -1.0), (left, 1.0)):
        lens = centre + side * spread * axis
        x, y = np.round(lens).astype(int)
        assert glasses.lenses[y, x] == pytest.approx(1.0) and glasses.rims[y, x] == 0.0
        half = MIDDLE["eye_size_mm"] / 2 * mm - MIDDLE["rim_mm"] / 2 * mm
        x, y = np.round(lens + side * half * axis).astype(int)
        assert glasses.rims[y, x] > 0.9  # on the outer rim
    chin = np.round(layout.oval[np.argmax(layout.oval[:, 1])]).astype(int)
    assert glasses.rims[chin[1] - 2, chin[0]] == 0.0 and glasses.lenses[chin[1] - 2, chin[0]] == 0.0
    assert glasses.glare[glasses.lenses < 0.01].max() <= 1.0
    assert (glasses.glare * glasses.lenses).max() == pytest.approx(1.0, abs=0.01)


def test_lenses_mirror_the_screen_on_top_of_the_face_they_dim() -> None:
    shape = (8, 8)
    lenses = np.zeros(shape, np.float32)
    lenses[2:6, 2:6] = 1.0
    glare = np.zeros(shape, np.float32)
    glare[3:5, 3:5] = 1.0
    rims = np.zeros(shape, np.float32)
    rims[0, :] = 1.0

    def reflection(t: float) -> np.ndarray:
        return np.array([0.5, 0.0, 0.0]) if t >= 1.0 else np.zeros(3)

    glasses = Glasses(rims, lenses, glare, 0.1, 0.9, reflection, face_level=0.4)
    face = np.full((*shape, 3), 0.4, np.float32)
    before, after = glasses.over(face, 0.0), glasses.over(face, 1.0)
    assert before[4, 4] == pytest.approx([0.36, 0.36, 0.36])  # 10 % reflected away
    assert after[4, 4] == pytest.approx([0.36 + 0.5 * 0.4, 0.36, 0.36])  # red, at the face's level
    assert after[2, 2] == pytest.approx(before[2, 2])  # lens without the screen's image
    assert after[7, 7] == pytest.approx([0.4, 0.4, 0.4])  # no lens
    assert after[0, 5] == pytest.approx([0.1, 0.1, 0.1])  # the frame


def test_reflection_is_lens_reflectance_times_screen_over_skin_luminance() -> None:
    params = {"lens_reflectance": 0.04, "screen_solid_angle_sr": 0.5}
    drawn = {"screen_lux": 100.0, "ambient_lux": 300.0}
    reflection = screen_reflection(lambda t: np.array([1.0, 0.5, 0.0]), drawn, params)
    expected = 0.04 * (100.0 / 0.5) / (SKIN_ALBEDO * 300.0 / np.pi)
    assert reflection(0.0) == pytest.approx(expected * np.array([1.0, 0.5, 0.0]))


def test_worn_lenses_follow_the_flash_after_the_kiosk_latency(
    person: FacePhoto, monkeypatch: pytest.MonkeyPatch
) -> None:
    challenge = ChallengeIssuer(b"k" * 32).new(
        kinds=("flash",), seconds=3, ttl=60, rng=np.random.default_rng(2), now=0
    )
    captured = {}

    def spy(layout, shape, params, reflection, face):  # type: ignore[no-untyped-def]
        captured["reflection"] = reflection
        return draw_glasses(layout, shape, params, reflection, face)

    monkeypatch.setattr(glasses_module, "draw_glasses", spy)
    clip = render_presentation(
        "bona_fide", person, person, seconds=0.2, fps=10, size=(160, 120), seed=1,
        overrides={"glasses": 1.0, "flash_latency_ms": 50.0}, challenge=challenge,
    )  # fmt: skip
    assert clip.params["glasses"] == 1.0 and "lens_reflectance" in clip.params
    segment = challenge.flash[1]
    colour = np.asarray(srgb_to_linear(np.array(segment.rgb)))
    shown = captured["reflection"]((segment.start + segment.end) / 2 + 0.05)
    assert shown / shown.max() == pytest.approx(colour / colour.max())
    late = captured["reflection"](segment.start + 0.02)  # the kiosk still shows the one before
    assert not np.allclose(late / max(late.max(), 1e-9), colour / colour.max())


def test_without_glasses_a_clip_renders_as_before(person: FacePhoto) -> None:
    plain = render_presentation("bona_fide", person, person, seconds=0.3, fps=10, size=(96, 96))
    off = render_presentation(
        "bona_fide", person, person, seconds=0.3, fps=10, size=(96, 96), overrides={"glasses": 0}
    )
    worn = render_presentation(
        "bona_fide", person, person, seconds=0.3, fps=10, size=(96, 96), overrides={"glasses": 1}
    )
    assert np.array_equal(plain.frames, off.frames)
    assert not np.array_equal(plain.frames, worn.frames)


def test_prints_and_replays_are_not_given_glasses(person: FacePhoto) -> None:
    scene = object.__new__(PlaneScene)
    assert wear_glasses(scene, None, {}, np.random.default_rng(0), {}) == {}


def test_lab_generate_glasses_records_them_for_living_faces_only(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "lab"
    code = main(
        ["lab", "generate", "--out", str(out), "--species", "bona_fide,print", "--clips", "1",
         "--seconds", "0.4", "--fps", "5", "--size", "96x96", "--glasses", "--json"]
    )  # fmt: skip
    assert code == 0
    rows = {row["label"]: row for row in csv.DictReader((out / "protocol.csv").open())}
    assert float(rows["bona_fide"]["glasses"]) == 1.0 and float(rows["bona_fide"]["rim_mm"]) > 0
    assert float(rows["print"]["glasses"]) == 0.0 and rows["print"]["rim_mm"] == ""
    metadata = json.loads((out / "metadata.json").read_text())
    assert set(metadata["glasses"]) == set(GLASSES_RANGES)
