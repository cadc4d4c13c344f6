"""The PAD engine end to end on frames the tests render, with a model fitted on synthetic cues."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from unmask.errors import NoFaceError
from unmask.lab import load_identities, render_presentation
from unmask.liveness.engine import LivenessEngine
from unmask.liveness.features.colour import MONOCHROME_MARK
from unmask.liveness.fusion import CUE_NAMES, FusionModel
from unmask.liveness.model import PadModel
from unmask.liveness.veto import veto
from unmask.media import frame_from_array
from unmask.types import CueScore, Frame


def synthetic_model() -> PadModel:
    rng = np.random.default_rng(0)
    samples, labels = [], []
    for label, pulse, motion, eyes in (
        ("bona_fide", 0.8, 0.75, 0.7),
        ("print", 0.3, 0.1, 0.3),
        ("mask_rigid", 0.15, 0.4, 0.6),
    ):
        for _ in range(30):
            values = np.clip(np.array([pulse, motion, eyes]) + rng.normal(0, 0.08, 3), 0.02, 0.98)
            samples.append(
                {
                    n: CueScore(n, float(v), 0.8)
                    for n, v in zip(("pulse", "motion", "eyes"), values, strict=True)
                }
            )
            labels.append(label)
    return PadModel(
        surface=None,
        fusion=FusionModel().fit(samples, labels),
        provenance={"data": [{"name": "synthetic cues"}]},
    )


@pytest.fixture(scope="module")
def engine() -> LivenessEngine:
    return LivenessEngine(synthetic_model(), level="low", max_seconds=4.0)


@pytest.fixture(scope="module")
def people():
    return load_identities(None)[0]


def clip_frames(species: str, people, seconds: float = 3.0) -> list[Frame]:
    names = sorted(people)
    wearer, target = (
        people[names[0]][0],
        people[names[1] if species != "bona_fide" else names[0]][0],
    )
    clip = render_presentation(
        species, wearer, target, seconds=seconds, fps=30, size=(320, 240), seed=5
    )
    return [Frame(image=image, index=i, timestamp=i / 30) for i, image in enumerate(clip.frames)]


def test_video_verdict_has_every_cue_and_a_track(engine: LivenessEngine, people) -> None:
    report = engine.assess(clip_frames("bona_fide", people))
    verdict = report.main.verdict
    assert not report.still
    assert set(verdict.cues) == {*CUE_NAMES, "context"}
    assert verdict.cues["surface"].score is None and "no surface classifier" in (
        verdict.cues["surface"].reason or ""
    )
    assert verdict.cues["thermal"].reason == "no thermal camera"
    assert verdict.decision in ("bona_fide", "attack", "inconclusive")
    assert verdict.seconds_used == pytest.approx(
        report.main.last_seen - report.main.first_seen, abs=0.05
    )
    assert report.main.frames >= 80


def test_still_image_has_no_pulse_or_motion(engine: LivenessEngine, portraits) -> None:
    report = engine.assess([frame_from_array(portraits["eileen_collins"])])
    cues = report.main.verdict.cues
    assert report.still
    assert cues["pulse"].score is None and "still image" in (cues["pulse"].reason or "")
    assert cues["motion"].score is None


def test_high_level_never_accepts_a_still(portraits) -> None:
    engine = LivenessEngine(synthetic_model(), level="high")
    verdict = engine.assess([frame_from_array(portraits["grace_hopper"])]).main.verdict
    assert verdict.decision != "bona_fide"
    assert veto(verdict) is not None


def test_no_face_is_an_error(engine: LivenessEngine) -> None:
    with pytest.raises(NoFaceError):
        engine.assess([frame_from_array(np.full((120, 160, 3), 90, dtype=np.uint8))])


def test_model_folder_round_trip_keeps_decisions(
    engine: LivenessEngine, people, tmp_path: Path
) -> None:
    frames = clip_frames("print", people, seconds=2.5)
    before = engine.assess(frames).main.verdict
    engine.model.save(tmp_path / "model")
    after = (
        LivenessEngine(PadModel.load(tmp_path / "model"), level="low", max_seconds=4.0)
        .assess(frames)
        .main.verdict
    )
    assert (after.decision, after.score) == (before.decision, before.score)


def test_blinks_are_read_from_every_frame_not_only_the_kept_ones(people) -> None:
    """The observation keeps a few frames; eye darkness is measured as all of them pass."""
    photo = people[sorted(people)[0]][0]
    clip = render_presentation(
        "bona_fide",
        photo,
        photo,
        seconds=3.0,
        fps=30,
        size=(320, 240),
        seed=5,
        overrides={"blink_gap_s": 1.2, "blink_ms": 300},
    )
    frames = [Frame(image=image, index=i, timestamp=i / 30) for i, image in enumerate(clip.frames)]
    engine = LivenessEngine(synthetic_model(), max_seconds=4.0)
    observation = engine.observe(frames)
    track = observation.main_track()
    assert track is not None and len(track.frames) < len(frames)
    eyes = engine.cues_without_surface(observation, track)["eyes"]
    assert eyes.evidence["blinks_seen_by"]["pixels"] >= 1


def test_a_monochrome_video_silences_the_colour_cues_instead_of_accusing(
    engine: LivenessEngine, people
) -> None:
    """A greyscale or night-mode camera records no colour: the pulse (a colour change) and the
    recapture cue (ink and screen colour) say why they cannot judge; the geometric cues still
    speak."""
    frames = [
        Frame(
            image=np.repeat(f.image.mean(axis=2, keepdims=True), 3, 2).astype(np.uint8),
            index=f.index,
            timestamp=f.timestamp,
        )
        for f in clip_frames("bona_fide", people, seconds=2.0)
    ]
    cues = engine.assess(frames).main.verdict.cues
    assert cues["pulse"].score is None and "monochrome video" in (cues["pulse"].reason or "")
    assert cues["pulse"].evidence[MONOCHROME_MARK] is True
    assert cues["motion"].score is not None
