"""Layouts, waveforms and time courses of the attack lab, on synthetic inputs."""

from __future__ import annotations

import numpy as np
import pytest

from unmask.errors import InputError
from unmask.face.mesh import FACE_OVAL, LEFT_EYE_OUTLINE, NOSE_TIP, RIGHT_EYE_OUTLINE
from unmask.lab.layout import (
    layout_from_eyes,
    layout_from_mesh,
    relief,
)
from unmask.lab.motion import blink_closure, mask_response
from unmask.lab.waveform import make_pulse, parametric_beat


def test_layout_from_mesh_picks_the_mediapipe_indices() -> None:
    mesh = np.zeros((468, 3), dtype=np.float32)
    mesh[:, 0] = np.arange(468)
    layout = layout_from_mesh(mesh)
    assert layout.oval[:, 0].tolist() == list(FACE_OVAL)
    assert layout.right_eye[:, 0].tolist() == list(RIGHT_EYE_OUTLINE)
    assert layout.left_eye[:, 0].tolist() == list(LEFT_EYE_OUTLINE)
    assert layout.nose_tip[0, 0] == NOSE_TIP


def test_layout_from_mesh_rejects_other_shapes() -> None:
    with pytest.raises(InputError):
        layout_from_mesh(np.zeros((68, 2)))


def test_layout_from_eyes_keeps_scale_and_roll() -> None:
    layout = layout_from_eyes((100.0, 100.0), (160.0, 130.0))
    assert layout.interocular == pytest.approx(np.hypot(60, 30), rel=1e-3)
    assert layout.roll == pytest.approx(np.arctan2(30, 60), abs=1e-3)
    # The mouth lies below the nose, which lies below the eyes, along the face's own axis.
    down = np.array([-np.sin(layout.roll), np.cos(layout.roll)])
    eyes = layout.eye_centres.mean(axis=0)
    assert (layout.nose_tip[0] - eyes) @ down > 0
    assert (layout.lips.mean(axis=0) - layout.nose_tip[0]) @ down > 0


def test_relief_peaks_at_the_nose_and_vanishes_off_the_face() -> None:
    layout = layout_from_eyes((120.0, 100.0), (200.0, 100.0))
    height = relief(layout, (240, 320))
    y, x = np.unravel_index(np.argmax(height), height.shape)
    assert np.hypot(x - layout.nose_tip[0, 0], y - layout.nose_tip[0, 1]) < 0.2 * layout.interocular
    assert height[5, 5] == 0.0
    assert height.max() > 0.9 * layout.interocular


def test_parametric_beat_has_a_dicrotic_notch() -> None:
    beat = parametric_beat(notch_depth=0.5, diastolic_ratio=0.5, systolic_phase=0.18)
    peak = int(np.argmax(beat))
    assert 0.1 < peak / len(beat) < 0.3
    after = beat[peak:]
    # Falling from the systolic peak, the wave dips (notch) and rises again (diastolic wave).
    rises = np.flatnonzero(np.diff(after) > 0)
    assert rises.size > 0


@pytest.mark.parametrize("hr", [45.0, 72.0, 120.0])
def test_parametric_pulse_has_the_requested_rate(hr: float) -> None:
    pulse = make_pulse(
        np.random.default_rng(1),
        hr,
        20.0,
        sdnn_ms=40,
        breath_hz=0.25,
        beat_shape={"notch_depth": 0.3, "diastolic_ratio": 0.4, "systolic_phase": 0.18},
        use_real=False,
    )
    assert pulse.source == "parametric"
    assert pulse.rate(0, 20) == pytest.approx(hr, rel=0.05)
    intervals = np.diff(pulse.beats)
    assert intervals.std() > 0.005  # heart-rate variability, not a metronome


def test_blinks_close_the_eye_fully_and_briefly() -> None:
    times = np.arange(0, 20, 1 / 60)
    closure, count = blink_closure(np.random.default_rng(3), times, 20.0, (2.0, 4.0), (0.2, 0.2))
    assert count >= 4
    assert closure.max() > 0.95
    assert (closure > 0).mean() < 0.2


def test_mask_response_is_attenuated_and_late() -> None:
    times = np.arange(0, 4, 1 / 30)
    weights = np.zeros((3, len(times)))
    weights[0, 30:60] = 1.0
    response = mask_response(weights, times, gain=0.4, delay_s=0.2, smooth_s=0.15)
    assert response.max() <= 0.4 + 1e-9
    assert np.argmax(response[0]) > np.argmax(weights[0]) + 5
