"""The evidence report's pulse figure names the rate the pulse cue read, not a second reading."""

from unmask.liveness.report import cue_rate
from unmask.types import CueScore


def test_a_rate_of_the_pooled_skin_alone() -> None:
    cue = CueScore("pulse", 0.9, confidence=0.8, evidence={"skin": {"heart_rate_bpm": 64.0}})
    assert cue_rate(cue) == "64 bpm, as the pulse cue read it"


def test_no_rate_leaves_the_figure_its_own_reading() -> None:
    assert cue_rate(None) is None
    assert cue_rate(CueScore("pulse", None, reason="too compressed")) is None
    assert cue_rate(CueScore("pulse", None, evidence={"skin": {"heart_rate_bpm": None}})) is None
