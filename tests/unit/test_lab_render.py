"""Rendering: reproducibility, and that each species shows the physics it is meant to.

All on drawn faces (unmask.lab.synthetic) at small sizes, so no face model or photo is needed and
the skin, eye and plane regions are known exactly.
"""

from __future__ import annotations

import itertools
from typing import Any

import cv2
import numpy as np
import pytest

from unmask.errors import InputError
from unmask.lab import render_presentation
from unmask.lab.layout import polygon_mask
from unmask.lab.render import Presentation, sample_params
from unmask.lab.synthetic import synthetic_photo

SIZE = (160, 120)
WEARER = synthetic_photo("wearer", SIZE, seed=1)
TARGET = synthetic_photo("target", SIZE, seed=2)
# No motion or lighting nuisances: the checks below isolate one effect at a time.
STILL = {
    "head_rotation_deg": 0.0,
    "head_shift_iod": 0.0,
    "breath_sway_px": 0.0,
    "light_drift": 0.0,
    "light_gradient": 0.0,
    "flicker_amplitude": 0.0,
    "exposure_error": 0.0,
    "expression_gap_s": 100.0,
    "blink_gap_s": 100.0,
    "skin_darkening": 0.0,
}


def render(species: str, seconds: float = 1.0, fps: float = 30.0, **kwargs: Any) -> Presentation:
    wearer = TARGET if species == "bona_fide" else WEARER
    return render_presentation(
        species, wearer, TARGET, seconds=seconds, fps=fps, size=SIZE, **kwargs
    )


def cheek_box() -> tuple[slice, slice]:
    """Rows and columns of the target's right cheek (between eye, nose and mouth level)."""
    eye = TARGET.layout.right_eye.mean(axis=0)
    nose = TARGET.layout.nose_tip[0]
    d = TARGET.layout.interocular
    y0, y1 = int(eye[1] + 0.3 * d), int(nose[1] + 0.2 * d)
    x0, x1 = int(eye[0] - 0.15 * d), int(eye[0] + 0.2 * d)
    return slice(y0, y1), slice(x0, x1)


def pulse_ratio(frames: np.ndarray, fps: float, hr_bpm: float) -> float:
    """Power of the green-channel trace of the cheek at the heart rate over the median power."""
    rows, cols = cheek_box()
    trace = frames[:, rows, cols, 1].reshape(len(frames), -1).mean(axis=1).astype(np.float64)
    trace = trace - np.polyval(np.polyfit(np.arange(len(trace)), trace, 2), np.arange(len(trace)))
    power = np.abs(np.fft.rfft(trace * np.hanning(len(trace)))) ** 2
    freqs = np.fft.rfftfreq(len(trace), 1 / fps)
    band = (freqs > 0.6) & (freqs < 4.0)
    near = band & (np.abs(freqs - hr_bpm / 60.0) < 0.15)
    return float(power[near].max() / np.median(power[band]))


@pytest.mark.parametrize("species", ["bona_fide", "print", "replay", "mask_rigid", "mask_silicone"])
def test_same_seed_same_frames_and_channels_do_not_change_rgb(species: str) -> None:
    first = render(species, seconds=0.4, seed=11)
    again = render(species, seconds=0.4, seed=11, channels=("thermal", "nir", "depth"))
    other = render(species, seconds=0.4, seed=12)
    assert np.array_equal(first.frames, again.frames)
    assert first.params == {k: v for k, v in again.params.items() if k in first.params}
    assert not np.array_equal(first.frames, other.frames)
    assert set(again.channels) == {"thermal", "nir", "depth"}
    assert again.channels["thermal"].dtype == np.float16
    assert again.channels["depth"].dtype == np.uint16


def test_bad_requests_are_input_errors() -> None:
    with pytest.raises(InputError):
        sample_params("deepfake", 0)
    with pytest.raises(InputError):
        render("bona_fide", seconds=0.01)
    with pytest.raises(InputError):
        render("bona_fide", channels=("ultraviolet",))


def test_bona_fide_skin_carries_the_labelled_pulse_and_masks_do_not() -> None:
    pins = {**STILL, "pulse_amplitude": 0.004, "hr_bpm": 75.0, "noise_dn": 0.8}
    live = render("bona_fide", seconds=8.0, fps=20.0, seed=3, overrides=pins)
    rigid = render("mask_rigid", seconds=8.0, fps=20.0, seed=3, overrides=pins)
    silicone = render(
        "mask_silicone", seconds=8.0, fps=20.0, seed=3, overrides={**pins, "pulse_leak": 0.15}
    )
    assert live.params["hr_bpm"] == pytest.approx(75.0, rel=0.08)
    assert pulse_ratio(live.frames, 20.0, live.params["hr_bpm"]) > 20.0
    assert pulse_ratio(rigid.frames, 20.0, rigid.params["hr_bpm"]) < 8.0
    assert pulse_ratio(silicone.frames, 20.0, silicone.params["hr_bpm"]) < 8.0


def test_blinks_happen_on_bona_fide_and_in_mask_eye_holes() -> None:
    pins = {**STILL, "blink_gap_s": 0.5, "blink_ms": 300.0}
    for species in ("bona_fide", "mask_rigid"):
        clip = render(species, seconds=2.0, seed=5, overrides=pins)
        assert clip.params["blinks"] >= 1
        eye = polygon_mask(SIZE[::-1], TARGET.layout.right_eye) > 0.5
        level = clip.frames[:, eye, :].mean(axis=(1, 2))
        assert level.max() - level.min() > 8.0, species  # lid covers the white of the eye


def homography_residual(frames: np.ndarray) -> float:
    """Median reprojection error (px) of a least-squares homography from the first to the last
    positions of corners tracked frame to frame (KLT) in the middle of the frame: inside the
    print, on the face, not on the still background."""
    greys = [cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY) for frame in frames]
    height, width = greys[0].shape
    middle = np.zeros_like(greys[0])
    middle[int(0.3 * height) : int(0.7 * height), int(0.3 * width) : int(0.7 * width)] = 255
    start = cv2.goodFeaturesToTrack(greys[0], 200, 0.01, 4, mask=middle)
    points, alive = start, np.ones(len(start), dtype=bool)
    for previous, current in itertools.pairwise(greys):
        points, status, _ = cv2.calcOpticalFlowPyrLK(
            previous, current, points, None, winSize=(15, 15)
        )
        alive &= status[:, 0] == 1
    source, dest = start[alive, 0], points[alive, 0]
    homography, _ = cv2.findHomography(source, dest, 0)
    projected = cv2.perspectiveTransform(source[None], homography)[0]
    return float(np.median(np.linalg.norm(projected - dest, axis=1)))


def test_prints_move_as_planes_and_faces_do_not() -> None:
    """KLT tracking itself drifts by a few tenths of a pixel over 30 frames, so the check is on
    the mean over three clips: prints fit one homography to tracking precision, faces do not
    (parallax of the relief under yaw and pitch)."""
    size = (320, 240)
    target = synthetic_photo("target", size, seed=2)
    hand = {
        **STILL,
        "noise_dn": 0.6,
        "plane_scale": 0.8,
        "hand_rotation_deg": 3.0,
        "hand_shift_px": 6.0,
    }
    head = {**STILL, "noise_dn": 0.6, "head_rotation_deg": 3.0, "head_shift_iod": 0.05}
    paper, face = [], []
    for seed in (4, 5, 6):
        printed = render_presentation(
            "print", WEARER, target, seconds=1.0, size=size, seed=seed, overrides=hand
        )
        live = render_presentation(
            "bona_fide", target, target, seconds=1.0, size=size, seed=seed, overrides=head
        )
        paper.append(homography_residual(printed.frames))
        face.append(homography_residual(live.frames))
    assert np.mean(paper) < 0.4
    assert np.mean(face) > 2 * np.mean(paper)


def spectral_peak(image: np.ndarray) -> float:
    """Strongest non-DC spatial frequency of a grey crop over the median spectrum."""
    grey = image.astype(np.float64).mean(axis=2)
    grey = grey - cv2.GaussianBlur(grey, (0, 0), 4.0)
    power = (
        np.abs(np.fft.fft2(grey * np.outer(np.hanning(grey.shape[0]), np.hanning(grey.shape[1]))))
        ** 2
    )
    power[:3, :3] = power[-3:, :3] = power[:3, -3:] = power[-3:, -3:] = 0
    return float(power.max() / np.median(power))


def test_replay_shows_moire_and_refresh_banding() -> None:
    base = {**STILL, "plane_scale": 1.1, "plane_tilt_deg": 0.0, "glare": 0.0, "noise_dn": 0.6}
    grid = render(
        "replay",
        seconds=0.2,
        seed=6,
        overrides={**base, "grid_depth": 0.3, "pixel_pitch_px": 1.15, "refresh_flicker": 0.0},
    )
    flat = render(
        "replay", seconds=0.2, seed=6, overrides={**base, "grid_depth": 0.0, "refresh_flicker": 0.0}
    )
    crop = (slice(30, 90), slice(40, 120))
    assert spectral_peak(grid.frames[0][crop]) > 3 * spectral_peak(flat.frames[0][crop])

    banded = render(
        "replay",
        seconds=0.2,
        seed=6,
        overrides={**base, "grid_depth": 0.0, "refresh_flicker": 0.05, "refresh_hz": 200.0},
    )
    ratio = banded.frames[0].astype(np.float64)[crop] / np.maximum(
        flat.frames[0].astype(np.float64)[crop], 1.0
    )
    rows = ratio.mean(axis=(1, 2))
    assert rows.max() - rows.min() > 0.05  # horizontal bands of +-5 %
    assert np.abs(ratio.mean(axis=(0, 2)) - ratio.mean()).max() < 0.02  # ... and not vertical


def region_stats(
    channel: np.ndarray, polygon: np.ndarray, grow: float = 1.0
) -> tuple[float, float]:
    """Mean and std of the first frame of a channel inside a polygon given in RGB pixels."""
    scale = channel.shape[2] / SIZE[0]
    mask = polygon_mask(channel.shape[1:], polygon * scale, grow=grow) > 0.99
    values = channel[0].astype(np.float64)[mask]
    return float(values.mean()), float(values.std())


def test_thermal_depth_and_nir_statistics() -> None:
    wanted = ("thermal", "nir", "depth")
    clips = {
        s: render(s, seconds=0.2, seed=8, channels=wanted, overrides=STILL)
        for s in ("bona_fide", "print", "replay", "mask_rigid", "mask_silicone")
    }
    oval = TARGET.layout.oval
    live = clips["bona_fide"]
    skin_mean, _ = region_stats(live.channels["thermal"], oval, grow=0.8)
    assert 32.5 <= skin_mean <= 36.5
    # Warm inner canthi, cool nose: the hottest face point is near the eyes, the nose below skin.
    nose = TARGET.layout.nose_tip[0] / 4
    thermal = live.channels["thermal"][0].astype(np.float64)
    assert thermal[int(nose[1]), int(nose[0])] < skin_mean
    for species in ("mask_rigid", "mask_silicone"):
        mask_mean, mask_std = region_stats(
            clips[species].channels["thermal"], TARGET.layout.lips, grow=2.0
        )
        assert mask_mean < 33.0 and mask_std < 0.6, species
    for species in ("print", "replay"):
        flat_mean, flat_std = region_stats(clips[species].channels["thermal"], oval, grow=0.6)
        assert flat_mean < 32.0 and flat_std < 0.5, species

    def relief_mm(clip: Presentation) -> float:
        depth = clip.channels["depth"][0].astype(np.float64)
        scale = depth.shape[1] / SIZE[0]
        mask = polygon_mask(depth.shape, oval * scale, grow=0.7) > 0.99
        return float(np.percentile(depth[mask], 95) - np.percentile(depth[mask], 5))

    assert relief_mm(live) > 30.0
    assert relief_mm(clips["mask_rigid"]) > 30.0
    assert relief_mm(clips["print"]) < 15.0  # planar: only the tilt spreads the depths

    skin_nir, _ = region_stats(live.channels["nir"], TARGET.layout.lips, grow=2.0)
    silicone_nir, _ = region_stats(
        clips["mask_silicone"].channels["nir"], TARGET.layout.lips, grow=2.0
    )
    screen_nir, _ = region_stats(clips["replay"].channels["nir"], oval, grow=0.5)
    assert abs(silicone_nir - skin_nir) > 0.02
    assert screen_nir < 0.15
