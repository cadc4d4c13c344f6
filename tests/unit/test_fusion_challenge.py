"""The challenge part of the fusion on synthetic cue scores: veto, own table, passive untouched."""

from __future__ import annotations

import numpy as np
import pytest

from unmask.errors import InputError
from unmask.liveness.fusion import ACTIVE_CUES, FusionModel, withheld
from unmask.types import CueScore

# (pulse, motion, challenge, flash) means per species. Prints and replays fail the challenge;
# a silicone mask passes it and must be refused by its weak pulse.
MEANS = {
    "bona_fide": (0.8, 0.75, 0.8, 0.8),
    "print": (0.35, 0.2, 0.2, 0.2),
    "replay": (0.7, 0.7, 0.2, 0.3),
    "mask_silicone": (0.2, 0.6, 0.75, 0.75),
}


def sample(label: str, rng: np.random.Generator, answered: bool) -> dict[str, CueScore]:
    values = np.clip(np.array(MEANS[label]) + rng.normal(0, 0.06, 4), 0.02, 0.98)
    cues = {
        "pulse": CueScore("pulse", float(values[0]), 0.8),
        "motion": CueScore("motion", float(values[1]), 0.8),
    }
    if answered:
        cues["challenge"] = CueScore("challenge", float(values[2]), 1.0)
        cues["flash"] = CueScore("flash", float(values[3]), 1.0)
    return cues


def data(answered: bool, seed: int) -> tuple[list[dict[str, CueScore]], list[str]]:
    rng = np.random.default_rng(seed)
    labels = [s for s in MEANS for _ in range(40 if s == "bona_fide" else 30)]
    return [sample(label, rng, answered) for label in labels], labels


@pytest.fixture(scope="module")
def models() -> tuple[FusionModel, FusionModel]:
    passive, labels = data(False, 1)
    answered, answered_labels = data(True, 2)
    alone = FusionModel().fit(passive, labels)
    both = FusionModel().fit([*passive, *answered], [*labels, *answered_labels])
    return alone, both


def test_answered_presentations_leave_the_passive_model_unchanged(models) -> None:
    alone, both = models
    assert {k: both.calibration[k] for k in alone.calibration} == alone.calibration
    assert {k: both.weights[k] for k in alone.weights} == alone.weights
    assert both.levels == alone.levels and both.bias == alone.bias
    assert not alone.challenge_levels and set(both.challenge_levels) == set(alone.levels)
    assert set(ACTIVE_CUES) <= set(both.calibration)
    assert all(both.weights[n] >= 0 for n in ACTIVE_CUES)


def test_answered_presentations_alone_cannot_fit_a_model() -> None:
    answered, labels = data(True, 3)
    with pytest.raises(InputError, match="passive model needs some that did not"):
        FusionModel().fit(answered, labels)


def test_a_failed_check_refuses_whatever_the_passive_cues_say(models) -> None:
    _, both = models
    living = sample("bona_fide", np.random.default_rng(5), True)
    failed = {**living, "flash": CueScore("flash", 0.3, 1.0, reason="no reflection")}
    decision, score, reason, deciding = both.decide(failed, "low")
    assert decision == "attack" and score is None and deciding == ("flash",)
    assert reason is not None and reason.startswith("challenge refused: flash: no reflection")
    unsure = {**living, "challenge": CueScore("challenge", None, reason="no face")}
    decision, _, reason, _ = both.decide(unsure, "low")
    assert decision == "inconclusive" and reason == "challenge: challenge: no face"


def test_passed_checks_are_judged_on_the_challenge_table(models) -> None:
    _, both = models
    rng = np.random.default_rng(6)
    living = sample("bona_fide", rng, True)
    assert both.levels_for(living) is both.challenge_levels
    assert both.levels_for(withheld(living, ACTIVE_CUES)) is both.levels
    decision, score, _, _ = both.decide(living, "medium")
    assert decision == "bona_fide" and score == both.fused_one(living)
    # Without a challenge table (an older model) passed checks add nothing: passive decides.
    older = FusionModel.from_dict({**both.to_dict(), "challenge_levels": {}})
    plain = {n: c for n, c in living.items() if n not in ACTIVE_CUES}
    assert older.decide(living, "medium")[:2] == older.decide(plain, "medium")[:2]


def test_the_challenge_table_counts_refused_checks_and_still_refuses_masks(models) -> None:
    _, both = models
    evaluation, labels = data(True, 9)
    for name, level in both.challenge_levels.items():
        accepted = {
            s: np.mean(
                [
                    both.decide(c, name)[0] == "bona_fide"
                    for c, la in zip(evaluation, labels, strict=True)
                    if la == s
                ]
            )
            for s in MEANS
        }
        assert accepted["print"] == 0 and accepted["replay"] == 0, name
        # Masks pass the script: the table keeps them near the level's target, not at zero BPCER.
        assert accepted["mask_silicone"] <= level.target_apcer + 0.1, (name, accepted)
        assert level.apcer_max <= level.target_apcer
    assert "challenge_levels" in both.to_dict()
    again = FusionModel.from_dict(both.to_dict())
    assert again.to_dict()["challenge_levels"] == both.to_dict()["challenge_levels"]


def test_a_challenge_table_worse_for_living_faces_than_the_veto_is_dropped() -> None:
    """Masks that pass the checks and, in the challenge captures, look alive to every passive
    cue: a table set against them refuses nearly every living face, so the veto with the
    passive table (set where the pulse refuses masks) decides (it keeps the passive mask APCER
    and refuses what the checks refuse)."""
    rng = np.random.default_rng(11)
    lively = {**MEANS, "mask_silicone": (0.78, 0.74, 0.78, 0.78)}

    def draw(label: str, answered: bool) -> dict[str, CueScore]:
        means = lively if answered else MEANS
        values = np.clip(np.array(means[label]) + rng.normal(0, 0.06, 4), 0.02, 0.98)
        cues = {
            n: CueScore(n, float(v), 0.8)
            for n, v in zip(("pulse", "motion"), values[:2], strict=True)
        }
        if answered:
            cues.update(
                {
                    n: CueScore(n, float(v), 1.0)
                    for n, v in zip(ACTIVE_CUES, values[2:], strict=True)
                }
            )
        return cues

    labels = [s for s in MEANS for _ in range(40 if s == "bona_fide" else 30)]
    passive = [draw(label, False) for label in labels]
    answered = [draw(label, True) for label in labels]
    model = FusionModel().fit([*passive, *answered], [*labels, *labels])
    assert model.challenge_levels == {}
    assert set(ACTIVE_CUES) <= set(model.calibration)
    living = draw("bona_fide", True)
    plain = {n: c for n, c in living.items() if n not in ACTIVE_CUES}
    assert model.decide(living, "medium")[:2] == model.decide(plain, "medium")[:2]
    failed = {**living, "flash": CueScore("flash", 0.2, 1.0, reason="no reflection")}
    assert model.decide(failed, "medium")[0] == "attack"
