"""Fusion on synthetic cue scores with known structure: calibration, missing cues, levels."""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from unmask.errors import InputError, ModelError
from unmask.liveness.features.colour import MONOCHROME_MARK
from unmask.liveness.fusion import (
    ATTACK_EVIDENCE,
    LARGEST_WEIGHT,
    MONOCHROME_NOTE,
    STILL_BPCER_CEILING,
    STILL_MARK,
    FusionModel,
    fit_logistic,
    monochrome_blind,
    predicted_bound,
    sigmoid,
)
from unmask.liveness.model import PadModel
from unmask.types import CueScore

SPECIES = ("print", "mask_silicone")


def sample(label: str, rng: np.random.Generator) -> dict[str, CueScore]:
    """Bona fide: pulse and motion high. Print: motion low. Silicone mask: pulse low, motion middling."""
    base = {
        "bona_fide": (0.85, 0.8, 0.7),
        "print": (0.35, 0.1, 0.3),
        "mask_silicone": (0.1, 0.55, 0.65),
    }[label]
    values = np.clip(np.array(base) + rng.normal(0, 0.08, 3), 0.01, 0.99)
    return {
        "pulse": CueScore("pulse", float(values[0]), 0.8),
        "motion": CueScore("motion", float(values[1]), 0.8),
        "surface": CueScore("surface", float(values[2]), 0.5),
        "thermal": CueScore("thermal", None, reason="no thermal camera"),
    }


@pytest.fixture(scope="module")
def fitted() -> tuple[FusionModel, list[dict[str, CueScore]], list[str]]:
    rng = np.random.default_rng(3)
    labels = ["bona_fide"] * 60 + ["print"] * 40 + ["mask_silicone"] * 40
    samples = [sample(label, rng) for label in labels]
    return FusionModel().fit(samples, labels), samples, labels


def test_calibration_is_monotonic_and_skips_absent_cues(fitted) -> None:
    model, _, _ = fitted
    assert set(model.calibration) == {"pulse", "motion", "surface"}
    assert all(slope > 0 for slope, _ in model.calibration.values())
    assert all(weight >= 0 for weight in model.weights.values())


def test_weights_never_trust_a_cue_beyond_its_calibration() -> None:
    """Two cues that each miss one species (motion cannot see a replay's living face, the
    recapture cue cannot see a mask's) are weak alone and separate every class together: the
    unbounded logistic weights then grow far above one, as they did on the lab's clean
    classes. The fusion keeps each weight within [0, LARGEST_WEIGHT], so no cue's share of the
    fused log-odds exceeds its own calibrated evidence."""
    rng = np.random.default_rng(5)
    labels = ["bona_fide"] * 40 + ["replay"] * 40 + ["mask_rigid"] * 40
    high, low = (0.7, 0.95), (0.05, 0.3)
    ranges = {"bona_fide": (high, high), "replay": (high, low), "mask_rigid": (low, high)}

    def cues(label: str) -> dict[str, CueScore]:
        motion, recapture = (float(rng.uniform(*r)) for r in ranges[label])
        return {
            "motion": CueScore("motion", motion, 0.8),
            "recapture": CueScore("recapture", recapture, 0.8),
        }

    samples = [cues(label) for label in labels]
    model = FusionModel().fit(samples, labels)
    truth = np.array([label == "bona_fide" for label in labels], dtype=np.float64)
    unbounded, _ = fit_logistic(model.design(samples), truth, nonnegative=True)
    assert unbounded.max() > 2 * LARGEST_WEIGHT
    assert all(0.0 <= w <= LARGEST_WEIGHT for w in model.weights.values())
    for sample_cues in samples:
        evidence = model.evidence(sample_cues)
        for name, share in model.contributions(sample_cues).items():
            assert abs(share) <= abs(evidence[name]) + 1e-12


def test_a_cue_blind_to_a_rare_species_does_not_vouch_for_it() -> None:
    """A recapture cue sees prints, not masks. With hundreds of prints and a dozen masks, a
    calibration pooled over all attacks learns "looks uncaptured, so alive" and hands a mask
    that looks uncaptured several nats of life; every species weighing the same, the cue's
    evidence at a living face's score stays small, and at a print's it still accuses."""
    rng = np.random.default_rng(2)
    labels = ["bona_fide"] * 60 + ["print"] * 300 + ["mask_silicone"] * 12
    alive = {"bona_fide", "mask_silicone"}
    samples = [
        {
            "recapture": CueScore(
                "recapture",
                float(rng.uniform(0.7, 0.95) if label in alive else rng.uniform(0.05, 0.3)),
                0.8,
            )
        }
        for label in labels
    ]
    model = FusionModel().fit(samples, labels)
    slope, intercept = model.calibration["recapture"]
    at_mask = slope * float(np.log(0.9 / 0.1)) + intercept
    at_print = slope * float(np.log(0.1 / 0.9)) + intercept
    assert at_mask < 1.0 and at_print < -1.0


def test_missing_cue_contributes_nothing(fitted) -> None:
    model, samples, _ = fitted
    full = samples[0]
    partial = {**full, "pulse": CueScore("pulse", None, reason="too short")}
    assert "pulse" not in model.contributions(partial)
    assert set(model.contributions(full)) - set(model.contributions(partial)) == {"pulse"}
    nothing = {name: CueScore(name, None, reason="x") for name in full}
    assert model.fused_one(nothing) is None
    decision, score, reason, _ = model.decide(nothing, "low")
    assert decision == "inconclusive" and score is None and "no conclusive cue" in (reason or "")


def test_levels_meet_their_target_on_calibration_data(fitted) -> None:
    model, samples, labels = fitted
    fused = model.fused(samples)
    truth = np.asarray(labels)
    for level in model.levels.values():
        for species in SPECIES:
            accepted = np.mean(fused[truth == species] >= level.threshold)
            assert accepted <= level.target_apcer + 1e-9
        assert level.bpcer == pytest.approx(np.mean(fused[truth == "bona_fide"] < level.threshold))
    thresholds = [model.levels[name].threshold for name in ("low", "medium", "high", "maximum")]
    assert thresholds == sorted(thresholds)


def test_decisions_species_and_deciding_cues(fitted) -> None:
    model, _, _ = fitted
    rng = np.random.default_rng(11)
    live = sample("bona_fide", rng)
    assert model.decide(live, "low")[0] == "bona_fide"
    printed = sample("print", rng)
    decision, _, _, deciding = model.decide(printed, "low")
    assert decision == "attack" and "motion" in deciding
    assert model.species(printed)[0] == "print"
    assert model.species(sample("mask_silicone", rng))[0] == "mask_silicone"


def test_high_levels_need_enough_evidence(fitted) -> None:
    model, _, _ = fitted
    live = sample("bona_fide", np.random.default_rng(5))
    surface_only = {
        name: (cue if name == "surface" else CueScore(name, None, reason="still image"))
        for name, cue in live.items()
    }
    pulse_only = {
        name: (cue if name == "pulse" else CueScore(name, None, reason="too short"))
        for name, cue in live.items()
    }
    decision, _, reason, _ = model.decide(
        {**pulse_only, "pulse": CueScore("pulse", 0.99, 0.9)}, "high"
    )
    assert decision == "inconclusive" and "at least 2" in (reason or "")
    # The surface (a texture a silicone mask shares) alone rules out no silicone mask.
    decision, _, reason, _ = model.decide(
        {**surface_only, "surface": CueScore("surface", 0.99, 0.9)}, "low"
    )
    assert decision == "inconclusive"
    assert (reason or "").startswith("nothing here rules out mask_silicone"), reason
    no_pulse = {**live, "pulse": CueScore("pulse", None, reason="too short")}
    assert model.decide(no_pulse, "maximum")[0] in ("inconclusive", "attack")
    with pytest.raises(InputError, match="unknown security level"):
        model.decide(live, "paranoid")


def test_a_refusal_for_want_of_evidence_names_the_temporal_cue_that_said_nothing(fitted) -> None:
    model = copy.deepcopy(fitted[0])
    model.levels["maximum"] = replace(model.levels["maximum"], threshold=0.999, min_cues=1)
    short = CueScore("motion", None, reason="too short: 2 frames with a mesh over 0.07 s")
    leaning = [
        {"pulse": CueScore("pulse", float(v), 0.8), "surface": CueScore("surface", 0.9, 0.8)}
        for v in np.linspace(0.5, 0.95, 46)
    ]
    cues = next(c for c in leaning if sum(model.against(c)[1].values()) > 0)
    decision, _, reason, _ = model.decide({**cues, "motion": short}, "maximum")
    assert decision == "inconclusive"
    assert reason is not None and reason.endswith(
        "said nothing: motion: too short: 2 frames with a mesh over 0.07 s"
    ), reason
    assert "said nothing" not in (model.decide(cues, "maximum")[2] or "")


def test_weak_evidence_for_life_is_inconclusive_not_attack(fitted) -> None:
    model = copy.deepcopy(fitted[0])
    threshold = 0.999
    model.levels["maximum"] = replace(model.levels["maximum"], threshold=threshold)
    candidates = [
        {n: CueScore(n, float(v), 0.8) for n in ("pulse", "motion", "surface")}
        for v in np.linspace(0.05, 0.95, 181)
    ]
    between = [
        c
        for c in candidates
        if sum(model.against(c)[1].values()) > 0 and (model.fused_one(c) or 1.0) < threshold
    ]
    assert between, "some cue values must lean bona fide without reaching the maximum threshold"
    decision, score, reason, deciding = model.decide(between[0], "maximum")
    assert decision == "inconclusive" and score is not None and score < threshold
    assert "leans bona fide" in (reason or "")
    assert deciding and all(model.against(between[0])[1][n] > 0 for n in deciding)
    against = [c for c in candidates if sum(model.against(c)[1].values()) < 0]
    strong = [c for c in against if -sum(model.against(c)[1].values()) >= ATTACK_EVIDENCE]
    weak = [c for c in against if -sum(model.against(c)[1].values()) < ATTACK_EVIDENCE]
    assert strong and weak, "the candidates must span both sides of the attack margin"
    assert model.decide(strong[-1], "maximum")[0] == "attack"
    decision, _, reason, _ = model.decide(weak[0], "maximum")
    assert decision == "inconclusive" and "too weak either way" in (reason or ""), reason


def test_channel_cameras_have_their_own_operating_points(fitted) -> None:
    model = copy.deepcopy(fitted[0])
    model.calibration["thermal"] = (1.0, 0.0)
    model.weights["thermal"] = 1.0
    model.channel_levels = {n: replace(level, threshold=1.0) for n, level in model.levels.items()}
    live = sample("bona_fide", np.random.default_rng(5))
    assert model.levels_for(live) is model.levels
    assert model.decide(live, "low")[0] == "bona_fide"
    warm = {**live, "thermal": CueScore("thermal", 0.9, 0.8)}
    assert model.levels_for(warm) is model.channel_levels
    assert model.decide(warm, "low")[0] != "bona_fide"
    loaded = FusionModel.from_dict(model.to_dict())
    assert loaded.channel_levels["low"].threshold == pytest.approx(1.0)


def test_channel_operating_points_need_every_channel_that_set_them(fitted) -> None:
    model = copy.deepcopy(fitted[0])
    for name in ("thermal", "nir"):
        model.calibration[name] = (1.0, 0.0)
        model.weights[name] = 1.0
    model.channel_levels = {n: replace(level, threshold=0.5) for n, level in model.levels.items()}
    live = sample("bona_fide", np.random.default_rng(5))
    nir_only = {**live, "nir": CueScore("nir", 0.9, 0.8)}
    assert model.levels_for(nir_only) is model.levels
    both = {**nir_only, "thermal": CueScore("thermal", 0.9, 0.8)}
    assert model.levels_for(both) is model.channel_levels


def test_a_cue_that_only_ever_speaks_for_life_still_counts() -> None:
    """A pulse found on a third of living faces and never on an attack is evidence for life."""
    rng = np.random.default_rng(4)
    samples, labels = [], []
    for label in ["bona_fide"] * 30 + ["print"] * 30:
        cues = sample(label, rng)
        found = label == "bona_fide" and len(samples) % 3 == 0
        cues["pulse"] = (
            CueScore("pulse", float(rng.uniform(0.8, 0.95)), 0.8)
            if found
            else CueScore("pulse", None, reason="too noisy")
        )
        samples.append(cues)
        labels.append(label)
    model = FusionModel().fit(samples, labels)
    assert "pulse" in model.calibration
    llr = model.evidence({"pulse": CueScore("pulse", 0.9, 0.8)})["pulse"]
    # 10 of 30 living faces and 0 of 30 attacks: (11 / 32) / (1 / 32) = 11, log 2.4
    assert llr == pytest.approx(np.log(11.0), abs=0.5)
    assert model.evidence({"pulse": CueScore("pulse", 0.2, 0.8)})["pulse"] < 0


def test_thresholds_sit_in_the_middle_of_the_gap_they_fall_in() -> None:
    model = FusionModel()
    prints = np.append(np.linspace(0.01, 0.05, 57), [0.60, 0.70, 0.80])
    fused = np.append(prints, [0.90, 0.95, 0.99])
    labels = np.array(["print"] * 60 + ["bona_fide"] * 3)
    level = model.fit_levels(fused, labels)["medium"]
    assert level.resolvable and level.apcer_max == pytest.approx(0.05) and level.bpcer == 0.0
    # halfway between logit(0.05) and logit(0.60) in log-odds, not on the print at 0.60
    assert level.threshold == pytest.approx(1 / (1 + np.sqrt((0.95 / 0.05) * (0.40 / 0.60))))


def test_fit_needs_both_classes() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(InputError):
        FusionModel().fit([sample("print", rng) for _ in range(5)], ["print"] * 5)


def test_model_roundtrip_and_refusals(fitted, tmp_path: Path) -> None:
    model, samples, _ = fitted
    saved = PadModel(surface=None, fusion=model, provenance={"data": [{"name": "synthetic"}]}).save(
        tmp_path / "m"
    )
    loaded = PadModel.load(saved)
    assert np.allclose(loaded.fusion.fused(samples), model.fused(samples), equal_nan=True)
    assert loaded.fusion.levels["high"].threshold == pytest.approx(
        model.levels["high"].threshold, abs=1e-6
    )
    with pytest.raises(ModelError, match="no PAD model"):
        PadModel.load(tmp_path / "absent")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "pad.json").write_text('{"kind": "something else"}')
    with pytest.raises(ModelError, match="not an unmask PAD model"):
        PadModel.load(tmp_path / "bad")


def recapture_sample(label: str, rng: np.random.Generator) -> dict[str, CueScore]:
    """Motion speaks on video; recapture separates prints and screens, not masks; the eyes
    (a mask's eye holes) weakly separate masks, and nothing else."""
    motion = {"bona_fide": 0.8, "print": 0.1, "replay": 0.6, "mask_rigid": 0.2}[label]
    recapture = {"bona_fide": 0.8, "print": 0.15, "replay": 0.2, "mask_rigid": 0.75}[label]
    eyes = {"bona_fide": 0.65, "print": 0.65, "replay": 0.65, "mask_rigid": 0.5}[label]
    return {
        name: CueScore(name, float(np.clip(mean + rng.normal(0, 0.05), 0.01, 0.99)), 0.8)
        for name, mean in (("motion", motion), ("recapture", recapture), ("eyes", eyes))
    }


def test_a_video_face_no_temporal_cue_judged_is_refused_at_every_level() -> None:
    """A track too short for motion carries a still's evidence, which cannot rule out a mask;
    the colour-video table was set on clips motion judged, so it does not accept it, even where
    its single-frame cues score like a living face's."""
    rng = np.random.default_rng(8)
    labels = ["bona_fide"] * 40 + ["print"] * 30 + ["replay"] * 30 + ["mask_rigid"] * 30
    model = FusionModel().fit([recapture_sample(label, rng) for label in labels], labels)
    glimpse = {
        **recapture_sample("bona_fide", rng),
        "motion": CueScore("motion", None, reason="too short: 4 frames"),
    }
    glimpse["recapture"] = CueScore("recapture", 0.99, 0.8)
    glimpse["eyes"] = CueScore("eyes", 0.9, 0.8)
    assert model.fused_one(glimpse) > model.levels["low"].threshold
    for level in ("low", "medium"):
        decision, _, reason, _ = model.decide(glimpse, level)
        assert decision == "inconclusive" and "one of motion" in (reason or ""), reason
        assert "mask cannot be ruled out" in (reason or "")
    seen = {**glimpse, "motion": CueScore("motion", 0.9, 0.8)}
    assert model.decide(seen, "low")[0] == "bona_fide"


def test_levels_are_fitted_with_untimed_video_faces_refused() -> None:
    """Masks held too still for the motion cue score on their single-frame cues like living
    faces; `decide` refuses them at every level, so they must not set the thresholds either."""
    rng = np.random.default_rng(9)
    labels = ["bona_fide"] * 40 + ["print"] * 30 + ["replay"] * 30 + ["mask_rigid"] * 30
    samples = [recapture_sample(label, rng) for label in labels]
    for index in [i for i, label in enumerate(labels) if label == "mask_rigid"][::2]:
        samples[index] = {
            **samples[index],
            "motion": CueScore("motion", None, reason="too still"),
            "recapture": CueScore("recapture", 0.8, 0.8),
        }
    model = FusionModel().fit(samples, labels)
    still_mask = next(s for s in samples if s["motion"].score is None)
    assert model.untimed(still_mask)
    refused_anyway = model.fused_one(still_mask)
    counted = FusionModel.fit_levels(
        model, model.fused(samples), np.asarray(labels), species=("mask_rigid",)
    )
    assert counted["low"].threshold > refused_anyway > model.levels["low"].threshold
    assert model.decide(still_mask, "low")[0] == "inconclusive"


def test_stills_have_operating_points_against_prints_and_screens_only() -> None:
    rng = np.random.default_rng(8)
    labels = ["bona_fide"] * 40 + ["print"] * 30 + ["replay"] * 30 + ["mask_rigid"] * 30
    samples = [recapture_sample(label, rng) for label in labels]
    real = [i % 2 == 0 for i in range(len(labels))]
    model = FusionModel().fit(samples, labels, real=real)
    assert model.still_levels["medium"].species == ("print", "replay")
    assert set(model.levels["medium"].species) == {"print", "replay", "mask_rigid"}
    assert model.levels["medium"].bpcer_source == "real"
    still = CueScore("motion", None, evidence={STILL_MARK: True})
    live_still = {**recapture_sample("bona_fide", rng), "motion": still}
    assert model.levels_for(live_still) is model.still_levels
    decision, _, reason, _ = model.decide(live_still, "medium")
    assert decision == "bona_fide" and "not masks" in (reason or "")
    decision, _, reason, _ = model.decide(live_still, "high")
    assert decision == "inconclusive" and "mask cannot be ruled out" in (reason or "")
    printed_still = {**recapture_sample("print", rng), "motion": still}
    # a video whose motion could not judge is not a still: the mask-aware table stays
    short_clip = {**recapture_sample("bona_fide", rng), "motion": CueScore("motion", None)}
    assert model.levels_for(short_clip) is model.levels
    assert model.decide(printed_still, "medium")[0] == "attack"
    loaded = FusionModel.from_dict(model.to_dict())
    assert loaded.still_levels["low"].species == ("print", "replay")


def test_stills_are_judged_by_a_part_fitted_without_masks() -> None:
    """No single-frame cue sees a mask, so against every species the recapture cue says
    little; against the prints and screens a still is judged on, it says much. The still
    part keeps that, the video model does not, and each capture goes to its own."""
    rng = np.random.default_rng(8)
    labels = ["bona_fide"] * 40 + ["print"] * 30 + ["replay"] * 30 + ["mask_rigid"] * 30
    samples = [recapture_sample(label, rng) for label in labels]
    model = FusionModel().fit(samples, labels, real=[True] * len(labels))
    part = model.still_part
    assert part is not None and model.still_levels is part.levels
    assert "mask_rigid" not in part.counts and "mask_rigid" not in part.species_stats
    assert part.calibration["recapture"][0] > model.calibration["recapture"][0]
    live_still = {
        **recapture_sample("bona_fide", rng),
        "motion": CueScore("motion", None, evidence={STILL_MARK: True}),
    }
    video = recapture_sample("bona_fide", rng)
    assert model.evidence(live_still) == part.evidence(live_still)
    assert model.fused_one(live_still) == part.fused_one(live_still)
    assert model.evidence(video)["recapture"] != part.evidence(video)["recapture"]
    loaded = FusionModel.from_dict(model.to_dict())
    assert loaded.still_part is not None
    assert loaded.decide(live_still, "medium") == model.decide(live_still, "medium")
    site = [recapture_sample("bona_fide", rng) for _ in range(20)]
    for cues in site:
        cues["recapture"] = CueScore("recapture", 0.6, 0.8)
    moved, shifts = model.adapted(site)
    assert "recapture (stills)" in shifts and moved.still_levels is moved.still_part.levels


def test_bpcer_is_measured_on_real_faces_where_given() -> None:
    model = FusionModel()
    fused = np.append(np.linspace(0.01, 0.05, 60), [0.03, 0.95, 0.96, 0.97])
    labels = np.array(["print"] * 60 + ["bona_fide"] * 4)
    real = np.array([False] * 60 + [True, True, False, False])
    level = model.fit_levels(fused, labels, real)["medium"]
    assert level.bpcer_source == "real"
    assert level.bpcer == pytest.approx(0.5)  # the real face at 0.03 of the two real faces
    simulated = model.fit_levels(fused, labels)["medium"]
    assert simulated.bpcer_source == "simulated" and simulated.bpcer == pytest.approx(0.25)


def test_site_adaptation_moves_a_shifted_cue_back_and_never_past_the_attacks(fitted) -> None:
    model, _, _ = fitted
    rng = np.random.default_rng(21)

    def darker(cues: dict[str, CueScore], by: float) -> dict[str, CueScore]:
        return {
            n: (replace(c, score=float(np.clip(c.score - by, 0.01, 0.99))) if n == "surface" else c)
            for n, c in cues.items()
            if c.score is not None
        }

    site = [darker(sample("bona_fide", rng), 0.25) for _ in range(40)]
    moved, shifts = model.adapted(site[:30])
    assert shifts["surface"]["applied_llr_shift"] > 0
    before = np.mean([model.decide(c, "high")[0] != "bona_fide" for c in site[30:]])
    after = np.mean([moved.decide(c, "high")[0] != "bona_fide" for c in site[30:]])
    assert after <= before
    # an absurd site (every living face scores like a print) is capped, not followed
    absurd = [darker(sample("bona_fide", rng), 0.6) for _ in range(30)]
    _, capped = model.adapted(absurd)
    assert capped["surface"]["applied_llr_shift"] < capped["surface"]["wanted_llr_shift"]
    attacks = [sample("print", rng) for _ in range(30)]
    assert all(moved.decide(c, "medium")[0] != "bona_fide" for c in attacks)
    assert FusionModel.from_dict(moved.to_dict()).reference == moved.reference


def test_a_still_level_stops_where_it_would_refuse_too_many_living_faces() -> None:
    """Screens that look like faces (a tail the simulation has and a still cannot resolve) would
    set `medium` above most living faces; the ceiling stops it at 10 % of the bona fide stills
    and the level then reports the APCER it costs, above its target. Video tables keep theirs."""
    bona = np.linspace(0.30, 0.99, 100)
    attacks = np.concatenate([np.linspace(0.01, 0.40, 85), np.linspace(0.90, 0.99, 15)])
    fused = np.concatenate([bona, attacks, attacks])
    labels = np.array(["bona_fide"] * 100 + ["print"] * 100 + ["replay"] * 100)
    stills = labels == "bona_fide"
    model = FusionModel()
    free = model.fit_levels(fused, labels, species=("print", "replay"))
    assert free["medium"].bpcer > 0.8 and free["medium"].apcer_max <= 0.05
    capped = model.fit_levels(
        fused, labels, species=("print", "replay"), ceiling=(STILL_BPCER_CEILING, stills)
    )
    assert capped["medium"].bpcer <= 0.10 < capped["medium"].apcer_max
    assert capped["low"].bpcer <= 0.05
    assert capped["low"].threshold <= capped["medium"].threshold
    assert capped["high"].threshold == free["high"].threshold
    # the ceiling is measured on the bona fide it names: none named, nothing capped
    none = model.fit_levels(
        fused, labels, species=("print", "replay"), ceiling=(STILL_BPCER_CEILING, ~stills)
    )
    assert none["medium"].threshold == free["medium"].threshold


def test_too_few_attacks_to_resolve_a_level_set_it_by_the_prediction_bound() -> None:
    """A dozen attacks of a species: counting puts every level just above the highest one.
    The prediction bound sets a new attack's chance of passing at the level's target (checked
    over many fresh draws), and a stricter level gets a higher threshold."""
    rng = np.random.default_rng(11)
    target = 0.05
    passed = []
    for _ in range(2000):
        seen = sigmoid(rng.normal(-2.0, 1.5, 12))
        bound = predicted_bound({"mask_rigid": seen}, target)
        passed.append(sigmoid(rng.normal(-2.0, 1.5)) >= bound)
    assert abs(np.mean(passed) - target) < 0.015
    labels = np.array(["bona_fide"] * 30 + ["mask_rigid"] * 12)
    fused = np.concatenate([sigmoid(rng.normal(4.0, 1.0, 30)), sigmoid(rng.normal(-2, 1.5, 12))])
    levels = FusionModel().fit_levels(fused, labels)
    highest = fused[labels == "mask_rigid"].max()
    thresholds = [levels[name].threshold for name in ("low", "medium", "high", "maximum")]
    assert all(t > highest for t in thresholds[1:])  # 1 of 12 passing meets low's 10 %
    assert thresholds == sorted(thresholds) and thresholds[3] > thresholds[1]
    assert not levels["medium"].resolvable
    assert levels["maximum"].bpcer == pytest.approx(np.mean(fused[:30] < thresholds[3]))


def test_a_species_caught_outright_gives_no_prediction_bound() -> None:
    """Eleven prints tied at the floor and one a little above: one deviation is no spread, and
    with t of one degree of freedom the bound would be 1 (no living face could pass)."""
    caught = sigmoid(np.array([-7.0] * 11 + [-6.0]))
    assert predicted_bound({"print": caught}, 0.01) == 0.0
    spread = sigmoid(np.array([-7.0] * 6 + [-6.0, -5.5, -5.0, -4.0, -3.5, -3.0]))
    assert spread.max() < predicted_bound({"print": spread}, 0.01) < 0.9


def test_a_moving_replay_is_refused_when_its_frames_look_recaptured() -> None:
    """Motion cannot tell a replayed living face from the face; the video fusion, fitted
    against prints and masks too, still counts it for much. A video whose frames alone the
    still table calls a print or a screen is refused at `low` and `medium`, and at the levels
    above with `medium`'s still threshold; a living face's video is not touched."""
    rng = np.random.default_rng(8)
    labels = ["bona_fide"] * 40 + ["print"] * 30 + ["replay"] * 30 + ["mask_rigid"] * 30
    samples = [recapture_sample(label, rng) for label in labels]
    model = FusionModel().fit(samples, labels, real=[True] * len(labels))
    replay = {
        "motion": CueScore("motion", 0.99, 0.9),
        "recapture": CueScore("recapture", 0.25, 0.8),
    }
    assert model.fused_one(replay) >= model.levels["medium"].threshold
    frames = model.still_part.fused_one({"recapture": replay["recapture"]})
    assert frames < model.still_levels["medium"].threshold
    decision, score, reason, deciding = model.decide(replay, "medium")
    frames_against = model.frames_recaptured(replay, "medium")[3]
    assert decision == ("attack" if frames_against >= ATTACK_EVIDENCE else "inconclusive")
    assert "print or a screen" in (reason or "")
    assert score == pytest.approx(frames) and deciding == ("recapture",)
    # Frames that miss a stricter still threshold on faint evidence are refused, but not
    # called an attack.
    strict = copy.deepcopy(model)
    strict.still_levels = {n: replace(v, threshold=0.6) for n, v in strict.still_levels.items()}
    faint = {**replay, "recapture": CueScore("recapture", 0.45, 0.8)}
    faint_check = strict.frames_recaptured(faint, "medium")
    assert faint_check is not None and 0 < faint_check[3] < ATTACK_EVIDENCE
    assert strict.decide(faint, "medium")[0] == "inconclusive"
    assert model.frames_recaptured(replay, "maximum")[1] == model.still_levels["medium"].threshold
    living = recapture_sample("bona_fide", rng)
    assert model.frames_recaptured(living, "medium") is None
    assert model.decide(living, "medium")[0] == "bona_fide"


def test_frames_that_only_fall_short_of_a_stills_proof_leave_a_video_accepted() -> None:
    """With the recapture cue silent (a face too small for it), the still part has only weak
    cues: short of a strict still threshold, but pointing to no recapture. The video's own
    verdict stands."""
    rng = np.random.default_rng(8)
    labels = ["bona_fide"] * 40 + ["print"] * 30 + ["replay"] * 30 + ["mask_rigid"] * 30
    samples = [recapture_sample(label, rng) for label in labels]
    for cues, label in zip(samples, labels, strict=True):
        cues["eyes"] = CueScore("eyes", 0.6 if label == "bona_fide" else 0.5, 0.3)
    model = FusionModel().fit(samples, labels, real=[True] * len(labels))
    model.still_levels = {n: replace(v, threshold=0.999) for n, v in model.still_levels.items()}
    video = {
        "motion": CueScore("motion", 0.95, 0.9),
        "eyes": CueScore("eyes", 0.6, 0.3),
        "recapture": CueScore("recapture", None, reason="face too small"),
    }
    frames = {"eyes": video["eyes"]}
    assert model.still_part.fused_one(frames) < 0.999
    assert sum(model.still_part.contributions(frames).values()) >= 0
    assert model.frames_recaptured(video, "medium") is None
    assert model.decide(video, "medium")[0] == "bona_fide"


def test_a_monochrome_camera_is_never_accepted_on_movement_and_eyes_alone() -> None:
    """A monochrome frame silences the recapture cue (it reads ink and screen colour). The
    levels were set with it speaking, so a face it could not judge is inconclusive at every
    level, not accepted on motion, and not accused either; a cue that judges the frame's
    material (a site-trained surface classifier, an extra model, an NIR camera) lifts that."""
    rng = np.random.default_rng(8)
    labels = ["bona_fide"] * 40 + ["print"] * 30 + ["replay"] * 30 + ["mask_rigid"] * 30
    samples = [recapture_sample(label, rng) for label in labels]
    model = FusionModel().fit(samples, labels, real=[True] * len(labels))
    grey = CueScore("recapture", None, reason="monochrome frame", evidence={MONOCHROME_MARK: True})
    video = {"motion": CueScore("motion", 0.99, 0.9), "recapture": grey}
    assert model.fused_one(video) >= model.levels["low"].threshold
    for level in ("low", "medium"):
        decision, score, reason, _ = model.decide(video, level)
        assert decision == "inconclusive" and reason == MONOCHROME_NOTE and score is not None
    assert model.decide(video, "high")[0] == "inconclusive"
    flat = {"motion": CueScore("motion", 0.05, 0.9), "recapture": grey}
    assert model.decide(flat, "medium")[0] == "attack"
    small = {**video, "recapture": CueScore("recapture", None, reason="face too small")}
    assert model.decide(small, "medium")[0] == "bona_fide"
    assert not monochrome_blind(small)
    for name in ("surface", "nir", "extra:minifasnet"):
        assert not monochrome_blind({**video, name: CueScore(name, 0.9, 0.5)})
        assert monochrome_blind({**video, name: CueScore(name, None, reason="none")})


def species_case(label: str, rng: np.random.Generator) -> dict[str, CueScore]:
    """A replay moves like a face and shows a screen; a mask shows no screen and moves less."""
    motion, context = {
        "bona_fide": (0.8, 0.8),
        "replay": (0.8, 0.2),
        "mask_rigid": (0.2, 0.8),
    }[label]
    values = np.clip(np.array([motion, context]) + rng.normal(0, 0.08, 2), 0.01, 0.99)
    return {
        "motion": CueScore("motion", float(values[0]), 0.8),
        "context": CueScore("context", float(values[1]), 0.8),
    }


def test_a_cue_an_attack_species_fools_cannot_vouch_for_a_face_against_it() -> None:
    rng = np.random.default_rng(11)
    labels = ["bona_fide"] * 60 + ["replay"] * 40 + ["mask_rigid"] * 40
    model = FusionModel().fit([species_case(label, rng) for label in labels], labels)
    assert "motion" in model.blind_spots["replay"] and "context" not in model.blind_spots["replay"]
    assert "context" in model.blind_spots["mask_rigid"]
    assert "motion" not in model.blind_spots["mask_rigid"]
    lively_replay = {
        "motion": CueScore("motion", 0.99, 0.8),
        "context": CueScore("context", 0.3, 0.8),
    }
    summed = copy.deepcopy(model)
    summed.blind_spots = {}
    assert summed.fused_one(lively_replay) > summed.levels["medium"].threshold
    weakest, parts = model.against(lively_replay)
    assert weakest == "replay" and set(parts) == {"context"}
    decision, score, _, deciding = model.decide(lively_replay, "medium")
    assert decision != "bona_fide" and score is not None and deciding == ("context",)
    assert score < model.levels["medium"].threshold
    living = species_case("bona_fide", np.random.default_rng(12))
    assert model.decide(living, "medium")[0] == "bona_fide"
    strict = copy.deepcopy(model)
    strict.levels["medium"] = replace(strict.levels["medium"], threshold=0.9999)
    decision, _, reason, _ = strict.decide(living, "medium")
    assert decision == "inconclusive"
    assert f"weakest against {model.against(living)[0]}" in (reason or ""), reason
    # Motion spoke, so a level that asks for a pulse does not blame a missing temporal cue.
    reason = strict.decide(living, "maximum")[2] or ""
    assert "including one of pulse" in reason and "cannot be ruled out" not in reason, reason


def test_a_face_nothing_rules_a_species_out_for_is_never_accepted() -> None:
    """Only motion spoke: a replayed face moves like a living one, so nothing rules a replay
    out, and the bias alone must not carry the face over a threshold."""
    rng = np.random.default_rng(14)
    labels = ["bona_fide"] * 60 + ["replay"] * 40 + ["mask_rigid"] * 40
    model = FusionModel().fit([species_case(label, rng) for label in labels], labels)
    moving = {"motion": CueScore("motion", 0.95, 0.8)}
    assert model.case(moving).unruled == ("replay",)
    assert model.fused_one(moving) is None
    for level in ("low", "medium"):
        model.levels[level] = replace(model.levels[level], threshold=0.01)
        decision, score, reason, _ = model.decide(moving, level)
        assert decision == "inconclusive" and score is None
        assert (reason or "").startswith("nothing here rules out replay"), reason
        assert "(context)" in (reason or ""), reason
    framed = {**moving, "context": CueScore("context", 0.9, 0.8)}
    assert model.case(framed).unruled == () and model.fused_one(framed) is not None
    only_context = {"context": CueScore("context", 0.9, 0.8)}
    assert model.case(only_context).unruled == ("mask_rigid",)
    # A face as rigid as the masks is an attack all the same, on the evidence against masks.
    rigid = {"motion": CueScore("motion", 0.05, 0.8)}
    assert model.case(rigid).unruled == ("replay",)
    assert model.decide(rigid, "medium") == ("attack", None, None, ("motion",))


def test_blind_spots_survive_saving_and_an_older_model_sums_every_cue() -> None:
    rng = np.random.default_rng(13)
    labels = ["bona_fide"] * 30 + ["replay"] * 20 + ["mask_rigid"] * 20
    model = FusionModel().fit([species_case(label, rng) for label in labels], labels)
    assert FusionModel.from_dict(model.to_dict()).blind_spots == model.blind_spots
    older = model.to_dict()
    del older["blind_spots"]
    loaded = FusionModel.from_dict(older)
    cues = species_case("replay", rng)
    assert loaded.against(cues) == (None, loaded.contributions(cues))
    assert loaded.fused_one(cues) == pytest.approx(
        float(sigmoid(loaded.bias + sum(loaded.contributions(cues).values())))
    )
