"""Fusion: calibrate each cue, combine what is available, decide at a security level.

Each cue's score is first calibrated (Platt scaling on its logit) into a log-likelihood ratio
for bona fide versus attack, with the calibration set's class balance taken out; a missing or
inconclusive cue contributes exactly zero, so a still image (surface only) or a short clip (no
pulse yet) is judged on what it has, never on an imputed value. Each cue's share is a
non-negative weight times that ratio, the weights fitted with a bias on the calibration set so
that they shrink cues that repeat one another. The fused log-odds is the weakest case the face
makes against any one attack species: per species, the bias plus the shares of the cues that
species does not fool (`FusionModel.blind_spots`), so a replayed face's motion cannot buy back
the screen the context cue found, nor the absence of paper vouch for a face against a mask.
Levels are thresholds on the fused score picked on the calibration set for a target
worst-species APCER, with the BPCER they cost.

An active challenge (unmask.liveness.challenge) adds two cues, `challenge` and `flash`. A check
that fails refuses the face outright: no passive evidence can outvote a capture that did not
follow a script drawn after any recording was made. Checks that pass join the fusion with
weights fitted, on top of the passive cues, on lab captures answering challenges, and are
judged on their own operating points (the challenge table), set like the others against every
attack species, so a mask that follows the script must still be refused by the passive cues.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.stats import t as student_t

from unmask.errors import InputError
from unmask.evaluation.curves import candidate_thresholds, false_accept_rate, false_reject_rate
from unmask.liveness.channels import CHANNEL_NAMES
from unmask.liveness.extra_model import CUE_PREFIX as EXTRA_CUE_PREFIX
from unmask.liveness.features.colour import MONOCHROME_MARK
from unmask.liveness.levels import LEVEL_SPECS
from unmask.species import BONA_FIDE
from unmask.types import CueScore, Decision

CUE_NAMES = (
    "pulse",
    "motion",
    "eyes",
    "surface",
    "recapture",
    "context",
    "thermal",
    "nir",
    "depth",
)
#: Cues that need time: without one of them a face is judged as a still.
TEMPORAL_CUES = ("pulse", "motion")
#: What one frame can rule out. A still cannot tell a mask from a face, so the still operating
#: points are set against these species only and a still is never certified above `medium`.
STILL_SPECIES = ("print", "replay")
#: Evidence key the engine sets on the temporal cues of a still image: only a still is judged
#: on the still table. A video whose pulse and motion could not judge (too short, too still) is
#: not a still: its thresholds stay the ones set against masks.
STILL_MARK = "still_image"
#: The most of the calibration's bona fide stills a still level may refuse. The attack side of
#: the still table is simulated recaptures (no permissively licensed real attacks exist), and
#: their tail is screens with no pixel grid a camera resolves, filling the frame: set at a
#: target APCER against that tail alone, `medium` refused about a third of the real faces of
#: the calibration and half of the real webcam faces of the benchmarks. Where the target would
#: refuse more than this, the threshold stops here and the level reports the simulated APCER
#: it costs (docs/recapture.md, "Operating points for stills"). Levels above `medium` need
#: temporal evidence that no still has, so they carry no ceiling.
STILL_BPCER_CEILING = {"low": 0.05, "medium": 0.10}
#: Cues that judge what a frame shows (paper, a screen, a mask's material) rather than how a
#: face moves; on a monochrome camera one of them must speak for a face to be accepted.
MATERIAL_CUES = ("surface", *CHANNEL_NAMES)
MONOCHROME_NOTE = (
    "monochrome camera: nothing here can tell a print or a screen from a face (the recapture "
    "cue reads colour, and movement cannot rule out a replay); use a colour camera, add an "
    "NIR or depth camera, or train on this camera's own captures (unmask pad train --folders)"
)
#: The highest level a still image is certified at: above it a level asks for pulse or motion.
STILL_TOP_LEVEL = [spec.name for spec in LEVEL_SPECS if not spec.requires][-1]
STILL_NOTE = (
    "judged as a still (no pulse or motion): rules out prints and screens, not masks; "
    "levels high and maximum need video"
)
#: Cues of an active challenge: present only when a capture answered one (not in CUE_NAMES,
#: the cues the engine computes for every capture).
ACTIVE_CUES = ("challenge", "flash")
#: A check passes at this score or above (0.5: the cue's own threshold, docs/challenge.md).
ACTIVE_PASS = 0.5
SCORE_FLOOR = 0.01
#: The most a fusion weight may be. A calibrated cue's log-likelihood ratio is already all the
#: evidence the calibration found in it; weights exist to shrink cues that repeat one another.
#: A weight above one trusts a cue more than its own calibration does, which only a separable
#: calibration set rewards: on the lab's clean classes the weights grew to 2-3, a 0.8 s clip
#: of a real spoof then scored 0.999999 on one cue's word (SiW-Mv2, REAL), and the operating
#: points sat where a real face's ordinary doubt refused it.
LARGEST_WEIGHT = 1.0
#: The summed evidence (natural log-likelihood ratio) against a face below which a refusal is
#: called an attack: odds of 3 to 1, where Jeffreys' scale starts to call evidence substantial.
#: Nearer zero the cues barely lean either way, and a refused face is inconclusive: on REAL
#: webcam faces (NUAA) most living faces refused at `medium` had summed evidence between -1
#: and 0, and a security team told "attack" would have chased them.
ATTACK_EVIDENCE = float(np.log(3.0))
#: Fewest site judgements of a cue before site adaptation moves its calibration.
MIN_SITE_VALUES = 10


@dataclass(frozen=True)
class Level:
    name: str
    target_apcer: float
    threshold: float
    apcer_max: float
    bpcer: float
    min_cues: int
    requires: tuple[str, ...]
    resolvable: bool
    bpcer_source: str = "simulated"
    species: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "target_apcer": self.target_apcer,
            "threshold": round(self.threshold, 6),
            "apcer_max_on_calibration": round(self.apcer_max, 4),
            "bpcer_on_calibration": round(self.bpcer, 4),
            "bpcer_source": self.bpcer_source,
            "species": list(self.species),
            "min_cues": self.min_cues,
            "requires": list(self.requires),
            "resolvable": self.resolvable,
        }


def monochrome_blind(cues: Mapping[str, CueScore]) -> bool:
    """True where a monochrome frame silenced the recapture cue and no other cue that judges
    a frame's material spoke: the levels were set with that evidence present, so without it
    a grey print or a replay on a monochrome camera would pass on movement and eyes alone."""
    recapture = cues.get("recapture")
    if recapture is None or recapture.score is not None:
        return False
    if not recapture.evidence.get(MONOCHROME_MARK):
        return False
    return not any(
        cue.score is not None and (name in MATERIAL_CUES or name.startswith(EXTRA_CUE_PREFIX))
        for name, cue in cues.items()
    )


def level_rank(name: str) -> int:
    """Levels in order of strictness, however a file stored them."""
    names = [spec.name for spec in LEVEL_SPECS]
    return names.index(name) if name in names else len(names)


def logit(score: float | NDArray[np.float64], floor: float = SCORE_FLOOR) -> Any:
    """Log-odds of a score kept `floor` away from 0 and 1: a cue's score is floored at
    SCORE_FLOOR (no single cue is ever certain); fused scores only where float64 would reach
    0 or 1."""
    clipped = np.clip(score, floor, 1.0 - floor)
    return np.log(clipped / (1.0 - clipped))


def sigmoid(value: Any) -> Any:
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(value, dtype=np.float64)))


def fit_logistic(
    features: NDArray[np.float64],
    labels: NDArray[np.float64],
    *,
    l2: float = 0.1,
    nonnegative: bool = False,
    at_most: float | None = None,
    offset: NDArray[np.float64] | None = None,
    with_bias: bool = True,
    species: NDArray[np.str_] | None = None,
) -> tuple[NDArray[np.float64], float]:
    """Class-balanced logistic regression, optionally with non-negative weights and an upper
    bound on them (never on the bias), on top of a fixed per-row `offset` (log-odds already
    known), with or without a bias. With `species` (a name per row) every attack species
    weighs the same, however many presentations it has."""
    weights = np.where(
        labels == 1,
        len(labels) / (2.0 * max(labels.sum(), 1)),
        len(labels) / (2.0 * max((1 - labels).sum(), 1)),
    )
    if species is not None:
        attack = labels == 0
        names, index, count = np.unique(species[attack], return_inverse=True, return_counts=True)
        weights[attack] = len(labels) / (2.0 * len(names) * count[index])
    sign = 2.0 * labels - 1.0
    known = np.zeros(len(labels)) if offset is None else offset

    def loss(theta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        margin = sign * (features @ theta[:-1] + theta[-1] + known)
        value = np.sum(weights * np.logaddexp(0.0, -margin)) + 0.5 * l2 * theta[:-1] @ theta[:-1]
        slope = -weights * sign * sigmoid(-margin)
        return float(value), np.append(features.T @ slope + l2 * theta[:-1], slope.sum())

    bounds: list[tuple[float | None, float | None]]
    bounds = [(0.0 if nonnegative else None, at_most)] * features.shape[1]
    bounds.append((None, None) if with_bias else (0.0, 0.0))
    start = np.append(np.full(features.shape[1], 1.0 if nonnegative else 0.0), 0.0)
    result = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds)
    return result.x[:-1], float(result.x[-1])


def widest_gap(candidates: NDArray[np.float64], index: int) -> float:
    """The threshold halfway (in log-odds) between the score that first meets a level's target
    and the highest score it must refuse: every threshold in that gap has the same rates on the
    calibration data, and the first score above the gap is a bona fide face's, so sitting on it
    would refuse the next living face that scores a little lower."""
    upper = float(min(candidates[index], 1.0 + 1e-9))
    if index == 0 or upper > 1.0:
        return upper
    below, above = np.clip([float(candidates[index - 1]), upper], 1e-12, 1.0 - 1e-12)
    middle = (np.log(below / (1.0 - below)) + np.log(above / (1.0 - above))) / 2.0
    return float(sigmoid(middle))


def predicted_bound(attacks: Mapping[str, NDArray[np.float64]], target: float) -> float:
    """The lowest threshold that a new presentation of every species would pass with
    probability at most `target`, each species' fused log-odds taken as normal in its upper
    half: the one-sided prediction bound centre + t(k, 1-target) * spread * sqrt(1 + pi/2n).

    A dozen masks cannot resolve a 5 % APCER, let alone 0.1 %: counted, every such level
    lands just above the highest mask seen, the same threshold for all of them, and a fresh
    mask passes as often as it outscores the dozen (about 1 in 13). The bound reads how far
    apart the masks spread and how few there are, so it moves up with the level and with the
    doubt. A species' log-odds are two populations, those a cue caught outright (far below)
    and those no cue caught, and only the upper one says where a new attack may land: the
    centre is the median and the spread the root mean square of the deviations above it (for
    a normal both equal the mean and the standard deviation), so the caught ones cannot
    inflate the bound. The spread rests on the k deviations above the median (hence t with k
    degrees of freedom) and the median varies as pi/2n of the variance: on normal samples of 8
    to 30 a new draw then passes 4.5-5 % of the time at a 5 % target, 1.0-1.1 % at 1 %.
    Presentations the fusion could not judge are left out (they can never
    pass); species with fewer than three judged presentations give no bound, and so do those
    with fewer than three deviations above the median: a species caught outright ties at the
    floor a cue's score is clamped to, one or two deviations are no spread, and t with one
    degree of freedom is 32 at 1 %. So 11 of the 12 SIMULATED build prints tied at log-odds -7
    and one at -6 had put the colour-video `high` at 1.0, a level no living face could pass;
    the counted APCER still holds such a species to the target.
    """
    bound = 0.0
    for values in attacks.values():
        judged = values[values >= 0.0]
        if len(judged) < 3:
            continue
        log_odds = np.asarray(logit(judged, floor=1e-15), dtype=np.float64)
        centre = float(np.median(log_odds))
        above = log_odds[log_odds > centre] - centre
        if len(above) < 3:
            continue
        spread = float(np.sqrt(np.mean(above**2))) * np.sqrt(1.0 + np.pi / (2 * len(judged)))
        margin = float(student_t.ppf(1.0 - target, len(above))) * spread
        bound = max(bound, float(sigmoid(centre + margin)))
    return bound


def one_sided_calibration(
    values: NDArray[np.float64], spoken_for: float, truth: NDArray[np.float64]
) -> tuple[float, float]:
    """Calibration of a cue that was conclusive for one class only (a pulse found on some
    living faces, never on an attack): Platt scaling has nothing to separate, yet the event
    itself is evidence. Its likelihood ratio, with add-one smoothing over all presentations of
    each class, is what the cue's own log-odds are shifted to give at their mean."""
    spoken = len(values)
    same = float(truth.sum()) if spoken_for == 1 else float(len(truth) - truth.sum())
    other = float(len(truth)) - same
    ratio = np.log((spoken + 1) / (same + 2)) - np.log(1 / (other + 2))
    event = ratio if spoken_for == 1 else -ratio
    return 1.0, float(event - values.mean())


@dataclass(frozen=True)
class Case:
    """A face's evidence as the fusion weighs it, worked out once (`FusionModel.case`): every
    conclusive cue's share (`judged`), the attack species the face makes its weakest case
    against and the shares counted there (`parts`), and the species no conclusive cue counts
    against (`unruled`: nothing ruled them out)."""

    bias: float
    judged: dict[str, float]
    weakest: str | None
    parts: dict[str, float]
    unruled: tuple[str, ...] = ()

    @property
    def score(self) -> float | None:
        """The fused score; None where no cue spoke or some species is unruled."""
        if not self.judged or self.unruled:
            return None
        return float(sigmoid(self.bias + sum(self.parts.values())))


@dataclass
class FusionModel:
    """Calibration, fusion weights, species statistics and levels; nothing learned before fit."""

    l2: float = 0.1
    cues: tuple[str, ...] = CUE_NAMES
    calibration: dict[str, tuple[float, float]] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    bias: float = 0.0
    species_stats: dict[str, dict[str, tuple[float, float, int]]] = field(default_factory=dict)
    levels: dict[str, Level] = field(default_factory=dict)
    channel_levels: dict[str, Level] = field(default_factory=dict)
    still_levels: dict[str, Level] = field(default_factory=dict)
    challenge_levels: dict[str, Level] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    reference: dict[str, float] = field(default_factory=dict)
    #: Per attack species, the cues it fools: their evidence does not count for a face against
    #: that species (`fit_species`). Empty in a model saved before it was kept, whose fused
    #: log-odds is then one sum over every cue.
    blind_spots: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: The model that judges still images (`fitted_still_part`); None in a model without stills.
    still_part: FusionModel | None = None

    def evidence(self, cues: Mapping[str, CueScore]) -> dict[str, float]:
        """Calibrated log-likelihood ratio of each conclusive, calibrated cue."""
        judge = self.judge_of(cues)
        if judge is not self:
            return judge.evidence(cues)
        out = {}
        for name, cue in cues.items():
            if cue.score is not None and name in self.calibration:
                slope, intercept = self.calibration[name]
                out[name] = float(slope * logit(cue.score) + intercept)
        return out

    def fit(
        self,
        samples: Sequence[Mapping[str, CueScore]],
        labels: Sequence[str],
        real: Sequence[bool] | None = None,
        still: Sequence[bool] | None = None,
    ) -> FusionModel:
        """Calibration, weights, species statistics and every operating-point table.

        `labels` are species names, `bona_fide` for the genuine presentations; `real` marks
        real captures (the rest are simulated), so that each level's BPCER is a real-face
        figure where real faces were given; `still` marks still images, which set only the
        still table (every presentation also joins that table as a still-like copy). Weights are fitted on full, colour-only and
        still-like copies of each presentation, so a missing cue (no thermal camera, a still
        image) leaves the others well weighted. Presentations that answered a challenge (with
        `challenge` or `flash` cues) set only the challenge part (`fit_challenge`): the passive
        model is the same with or without them.
        """
        marks = np.asarray(real if real is not None else [False] * len(labels), dtype=bool)
        stills = np.asarray(still if still is not None else [False] * len(labels), dtype=bool)
        answered = np.array([answered_challenge(c) for c in samples], dtype=bool)
        if answered.all():
            raise InputError(
                "every presentation answered a challenge: the passive model needs some that did not"
            )
        self.fit_passive(
            [c for c, a in zip(samples, answered, strict=True) if not a],
            [label for label, a in zip(labels, answered, strict=True) if not a],
            marks[~answered],
            stills[~answered],
        )
        self.fit_challenge(
            [c for c, a in zip(samples, answered, strict=True) if a],
            [label for label, a in zip(labels, answered, strict=True) if a],
            marks[answered],
        )
        return self

    def fit_passive(
        self,
        samples: Sequence[Mapping[str, CueScore]],
        labels: Sequence[str],
        marks: NDArray[np.bool_],
        stills: NDArray[np.bool_],
    ) -> None:
        """Everything but the challenge part: see `fit`."""
        video = ~stills
        colour = [withheld(c, CHANNEL_NAMES) for c in samples]
        still_like = [withheld(c, STILL_WITHHELD) for c in samples]
        self.fit_evidence(samples, labels, marks, [*samples, *colour, *still_like])
        truth = np.asarray(labels)
        if not video.any() or len(set(truth[video].tolist())) < 2:
            video[:] = True
        self.levels = self.fit_levels(
            self.video_fused([c for c, v in zip(colour, video, strict=True) if v]),
            truth[video],
            marks[video],
        )
        self.still_part = None
        self.still_levels = {}
        if any(label in STILL_SPECIES for label in labels):
            self.still_part = self.fitted_still_part(samples, labels, marks, stills)
            self.still_levels = self.still_part.levels if self.still_part is not None else {}
        sensed = np.array(
            [any(n in self.contributions(c) for n in CHANNEL_NAMES) for c in samples], dtype=bool
        )
        self.channel_levels = {}
        if len(set(truth[sensed].tolist()) - {BONA_FIDE}) and BONA_FIDE in truth[sensed]:
            self.channel_levels = self.fit_levels(
                self.fused([c for c, s in zip(samples, sensed, strict=True) if s]),
                truth[sensed],
                marks[sensed],
            )

    def fit_evidence(
        self,
        samples: Sequence[Mapping[str, CueScore]],
        labels: Sequence[str],
        marks: NDArray[np.bool_],
        weighed: Sequence[Mapping[str, CueScore]],
    ) -> None:
        """Each cue's calibration, the species statistics, the bona fide reference (the real
        faces where marked) and the counts on `samples`; the weights on `weighed`, copies of
        them (so many copies a sample, in the same order)."""
        self.calibration = {}
        self.calibrate(samples, labels, [n for n in self.cues if n not in ACTIVE_CUES])
        self.fit_weights(weighed, list(labels) * (len(weighed) // len(samples)))
        self.fit_species(samples, labels)
        reference = [
            c
            for c, label, is_real in zip(samples, labels, marks, strict=True)
            if label == BONA_FIDE and (is_real or not marks.any())
        ]
        self.reference = bona_fide_reference(self, reference)
        self.counts = {
            str(k): int(v)
            for k, v in zip(*np.unique(np.asarray(labels), return_counts=True), strict=True)
        }

    def fitted_still_part(
        self,
        samples: Sequence[Mapping[str, CueScore]],
        labels: Sequence[str],
        marks: NDArray[np.bool_],
        stills: NDArray[np.bool_],
    ) -> FusionModel | None:
        """The model for still images: calibration, weights and levels fitted on still-like
        copies of the bona fide presentations and of the species one frame can rule out
        (STILL_SPECIES) alone; None where no single-frame cue judged both classes (a still is
        then judged, and refused, on the colour-video table).

        The video model weighs every attack species the same, masks included, and no
        single-frame cue sees a mask: there the recapture cue's calibration flattens, and a
        still, judged on little else, lost it (a rebuild refused 12.5 % of deepface's photos
        at `medium` instead of 4.7 %). A still is never judged against masks, so its model
        is fitted without them. Its levels stop at the still BPCER ceiling.
        """
        keep = np.array([label == BONA_FIDE or label in STILL_SPECIES for label in labels])
        rows = [withheld(c, STILL_WITHHELD) for c, k in zip(samples, keep, strict=True) if k]
        kinds = [label for label, k in zip(labels, keep, strict=True) if k]
        truth = np.asarray(kinds)
        real = marks[keep]
        part = FusionModel(l2=self.l2, cues=self.cues)
        try:
            part.fit_evidence(rows, kinds, real, rows)
        except InputError:
            return None
        part.levels = part.fit_levels(
            part.fused(rows),
            truth,
            real,
            species=STILL_SPECIES,
            ceiling=(STILL_BPCER_CEILING, stills[keep] & (truth == BONA_FIDE)),
        )
        return part

    def judge_of(self, cues: Mapping[str, CueScore]) -> FusionModel:
        """The model that judges these cues: the still part for a still image."""
        return self.still_part if self.still_part is not None and is_still(cues) else self

    def fit_challenge(
        self,
        samples: Sequence[Mapping[str, CueScore]],
        labels: Sequence[str],
        marks: NDArray[np.bool_],
    ) -> None:
        """The challenge part, on presentations that answered a challenge (colour camera):
        each active cue calibrated on all of them; their weights fitted on those that passed
        every check (the only ones the fusion ever judges: a failed check refuses), on top of
        the passive log-odds the model already gives them; and the challenge table, where a
        presentation that failed a check counts as refused. With too few such presentations
        the model has no challenge part and a challenge acts as a veto only."""
        self.challenge_levels = {}
        truth = np.asarray(labels)
        if BONA_FIDE not in truth or len(set(truth.tolist())) < 2:
            return
        self.cues = tuple(dict.fromkeys([*self.cues, *ACTIVE_CUES]))
        self.calibrate(samples, labels, ACTIVE_CUES)
        names = [n for n in ACTIVE_CUES if n in self.calibration]
        if not names:
            return
        colour = [withheld(c, CHANNEL_NAMES) for c in samples]
        passed = np.array([challenge_passed(c) for c in colour], dtype=bool)
        bona = (truth == BONA_FIDE).astype(np.float64)
        for name in names:
            self.weights[name] = 0.0
        if passed.any() and bona[passed].min() != bona[passed].max():
            features = np.array(
                [[self.evidence(c).get(n, 0.0) for n in names] for c in colour], dtype=np.float64
            )
            offset = np.array([self.passive_log_odds(c) for c in colour])
            weights, _ = fit_logistic(
                features[passed],
                bona[passed],
                l2=self.l2,
                nonnegative=True,
                at_most=LARGEST_WEIGHT,
                offset=offset[passed],
                with_bias=False,
            )
            self.weights.update({n: float(w) for n, w in zip(names, weights, strict=True)})
        fused = self.fused(colour)
        fused[~passed] = np.nan
        table = self.fit_levels(fused, truth, marks)
        # The veto with the passive table already refuses what the checks refuse and keeps the
        # passive table's mask APCER; a challenge table is kept only where it refuses no more
        # living faces than that (it cannot when the masks that pass the checks look alive to
        # every passive cue: it then refuses nearly everyone).
        passive = np.nan_to_num(
            self.video_fused([withheld(c, ACTIVE_CUES) for c in colour]), nan=-1.0
        )
        passive[~passed] = -1.0
        living = truth == BONA_FIDE
        if (living & marks).any():
            living &= marks
        for name, level in table.items():
            if level.bpcer > float(np.mean(passive[living] < self.levels[name].threshold)):
                return
        self.challenge_levels = table

    def passive_log_odds(self, cues: Mapping[str, CueScore]) -> float:
        """The fused log-odds without the active cues (bias included)."""
        _, parts = self.against(withheld(cues, ACTIVE_CUES))
        return self.bias + float(sum(parts.values()))

    def calibrate(
        self,
        samples: Sequence[Mapping[str, CueScore]],
        labels: Sequence[str],
        names: Sequence[str],
    ) -> None:
        """Each named cue's score into a log-likelihood ratio, on the presentations as they
        were seen (the withheld copies would only dilute a one-sided cue's event rate)."""
        truth = np.array([label == BONA_FIDE for label in labels], dtype=np.float64)
        if truth.sum() == 0 or truth.sum() == len(truth):
            raise InputError("calibration needs both bona fide and attack presentations")
        for name in names:
            self.calibration.pop(name, None)
            rows = [
                (logit(float(score)), t, label)
                for s, t, label in zip(samples, truth, labels, strict=True)
                if name in s and (score := s[name].score) is not None
            ]
            values = np.array([r[0] for r in rows])
            outcome = np.array([r[1] for r in rows])
            kinds = np.array([r[2] for r in rows])
            if len(rows) < 3:
                continue
            if outcome.min() == outcome.max():
                self.calibration[name] = one_sided_calibration(values, outcome[0], truth)
                continue
            (slope,), intercept = fit_logistic(
                values[:, None], outcome, l2=self.l2, nonnegative=True, species=kinds
            )
            if slope > 0:
                self.calibration[name] = (float(slope), float(intercept))

    def fit_weights(self, samples: Sequence[Mapping[str, CueScore]], labels: Sequence[str]) -> None:
        """Fusion weights over the calibrated cues, between 0 and LARGEST_WEIGHT."""
        truth = np.array([label == BONA_FIDE for label in labels], dtype=np.float64)
        matrix = self.design(samples)
        # A presentation no calibrated cue could judge says nothing about the weights; left in,
        # it would only pull the bias toward the class balance of the unjudgeable.
        judged = np.abs(matrix).sum(axis=1) > 0
        if judged.sum() == 0 or truth[judged].min() == truth[judged].max():
            raise InputError(
                "no cue was conclusive on both bona fide and attack calibration presentations"
            )
        weights, self.bias = fit_logistic(
            matrix[judged],
            truth[judged],
            l2=self.l2,
            nonnegative=True,
            at_most=LARGEST_WEIGHT,
            species=np.asarray(labels)[judged],
        )
        self.weights = {name: float(w) for name, w in zip(self.calibration, weights, strict=True)}

    def design(self, samples: Sequence[Mapping[str, CueScore]]) -> NDArray[np.float64]:
        rows = []
        for sample in samples:
            evidence = self.evidence(sample)
            rows.append([evidence.get(name, 0.0) for name in self.calibration])
        return np.asarray(rows, dtype=np.float64).reshape(len(samples), len(self.calibration))

    def contributions(self, cues: Mapping[str, CueScore]) -> dict[str, float]:
        """Each conclusive cue's share of the fused log-odds (positive = towards bona fide)."""
        judge = self.judge_of(cues)
        if judge is not self:
            return judge.contributions(cues)
        return {
            name: self.weights.get(name, 0.0) * value for name, value in self.evidence(cues).items()
        }

    def case(self, cues: Mapping[str, CueScore]) -> Case:
        """The face's case against each attack species, judged by the model that judges it:
        per species, the shares of the cues that species does not fool (`contributions` less
        its blind spots); the weakest of them sets the fused score. In a model without blind
        spots every share counts, in one case.

        A fused sum over every cue let one species' blind spot pay for another's evidence: a
        replay of a living face moves like one, and on the SIMULATED build clips the motion
        cue's +2.4 to +2.6 bought back the -3.0 to -3.5 of the context cue that found the
        screen, so two replays fused at 0.49-0.62 and set the colour-video `medium` where 3 of
        12 REAL calibration videos were refused. Judged against replays alone, motion says
        nothing and the screen stays found; judged against masks alone, the recapture and
        context cues (which only say "no paper, no screen") no longer vouch for a face.

        A species whose case holds no conclusive cue is unruled, and no level may accept the
        face: its case would be the bias alone (0.59 in the shipped model, over its
        colour-video `medium`), and a face whose recapture and context cues both said nothing
        (a face too small, a crop with no surroundings) passed on motion and eyes, which a
        replayed face shows as well as a living one.
        """
        judge = self.judge_of(cues)
        if judge is not self:
            return judge.case(cues)
        judged = self.contributions(cues)
        if not self.blind_spots or not judged:
            return Case(self.bias, judged, None, judged)
        cases = {
            species: {n: v for n, v in judged.items() if n not in fooled}
            for species, fooled in self.blind_spots.items()
        }
        weakest = min(cases, key=lambda species: sum(cases[species].values()))
        unruled = tuple(species for species, parts in cases.items() if not parts)
        return Case(self.bias, judged, weakest, cases[weakest], unruled)

    def against(self, cues: Mapping[str, CueScore]) -> tuple[str | None, dict[str, float]]:
        """The species of the weakest case and the shares counted there (`case`)."""
        case = self.case(cues)
        return case.weakest, case.parts

    def fused_one(self, cues: Mapping[str, CueScore]) -> float | None:
        """The fused score; None where no cue spoke or some species is unruled (`case`)."""
        return self.case(cues).score

    def fused(self, samples: Sequence[Mapping[str, CueScore]]) -> NDArray[np.float64]:
        return np.array([np.nan if (s := self.fused_one(c)) is None else s for c in samples])

    def video_fused(self, samples: Sequence[Mapping[str, CueScore]]) -> NDArray[np.float64]:
        """Fused scores as the colour-video table sees them: NaN (refused whatever the
        threshold) where no temporal cue it asks for judged the face (`untimed`)."""
        fused = self.fused(samples)
        fused[[self.untimed(c) for c in samples]] = np.nan
        return fused

    def untimed(self, cues: Mapping[str, CueScore]) -> bool:
        """A video face that neither temporal cue the model calibrated judged: the colour-video
        table refuses it at every level (`video_requires`)."""
        requires = self.video_requires(())
        if not requires or is_still(cues):
            return False
        judged = self.contributions(cues)
        return not any(name in judged for name in requires)

    def fit_species(self, samples: Sequence[Mapping[str, CueScore]], labels: Sequence[str]) -> None:
        """Per attack species and cue: mean and spread of the calibrated evidence, and the
        species' blind spots, the cues whose mean evidence on it leans bona fide (`against`)."""
        self.species_stats = {}
        for species in sorted({label for label in labels if label != BONA_FIDE}):
            stats = {}
            members = [s for s, label in zip(samples, labels, strict=True) if label == species]
            for name in self.calibration:
                values = [self.evidence(s)[name] for s in members if name in self.evidence(s)]
                if values:
                    stats[name] = (
                        float(np.mean(values)),
                        max(float(np.std(values)), 0.5),
                        len(values),
                    )
            self.species_stats[species] = stats
        self.blind_spots = {
            species: tuple(name for name, (mean, _, _) in stats.items() if mean >= 0.0)
            for species, stats in self.species_stats.items()
        }

    def species(self, cues: Mapping[str, CueScore]) -> tuple[str | None, float]:
        """Most likely attack species (Gaussian naive Bayes over the available evidence)."""
        judge = self.judge_of(cues)
        if judge is not self:
            return judge.species(cues)
        evidence = self.evidence(cues)
        scores = {}
        for species, stats in self.species_stats.items():
            shared = [n for n in evidence if n in stats]
            if shared:
                scores[species] = sum(
                    -0.5 * ((evidence[n] - stats[n][0]) / stats[n][1]) ** 2 - np.log(stats[n][1])
                    for n in shared
                )
        if not scores:
            return None, 0.0
        names = list(scores)
        values = np.array([scores[n] for n in names])
        probabilities = np.exp(values - values.max())
        probabilities /= probabilities.sum()
        best = int(np.argmax(probabilities))
        return names[best], float(probabilities[best])

    def fit_levels(
        self,
        fused: NDArray[np.float64],
        labels: NDArray[np.str_],
        real: NDArray[np.bool_] | None = None,
        species: Sequence[str] | None = None,
        ceiling: tuple[Mapping[str, float], NDArray[np.bool_]] | None = None,
    ) -> dict[str, Level]:
        """Per level: the lowest threshold whose worst-species APCER meets the target.

        Presentations the fusion could not score count as rejected: they can never pass.
        `species` limits the attacks the levels are set against (stills: prints and screens).
        Where `real` marks real bona fide captures, the BPCER is measured on those alone: the
        rate a living person meets at the door is the figure that matters, not the lab's.
        `ceiling` (BPCER per level name, and which bona fide presentations it is measured on)
        stops a level's threshold where it would refuse more of them; the level then reports
        the APCER it has there, above its target. Where the attacks are too few to resolve the
        target, the threshold must also meet it for a new presentation (`predicted_bound`).
        """
        scores = np.nan_to_num(fused, nan=-1.0)
        is_bona = labels == BONA_FIDE
        real_bona = is_bona & real if real is not None else np.zeros_like(is_bona)
        bona = scores[real_bona] if real_bona.any() else scores[is_bona]
        chosen = [
            str(s)
            for s in np.unique(labels)
            if s != BONA_FIDE and (species is None or str(s) in species)
        ]
        if not chosen or not is_bona.any():
            raise InputError("operating points need bona fide and attack presentations")
        attacks = {name: scores[labels == name] for name in chosen}
        thresholds = candidate_thresholds(scores[is_bona | np.isin(labels, chosen)])
        worst = np.max([false_accept_rate(v, thresholds) for v in attacks.values()], axis=0)
        smallest = min(len(v) for v in attacks.values())
        limits, capped_on = ceiling if ceiling is not None else ({}, np.zeros_like(is_bona))
        capped_on = capped_on & is_bona
        capped = false_reject_rate(scores[capped_on], thresholds)
        levels = {}
        for spec in LEVEL_SPECS:
            index = int(np.argmax(worst <= spec.target_apcer))
            stopped = False
            if spec.name in limits and capped_on.any():
                allowed = int(np.flatnonzero(capped <= limits[spec.name])[-1])
                stopped = allowed < index
                index = min(index, allowed)
            threshold = widest_gap(thresholds, index)
            resolvable = smallest >= 3.0 / spec.target_apcer
            if not resolvable and not stopped:
                threshold = max(threshold, predicted_bound(attacks, spec.target_apcer))
            at = np.array([threshold])
            levels[spec.name] = Level(
                name=spec.name,
                target_apcer=spec.target_apcer,
                threshold=threshold,
                apcer_max=float(max(false_accept_rate(v, at)[0] for v in attacks.values())),
                bpcer=float(false_reject_rate(bona, at)[0]),
                min_cues=spec.min_cues,
                requires=spec.requires,
                resolvable=resolvable,
                bpcer_source="real" if real_bona.any() else "simulated",
                species=tuple(chosen),
            )
        return levels

    def levels_for(self, cues: Mapping[str, CueScore]) -> dict[str, Level]:
        """The operating points of the sensors that spoke: thermal, NIR and depth cameras
        separate attacks a colour camera cannot, so their thresholds are set on their own
        scores, and they hold only where every channel that set them spoke (without thermal,
        a NIR and depth pair let 3 of 8 SIMULATED silicone masks through an intermediate
        build's all-channel `medium`); with fewer, the colour camera's stricter table applies. A still image is
        judged against prints and screens only; a capture that passed a challenge on the
        challenge table."""
        parts = {n for n, c in cues.items() if c.score is not None and n in self.calibration}
        calibrated = [name for name in CHANNEL_NAMES if name in self.calibration]
        if self.channel_levels and calibrated and all(name in parts for name in calibrated):
            return self.channel_levels
        if self.challenge_levels and any(name in parts for name in ACTIVE_CUES):
            return self.challenge_levels
        if self.still_levels and is_still(cues):
            return self.still_levels
        return self.levels

    def decide(
        self, cues: Mapping[str, CueScore], level: str
    ) -> tuple[Decision, float | None, str | None, tuple[str, ...]]:
        """Decision, fused score, reason when inconclusive, and the cues that decided it.

        Where the level asks for more evidence than there is, or the evidence leans bona fide
        without reaching the level's threshold, the verdict is inconclusive; it is an attack
        only when the evidence points there. Either way the face is refused. A failed
        challenge check is an attack and one that could not judge is inconclusive, whatever
        the other cues say; passed checks count only on the challenge table, the one table
        fitted with them.
        """
        if level not in self.levels:
            raise InputError(
                f"unknown security level {level!r}; choose from {', '.join(self.levels)}"
            )
        active = {n: cues[n] for n in ACTIVE_CUES if n in cues}
        failed = [c for c in active.values() if c.score is not None and c.score < ACTIVE_PASS]
        unsure = [c for c in active.values() if c.score is None]
        if failed or unsure:
            reason = "; ".join(f"{c.cue}: {c.reason}" for c in failed or unsure)
            return (
                ("attack", None, f"challenge refused: {reason}", tuple(c.cue for c in failed))
                if failed
                else ("inconclusive", None, f"challenge: {reason}", ())
            )
        table = self.levels_for(cues)
        if table is not self.challenge_levels:
            cues = {n: c for n, c in cues.items() if n not in ACTIVE_CUES}
        spec = table[level]
        still = bool(self.still_levels) and table is self.still_levels
        case = self.case(cues)
        judged, parts, score = case.judged, case.parts, case.score
        versus = f", weakest against {case.weakest}" if case.weakest else ""
        if score is None:
            if case.unruled:
                return self.unruled_verdict(cues, case)
            reasons = "; ".join(
                f"{n}: {c.reason}" for n, c in cues.items() if c.reason and n in self.calibration
            )
            return "inconclusive", None, f"no conclusive cue ({reasons})", ()
        video = table is self.levels and not is_still(cues)
        requires = self.video_requires(spec.requires) if video else spec.requires
        missing = bool(requires) and not any(name in judged for name in requires)
        decision: Decision = BONA_FIDE if score >= spec.threshold else "attack"
        ranked = sorted(parts, key=lambda n: parts[n] if decision == "attack" else -parts[n])
        deciding = tuple(n for n in ranked if (parts[n] < 0) == (decision == "attack"))[:3]
        evidence_against = -sum(parts.values())
        if len(judged) < spec.min_cues or missing:
            if evidence_against >= ATTACK_EVIDENCE and decision == "attack":
                return decision, score, None, deciding
            need = f"at least {spec.min_cues} conclusive cues" + (
                f" including one of {', '.join(requires)}" if requires else ""
            )
            because = (
                "; without pulse or motion evidence (a still, too short a clip, or a head too "
                "still to read) a mask cannot be ruled out"
                if missing and not any(name in judged for name in TEMPORAL_CUES)
                else ""
            )
            return (
                "inconclusive",
                score,
                f"level {level} needs {need}; conclusive: {', '.join(judged) or 'none'}{because}",
                deciding,
            )
        if decision == "attack" and evidence_against < 0:
            # The evidence leans toward a living face but not far enough for this level: the
            # face is refused all the same, but calling a person an attack for want of proof
            # would tell a security team the wrong thing.
            return (
                "inconclusive",
                score,
                f"evidence leans bona fide but not enough for level {level} "
                f"(score {score:.3f}, needs {spec.threshold:.3f}{versus})"
                + self.unheard(cues, still),
                tuple(n for n in sorted(parts, key=lambda n: -parts[n]) if parts[n] > 0)[:3],
            )
        if decision == "attack" and evidence_against < ATTACK_EVIDENCE:
            return (
                "inconclusive",
                score,
                f"evidence too weak either way for level {level} (score {score:.3f}, needs "
                f"{spec.threshold:.3f}{versus}; odds of an attack {np.exp(evidence_against):.1f} "
                f"to 1, an attack is called from {np.exp(ATTACK_EVIDENCE):.0f} to 1)"
                + self.unheard(cues, still),
                deciding,
            )
        if decision == BONA_FIDE and monochrome_blind(cues):
            return "inconclusive", score, MONOCHROME_NOTE, deciding
        if decision == BONA_FIDE and not still:
            recaptured = self.frames_recaptured(cues, level)
            if recaptured is not None:
                frames, threshold, against, frames_against = recaptured
                return (
                    "attack" if frames_against >= ATTACK_EVIDENCE else "inconclusive",
                    min(score, frames),
                    f"its frames look like a print or a screen: the single-frame cues alone "
                    f"score {frames:.3f}, below the {threshold:.3f} a still needs; movement "
                    "cannot rule out a replayed video",
                    against,
                )
        return decision, score, STILL_NOTE if still and decision == BONA_FIDE else None, deciding

    def unruled_verdict(
        self, cues: Mapping[str, CueScore], case: Case
    ) -> tuple[Decision, float | None, str | None, tuple[str, ...]]:
        """The verdict on a face that nothing ruled some species out for: an attack where its
        weakest case already reaches ATTACK_EVIDENCE (a face as rigid as a mask, its
        recapture and context silent), else inconclusive, naming the cues that would have
        counted against the unruled species and said nothing."""
        parts = case.parts
        if -sum(parts.values()) >= ATTACK_EVIDENCE:
            against = tuple(n for n in sorted(parts, key=lambda n: parts[n]) if parts[n] < 0)
            return "attack", None, None, against[:3]
        judge = self.judge_of(cues)
        fooled = judge.blind_spots[case.unruled[0]]
        silent = [
            n
            for n in judge.calibration
            if n not in (*fooled, *case.judged, *CHANNEL_NAMES, *ACTIVE_CUES)
        ]
        return (
            "inconclusive",
            None,
            f"nothing here rules out {' or '.join(case.unruled)}: of the cues that count "
            f"against it, none spoke ({', '.join(silent) or 'none calibrated'}); conclusive: "
            f"{', '.join(case.judged)}",
            (),
        )

    def video_requires(self, requires: tuple[str, ...]) -> tuple[str, ...]:
        """What the colour-video table asks of a face at a level that asks for `requires`: a
        temporal cue, at every level, where the model calibrated one.

        A track the pulse and the motion could not judge, too short (a face glimpsed for a
        fraction of a second) or too still, carries only what a still does, and a still cannot
        rule out a mask. On those cues alone 73-77 % of the SIMULATED lab masks (build seed
        3000 and three fresh seeds, 56 clips) score over the shipped `low`, and the still ones
        among the calibration clips (5 of 24, 3 of which fused at 0.73-0.75) had set that
        threshold, right on the highest of them. Such faces are refused at every level, and
        the levels are fitted with them refused (`video_fused`).
        """
        return requires or tuple(name for name in TEMPORAL_CUES if name in self.calibration)

    def unheard(self, cues: Mapping[str, CueScore], still: bool) -> str:
        """Why the temporal cues of a video said nothing, as a clause for a verdict that fell
        short; empty for a still (which never has them) or where they spoke.

        A face that leans bona fide and is refused mostly lacks the movement or pulse
        evidence a video level weighs (a track of a few frames, a face too small or too still):
        saying so tells the operator what to change (keep the person in view longer, closer)
        instead of leaving a bare score.
        """
        if still:
            return ""
        silent = [
            f"{name}: {cue.reason}"
            for name, cue in cues.items()
            if name in TEMPORAL_CUES
            and name in self.calibration
            and cue.score is None
            and cue.reason
        ]
        return f"; said nothing: {'; '.join(silent)}" if silent else ""

    def frames_recaptured(
        self, cues: Mapping[str, CueScore], level: str
    ) -> tuple[float, float, tuple[str, ...], float] | None:
        """Where a video's frames alone are a print or a screen to the still table: their
        score, the threshold they miss, the cues against them and their summed evidence
        against a face (refused either way, called an attack from ATTACK_EVIDENCE); None where
        they pass or nothing single-frame judged them.

        Why a video must also pass as a still: motion and a pulse cannot tell a replayed video
        of a living face from the face, yet the video fusion, fitted against every species
        at once, counts motion against prints and masks for much. A moving replay then gained
        from motion what its frames lost to the recapture cue: the REAL SiW-Mv2 spoof clip
        scored 0.97 (motion +3.3) while its frames, as stills, were refused. The check is
        set at the video's level, or `medium` above it (the highest level a still is judged
        at); the still table's thresholds are held to its ceiling of real faces refused. Only
        frames whose evidence points to a recapture refuse: frames that merely fall short of a
        still's proof (the recapture cue silent on a small face, say) leave the video's verdict.
        """
        if self.still_part is None or not self.still_levels:
            return None
        frames = withheld(cues, STILL_WITHHELD)
        case = self.still_part.case(frames)
        score = case.score
        if score is None:
            return None
        capped = level if level_rank(level) <= level_rank(STILL_TOP_LEVEL) else STILL_TOP_LEVEL
        threshold = self.still_levels[capped].threshold
        parts = case.parts
        evidence_against = -sum(parts.values())
        if score >= threshold or evidence_against <= 0:
            return None
        against = tuple(n for n in sorted(parts, key=lambda n: parts[n]) if parts[n] < 0)[:3]
        return score, threshold, against, evidence_against

    def to_dict(self) -> dict[str, Any]:
        return {
            "l2": self.l2,
            "cues": list(self.cues),
            "calibration": {k: list(v) for k, v in self.calibration.items()},
            "weights": self.weights,
            "bias": self.bias,
            "species_stats": {
                s: {c: list(v) for c, v in stats.items()} for s, stats in self.species_stats.items()
            },
            "levels": {k: v.as_dict() for k, v in self.levels.items()},
            "channel_levels": {k: v.as_dict() for k, v in self.channel_levels.items()},
            "still_levels": {k: v.as_dict() for k, v in self.still_levels.items()},
            "challenge_levels": {k: v.as_dict() for k, v in self.challenge_levels.items()},
            "counts": self.counts,
            "reference": self.reference,
            "blind_spots": {s: list(names) for s, names in self.blind_spots.items()},
            "still_part": None if self.still_part is None else self.still_part.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FusionModel:
        model = cls(l2=float(data["l2"]), cues=tuple(data["cues"]))
        model.calibration = {k: (float(v[0]), float(v[1])) for k, v in data["calibration"].items()}
        model.weights = {k: float(v) for k, v in data["weights"].items()}
        model.bias = float(data["bias"])
        model.species_stats = {
            s: {c: (float(v[0]), float(v[1]), int(v[2])) for c, v in stats.items()}
            for s, stats in data["species_stats"].items()
        }
        model.levels = levels_from_dict(data["levels"])
        model.channel_levels = levels_from_dict(data.get("channel_levels", {}))
        model.still_levels = levels_from_dict(data.get("still_levels", {}))
        model.challenge_levels = levels_from_dict(data.get("challenge_levels", {}))
        model.counts = {k: int(v) for k, v in data["counts"].items()}
        model.reference = {k: float(v) for k, v in data.get("reference", {}).items()}
        model.blind_spots = {s: tuple(names) for s, names in data.get("blind_spots", {}).items()}
        if data.get("still_part"):
            model.still_part = cls.from_dict(data["still_part"])
            model.still_levels = model.still_part.levels
        return model

    def adapted(
        self, site: Sequence[Mapping[str, CueScore]], min_values: int = MIN_SITE_VALUES
    ) -> tuple[FusionModel, dict[str, dict[str, float]]]:
        """This model moved to a site's camera using that camera's bona fide captures alone.

        A camera changes how every face scores on a cue (its noise, optics and compression
        shift textures and colours alike), so the shift between the site's bona fide scores and
        the calibration's is taken to apply to attacks too: each cue's calibration is moved so
        that the site's median living face gives the evidence the calibration's median living
        face gave, and the thresholds (set on attacks) stay. A shift toward acceptance is
        capped at half the gap between that bona fide evidence and the mean of the nearest
        attack species the cue speaks against, so no recalibration carries such a species
        across to the living side; a cue that speaks against none is not moved up. Cues the
        site rarely judged keep their calibration.
        """
        moved = copy.deepcopy(self)
        shifts: dict[str, dict[str, float]] = {}
        for name, (slope, intercept) in self.calibration.items():
            values = [
                logit(score) for c in site if name in c and (score := c[name].score) is not None
            ]
            if name not in self.reference or len(values) < min_values:
                continue
            wanted = slope * (self.reference[name] - float(np.median(values)))
            bona_evidence = slope * self.reference[name] + intercept
            # The species this cue speaks against (a recapture cue says nothing about masks,
            # which other cues refuse): the nearest of them bounds how far the cue may move.
            separated = [
                stats[name][0]
                for stats in self.species_stats.values()
                if name in stats and stats[name][0] < bona_evidence
            ]
            cap = 0.5 * (bona_evidence - max(separated)) if separated else 0.0
            applied = float(min(wanted, cap))
            moved.calibration[name] = (slope, intercept + applied)
            shifts[name] = {
                "site_values": float(len(values)),
                "wanted_llr_shift": round(float(wanted), 4),
                "applied_llr_shift": round(applied, 4),
            }
        if self.still_part is not None:
            moved.still_part, still_shifts = self.still_part.adapted(site, min_values)
            moved.still_levels = moved.still_part.levels
            shifts |= {f"{name} (stills)": shift for name, shift in still_shifts.items()}
        return moved, shifts


STILL_WITHHELD = (*TEMPORAL_CUES, *CHANNEL_NAMES)


def answered_challenge(cues: Mapping[str, CueScore]) -> bool:
    return any(name in cues for name in ACTIVE_CUES)


def challenge_passed(cues: Mapping[str, CueScore]) -> bool:
    """Every active check present judged and passed (what the veto in `decide` lets through)."""
    return all(
        (score := cues[n].score) is not None and score >= ACTIVE_PASS
        for n in ACTIVE_CUES
        if n in cues
    )


def is_still(cues: Mapping[str, CueScore]) -> bool:
    return any(bool(cues[n].evidence.get(STILL_MARK)) for n in TEMPORAL_CUES if n in cues)


def bona_fide_reference(
    model: FusionModel, samples: Sequence[Mapping[str, CueScore]]
) -> dict[str, float]:
    """Median logit score of each calibrated cue over the bona fide faces it judged: where a
    site's own living faces are compared when the model is adapted to that site."""
    reference = {}
    for name in model.calibration:
        values = [
            logit(score) for c in samples if name in c and (score := c[name].score) is not None
        ]
        if values:
            reference[name] = float(np.median(values))
    return reference


def withheld(cues: Mapping[str, CueScore], names: Sequence[str]) -> dict[str, CueScore]:
    """The same presentation as a poorer sensor would see it: those cues inconclusive."""
    return {
        n: (CueScore(n, None, reason="withheld in training") if n in names else c)
        for n, c in cues.items()
    }


def levels_from_dict(data: Mapping[str, Any]) -> dict[str, Level]:
    # What a level demands of the evidence is policy and comes from this code; only the
    # thresholds and the rates they cost were learned and come from the file.
    policy = {spec.name: (spec.min_cues, spec.requires) for spec in LEVEL_SPECS}
    return {
        name: Level(
            name=name,
            target_apcer=float(v["target_apcer"]),
            threshold=float(v["threshold"]),
            apcer_max=float(v["apcer_max_on_calibration"]),
            bpcer=float(v["bpcer_on_calibration"]),
            min_cues=policy.get(name, (int(v["min_cues"]), ()))[0],
            requires=policy.get(name, (0, tuple(v["requires"])))[1],
            resolvable=bool(v["resolvable"]),
            bpcer_source=str(v.get("bpcer_source", "simulated")),
            species=tuple(v.get("species", ())),
        )
        for name, v in sorted(data.items(), key=lambda item: level_rank(item[0]))
    }
