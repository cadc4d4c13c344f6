"""The pulse liveness cue on simulated presentations of a real photo (scikit-image astronaut)."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import numpy as np
import pytest
import skimage.data

from unmask.liveness.pulse import MAX_SWAY, PulseStream, pulse_cue
from unmask.pulse import FaceTraceRecorder, RGBTrace
from unmask.pulse.recorder import HeadPath
from unmask.pulse.synthetic import ClipSpec, synthetic_clip
from unmask.types import Face

BASE = ClipSpec(bpm=78.0, seconds=11.0, fps=20.0, amplitude=0.004, noise=1.0)


@lru_cache(maxsize=1)
def astronaut_face() -> tuple[np.ndarray, Face]:
    from unmask.face import FaceAnalyzer
    from unmask.media import frame_from_array

    image = np.ascontiguousarray(skimage.data.astronaut()[20:260, 100:360])
    faces = FaceAnalyzer().analyze(frame_from_array(image))
    assert faces and faces[0].mesh is not None
    return image, faces[0]


def moved(face: Face, mesh: np.ndarray | None, timestamp: float) -> Face:
    return Face(
        box=face.box, score=face.score, keypoints=face.keypoints, mesh=mesh, timestamp=timestamp
    )


def clip_recorder(spec: ClipSpec, *, darken: float | np.ndarray = 1.0) -> FaceTraceRecorder:
    image, face = astronaut_face()
    image = np.clip(np.round(image * darken), 0, 255).astype(np.uint8)
    recorder = FaceTraceRecorder()
    for frame, mesh in synthetic_clip(image, spec, np.asarray(face.mesh, dtype=np.float64)):
        recorder.add_face(frame, moved(face, mesh, frame.timestamp))
    return recorder


def clip_traces(spec: ClipSpec, *, darken: float | np.ndarray = 1.0) -> dict[str, RGBTrace]:
    return clip_recorder(spec, darken=darken).traces()


def test_living_skin_scores_bona_fide_with_coherent_regions() -> None:
    cue = pulse_cue(clip_traces(BASE), face_size_px=105)
    assert cue.score is not None and cue.score > 0.6, cue.reason
    assert cue.evidence["skin"]["heart_rate_bpm"] == pytest.approx(78.0, abs=2.0)
    assert cue.evidence["coherence"]["mean_correlation"] > 0.5
    assert len(cue.evidence["coherence"]["agreeing_regions"]) >= 5
    assert cue.evidence["background"]["same_rhythm"] is False


# 6 s of a weak pulse under heavy sensor noise: the pooled skin's SNR stays under the 6 s
# threshold, while the regions' pulse waves stay in phase.
WEAK_SHORT = ClipSpec(bpm=84.0, seconds=6.0, fps=30.0, amplitude=0.0015, noise=4.0, seed=1)


def test_a_weak_pulse_in_phase_across_regions_counts_when_the_head_is_still() -> None:
    recorder = clip_recorder(WEAK_SHORT)
    cue = pulse_cue(recorder.traces(), face_size_px=105, head=recorder.head_path())
    assert cue.evidence["skin"]["heart_rate_bpm"] is None, "the pooled SNR alone must fall short"
    assert cue.score is not None and cue.score > 0.6, cue.reason
    assert cue.evidence["finding"].startswith("a weak pulse, in phase across")
    assert cue.evidence["coherence"]["head_sway_at_rate"] == pytest.approx(0.0, abs=1e-4)
    unplaced = pulse_cue(recorder.traces(), face_size_px=105)
    assert unplaced.score is None, "without the head's path a sway cannot be ruled out"


def test_regions_in_phase_with_a_head_swaying_at_that_rate_are_not_a_pulse() -> None:
    recorder = clip_recorder(WEAK_SHORT)
    still = recorder.head_path()
    sway = np.stack([3.0 * np.sin(2 * np.pi * WEAK_SHORT.bpm / 60 * still.times), 0 * still.times])
    swaying = HeadPath(still.times, still.centre + sway.T, still.spread)
    cue = pulse_cue(recorder.traces(), face_size_px=105, head=swaying)
    assert cue.score is None
    assert cue.evidence["coherence"]["head_sway_at_rate"] > MAX_SWAY


def test_dark_skin_keeps_its_skin_pixels_and_its_pulse() -> None:
    dark_brown = np.array([0.5, 0.42, 0.38])
    light = clip_traces(BASE)
    dark = clip_traces(BASE, darken=dark_brown)
    for name in ("forehead", "right_cheek", "left_cheek"):
        assert np.median(dark[name].pixels) >= 0.8 * np.median(light[name].pixels), name
    cue = pulse_cue(dark, face_size_px=105)
    assert cue.score is not None and cue.score > 0.6, cue.reason
    assert cue.evidence["skin"]["heart_rate_bpm"] == pytest.approx(78.0, abs=2.0)


def test_no_pulse_leans_attack() -> None:
    cue = pulse_cue(clip_traces(replace(BASE, mode="none")), face_size_px=105)
    assert cue.score is not None and cue.score < 0.5
    assert cue.evidence["finding"] == "no pulse on any skin region"


def test_pulse_only_in_the_eye_holes_is_a_mask() -> None:
    cue = pulse_cue(clip_traces(replace(BASE, mode="eye_holes")), face_size_px=105)
    assert cue.score is not None and cue.score < 0.2
    assert cue.evidence["periocular_vs_cheeks"]["eye_hole_pattern"] is True


def test_a_rhythm_in_the_background_is_light_not_blood() -> None:
    cue = pulse_cue(clip_traces(replace(BASE, mode="flicker")), face_size_px=105)
    assert cue.score is None
    assert "background" in (cue.reason or "")


@pytest.mark.parametrize(
    ("spec", "kwargs", "darken", "reason"),
    [
        (replace(BASE, seconds=3.0), {}, 1.0, "too short"),
        (BASE, {}, 0.15, "too dark"),
        (BASE, {"face_size_px": 30.0}, 1.0, "face too small"),
        (replace(BASE, mode="none"), {"bits_per_pixel": 0.005}, 1.0, "too compressed"),
        (replace(BASE, mode="none", seconds=7.0), {}, 1.0, "too short to call a missing pulse"),
        (replace(BASE, mode="none", noise=14.0), {}, 1.0, "too noisy"),
    ],
)
def test_inconclusive_says_why(spec: ClipSpec, kwargs: dict, darken: float, reason: str) -> None:
    cue = pulse_cue(clip_traces(spec, darken=darken), **({"face_size_px": 105.0} | kwargs))
    assert cue.score is None
    assert reason in (cue.reason or "")


def test_too_much_motion_is_inconclusive() -> None:
    traces = clip_traces(BASE)
    shaken = {}
    for name, trace in traces.items():
        motion = np.where(np.arange(len(trace)) % 20 < 9, 25.0, 0.5)
        shaken[name] = RGBTrace(trace.times, trace.rgb, trace.pixels, motion, name)
    cue = pulse_cue(shaken, face_size_px=105)
    assert cue.score is None and "motion" in (cue.reason or "")


def test_stream_decides_as_soon_as_evidence_suffices() -> None:
    image, face = astronaut_face()
    stream = PulseStream()
    updates = 0
    for frame, mesh in synthetic_clip(
        image, replace(BASE, seconds=11.0), np.asarray(face.mesh, dtype=np.float64)
    ):
        result = stream.update(frame, moved(face, mesh, frame.timestamp))
        updates += result is not None
        if stream.decided:
            break
    assert stream.decided and stream.latest is not None
    assert stream.latest.score is not None and stream.latest.score > 0.6
    assert stream.decided_after_s is not None and 5.0 <= stream.decided_after_s <= 8.0
    assert updates >= 1
