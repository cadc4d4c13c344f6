"""Known-answer tests of the flash cue on small synthetic clips: a 3-D face (albedo x cosine of
its normal) and a plane, lit by a scripted colour sequence with a known lag."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

from unmask.liveness.challenge import Challenge, ChallengeIssuer, ChallengeSession
from unmask.liveness.features.colour import MONOCHROME_MARK
from unmask.liveness.flash import (
    CENTRE_SITES,
    EYE_CORNERS,
    NOSE_TIP,
    SITES,
    flash_cue,
    site_points,
    srgb_to_linear,
)
from unmask.types import Box, Face, Frame

SIZE = 96
CENTRE = np.array([48.0, 48.0])
AXES = np.array([30.0, 38.0])
FPS = 30.0
RATIO = 0.3  # screen light over ambient light
ALBEDO = np.array([0.62, 0.46, 0.38])


def make_challenge(seed: int) -> Challenge:
    return ChallengeIssuer(b"s" * 32).new(
        kinds=["flash"], seconds=4.0, rng=np.random.default_rng(seed), now=0.0
    )


def synthetic_mesh() -> NDArray[np.float32]:
    """A mesh with only what the flash cue reads: the sites, the nose tip, the eye corners.
    Centre sites near the middle of the face; edge sites at 95 % of its radius, which the cue
    pulls 10 % towards the nose."""
    mesh = np.zeros((468, 3), dtype=np.float32)
    mesh[:, :2] = CENTRE
    mesh[NOSE_TIP, :2] = CENTRE
    mesh[EYE_CORNERS[0], :2] = CENTRE + np.array([-16.0, -8.0])
    mesh[EYE_CORNERS[1], :2] = CENTRE + np.array([16.0, -8.0])
    centre_spots = [(0, -0.3), (0, 0.05), (0, 0.35), (-0.3, 0.1), (0.3, 0.1)]
    edge_spots = [(-0.95, -0.1), (0.95, -0.1), (-0.8, 0.45), (0.8, 0.45), (-0.6, 0.7), (0.6, 0.7)]
    spots = dict(zip(CENTRE_SITES, centre_spots, strict=True))
    spots.update(dict(zip([n for n in SITES if n not in CENTRE_SITES], edge_spots, strict=True)))
    for name, (index, _) in SITES.items():
        mesh[index, :2] = CENTRE + np.array(spots[name]) * AXES
    return mesh


def facing() -> NDArray[np.float64]:
    """cos(normal, camera) of the ellipsoid face z = h sqrt(1 - u^2 - v^2), 0 off the face."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    u, v = (xx - CENTRE[0]) / AXES[0], (yy - CENTRE[1]) / AXES[1]
    inside = 1 - u * u - v * v
    root = np.sqrt(np.clip(inside, 1e-3, 1))
    height = 30.0
    gx, gy = -height * u / (AXES[0] * root), -height * v / (AXES[1] * root)
    cos = 1.0 / np.sqrt(1 + gx * gx + gy * gy)
    return np.where(inside > 0.02, cos, 0.0)


def render(
    light: Callable[[float], NDArray[np.float64]], relief: bool, seconds: float = 4.0, seed: int = 0
) -> tuple[NDArray[np.float64], list[NDArray[np.uint8]]]:
    """Frames of a face lit by ambient light (mildly shaded) plus the screen's `light(t)`.
    `relief=False` is a print of the same face: its shading is printed into its reflectance, so
    the flash lands on a flat surface of that reflectance."""
    rng = np.random.default_rng(seed)
    cos = facing()
    face = cos > 0
    texture = 1 + 0.05 * rng.standard_normal((SIZE, SIZE, 1))
    ambient_shading = (0.7 + 0.3 * cos)[..., None]
    flash_shading = cos[..., None] if relief else ambient_shading
    times = np.arange(0, seconds, 1 / FPS)
    frames = []
    for t in times:
        drift = 1 + 0.03 * np.sin(2 * np.pi * 0.2 * t)
        lit = ALBEDO * texture * (drift * ambient_shading + RATIO * flash_shading * light(t))
        lit = np.where(face[..., None], lit, 0.3)
        noisy = 200 * lit + rng.normal(0, 1.0, lit.shape)
        frames.append(np.clip(noisy + 0.5, 0, 255).astype(np.uint8))
    return times, frames


def light_of(challenge: Challenge, lag: float) -> Callable[[float], NDArray[np.float64]]:
    idle = srgb_to_linear(np.array(challenge.emitted(-1.0)))
    return lambda t: srgb_to_linear(np.array(challenge.emitted(t - lag))) - idle


def judge(challenge: Challenge, times: NDArray, frames: list[NDArray[np.uint8]]):
    session = ChallengeSession(challenge, analyzer=object())
    mesh = synthetic_mesh()
    face = Face(box=Box(18, 10, 60, 76), score=1.0, keypoints=np.zeros((6, 2)), mesh=mesh)
    for i, (t, image) in enumerate(zip(times, frames, strict=True)):
        session.push_face(Frame(image, i, float(t)), face)
    return session.result().cues["flash"]


def expected_contrast() -> float:
    cos = facing()
    centres, _ = site_points(synthetic_mesh())
    values = {
        n: cos[int(round(y)), int(round(x))] for n, (x, y) in zip(SITES, centres, strict=True)
    }
    gain = {n: c / (0.7 + 0.3 * c) for n, c in values.items()}
    centre = np.median([gain[n] for n in CENTRE_SITES])
    edge = np.median([gain[n] for n in SITES if n not in CENTRE_SITES])
    return float(1 - edge / centre)


def test_a_3d_face_passes_with_its_lag_and_relief() -> None:
    challenge = make_challenge(3)
    times, frames = render(light_of(challenge, 0.066), relief=True)
    cue = judge(challenge, times, frames)
    assert cue.score is not None and cue.score > 0.5, cue.evidence
    assert cue.evidence["lag_ms"] == pytest.approx(66, abs=15)
    halves = cue.evidence["lag_halves_ms"]
    assert len(halves) == 2 and abs(halves[0] - halves[1]) <= 40
    assert cue.evidence["relief_contrast"] == pytest.approx(expected_contrast(), abs=0.06)
    assert expected_contrast() > 0.2
    # The amplitude is the relative change for full white: RATIO x cos / ambient shading.
    assert 0.15 < cue.evidence["amplitude"] < 0.35


def test_a_plane_responds_uniformly_and_fails() -> None:
    challenge = make_challenge(3)
    times, frames = render(light_of(challenge, 0.066), relief=False)
    cue = judge(challenge, times, frames)
    assert cue.score is not None and cue.score < 0.5
    assert abs(cue.evidence["relief_contrast"]) < 0.05
    assert cue.evidence["deciding"] == "shape" and "plane" in cue.reason


def test_another_challenges_colours_or_a_late_response_fail() -> None:
    ours, theirs = make_challenge(3), make_challenge(4)
    times, frames = render(light_of(theirs, 0.03), relief=True)
    other = judge(ours, times, frames)
    assert other.score is not None and other.score < 0.5
    assert other.evidence["deciding"] == "response"
    times, frames = render(light_of(ours, 0.35), relief=True)
    late = judge(ours, times, frames)
    assert late.score is not None and late.score < 0.5
    assert late.evidence["lag_ms"] == pytest.approx(350, abs=20)
    assert "late" in late.reason


def test_reported_screen_colours_are_what_the_lag_is_measured_from() -> None:
    """A web page reports the colour it showed; the face follows what was shown, not the script."""
    challenge = make_challenge(5)
    shown = light_of(challenge, 0.1)  # the page ran 100 ms behind the script
    times, frames = render(lambda t: shown(t - 0.03), relief=True)
    session = ChallengeSession(challenge, analyzer=object())
    face = Face(
        box=Box(18, 10, 60, 76), score=1.0, keypoints=np.zeros((6, 2)), mesh=synthetic_mesh()
    )
    for i, (t, image) in enumerate(zip(times, frames, strict=True)):
        session.push_face(Frame(image, i, float(t)), face, screen_rgb=challenge.emitted(t - 0.1))
    cue = session.result().cues["flash"]
    assert cue.score is not None and cue.score > 0.5
    assert cue.evidence["lag_ms"] == pytest.approx(30, abs=25)


def test_flash_without_a_face_is_inconclusive() -> None:
    times = np.arange(0, 4, 1 / FPS)
    empty = np.full((len(times), len(SITES), 3), np.nan)
    challenge = make_challenge(3)
    cue = flash_cue(times, lambda t: np.zeros((len(t), 3)), empty, (0.5, 3.0))
    assert cue.score is None and "not seen" in cue.reason
    assert challenge.flash and 4 <= len(challenge.flash) <= 10


def test_one_patch_with_few_usable_frames_does_not_drown_the_response() -> None:
    """A patch seen in only a few frames (a jaw angle at the frame's edge, clipped channels)
    has a huge standard error; the amplitude's error is the typical patch's, so a clear
    response keeps its signal/noise."""
    challenge = make_challenge(3)
    times, frames = render(light_of(challenge, 0.066), relief=True)
    session = ChallengeSession(challenge, analyzer=object())
    face = Face(
        box=Box(18, 10, 60, 76), score=1.0, keypoints=np.zeros((6, 2)), mesh=synthetic_mesh()
    )
    for i, (t, image) in enumerate(zip(times, frames, strict=True)):
        session.push_face(Frame(image, i, float(t)), face)
    samples = session.flash_recorder.traces()
    span = (challenge.flash[0].start, challenge.flash[-1].end)
    clean = flash_cue(times, session.emitted, samples, span)
    patchy = samples.copy()
    # One edge patch usable only in a dozen frames before and after the flash, where the
    # screen shows its idle grey: its gain rests on next to no change of light.
    before, after = np.flatnonzero(times < span[0]), np.flatnonzero(times > span[1] + 0.1)
    keep = np.zeros(len(times), dtype=bool)
    keep[np.concatenate([before[-6:], after[:6]])] = True
    patchy[~keep, list(SITES).index("left_jaw_angle")] = np.nan
    cue = flash_cue(times, session.emitted, patchy, span)
    assert cue.score is not None and cue.score > 0.5, cue.evidence
    assert cue.evidence["amplitude_snr"] > 0.5 * clean.evidence["amplitude_snr"]


def test_a_monochrome_camera_cannot_read_the_flash_and_says_so() -> None:
    """A living face lit by the flash, seen by a greyscale camera: the reflection's colours are
    lost, and a misread fit would call the face a replay. The check stays silent instead, so the
    challenge is inconclusive, not failed."""
    challenge = make_challenge(3)
    times, frames = render(light_of(challenge, 0.066), relief=True)
    grey = [np.repeat(f.mean(axis=2, keepdims=True), 3, 2).astype(np.uint8) for f in frames]
    cue = judge(challenge, times, grey)
    assert cue.score is None and "monochrome camera" in (cue.reason or "")
    assert cue.evidence[MONOCHROME_MARK] is True
