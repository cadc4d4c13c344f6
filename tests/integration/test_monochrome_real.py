"""The shipped model on REAL monochrome captures: ORL's greyscale photos and a colour photo
converted to grey are never accused for their missing colour, and never accepted either."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.shared import shared_path
from unmask.liveness.engine import LivenessEngine
from unmask.liveness.fusion import MONOCHROME_NOTE
from unmask.media import read_image
from unmask.types import Frame


@pytest.fixture(scope="module")
def engine() -> LivenessEngine:
    return LivenessEngine(level="medium")


def grey(frame: Frame) -> Frame:
    luma = cv2.cvtColor(frame.image, cv2.COLOR_RGB2GRAY)
    return Frame(np.repeat(luma[..., None], 3, axis=2), frame.index, frame.timestamp)


def test_greyscale_photos_are_inconclusive_for_want_of_colour(engine: LivenessEngine) -> None:
    photo = shared_path("faces", "orl", "s1", "1.pgm")
    verdict = engine.assess(photo).main.verdict
    assert verdict.decision == "inconclusive" and verdict.reason == MONOCHROME_NOTE
    assert "monochrome" in (verdict.cues["recapture"].reason or "")


def test_photos_in_grey_lose_their_acceptance_not_their_innocence(
    engine: LivenessEngine,
) -> None:
    """deepface photos the model accepts in colour: in grey the recapture cue cannot judge them
    and the verdict says so rather than calling them prints. Several photos, since one near the
    still threshold (img10) moves across it when the recapture classifier is retrained."""
    frames = [
        read_image(shared_path("faces", "deepface", f"img{number}.jpg"))
        for number in (1, 2, 3, 4, 10)
    ]
    accepted = [f for f in frames if engine.assess([f]).main.verdict.decision == "bona_fide"]
    assert len(accepted) >= 3
    for frame in accepted:
        verdict = engine.assess([grey(frame)]).main.verdict
        assert verdict.decision == "inconclusive" and verdict.reason == MONOCHROME_NOTE
