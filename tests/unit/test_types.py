"""`as_dict()` on CueScore and Verdict gives the JSON shape the liveness command prints."""

from __future__ import annotations

import dataclasses
import json

from unmask.types import CueScore, Verdict

PULSE = CueScore("pulse", 0.912345, 0.8, None, {"bpm": 72.0})
EYES = CueScore("eyes", None, 0.0, "no blink seen", {})
VERDICT = Verdict(
    "bona_fide", 0.8765432, "medium", {"pulse": PULSE, "eyes": EYES}, None, ("pulse",)
)


def test_cue_as_dict_rounds_and_carries_the_calibrated_weight():
    assert PULSE.as_dict(1.23456) == {
        "score": 0.9123,
        "confidence": 0.8,
        "calibrated_llr": 1.235,
        "reason": None,
        "evidence": {"bpm": 72.0},
    }
    assert EYES.as_dict()["score"] is None and EYES.as_dict()["calibrated_llr"] is None


def test_verdict_as_dict_carries_the_summary_and_every_cue():
    document = VERDICT.as_dict({"pulse": 2.0})
    assert {k: document[k] for k in VERDICT.summary()} == VERDICT.summary()
    assert VERDICT.summary()["score"] == 0.8765
    assert document["cues"]["pulse"]["calibrated_llr"] == 2.0
    assert document["cues"]["eyes"]["reason"] == "no blink seen"
    assert json.loads(json.dumps(document)) == document
    assert dataclasses.asdict(VERDICT)["cues"]["pulse"]["evidence"] == {"bpm": 72.0}
