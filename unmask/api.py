"""One-call helpers, in the spirit of face_recognition and DeepFace.verify.

    import unmask
    unmask.verify_images("a.jpg", "b.jpg").match          # same person?
    unmask.check_liveness("door.mp4").decision              # bona fide / attack / inconclusive

(`check_liveness`, not `liveness`: `unmask.liveness` is the liveness package.)

Pictures may be paths, RGB numpy arrays or PIL images (see `unmask.inputs`). Results are frozen
dataclasses with `as_dict()` giving plain JSON-ready values; the CLI prints the same shapes.
The heavy parts (models, signal processing) load on first call and are reused after that.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from unmask.identity.thresholds import DEFAULT_FMR, threshold_for_fmr
from unmask.inputs import ImageLike, to_frame
from unmask.species import BONA_FIDE
from unmask.types import Box, Decision, Frame, Verdict

if TYPE_CHECKING:
    from unmask.identity import ProbeMaker
    from unmask.liveness.engine import LivenessEngine


@dataclass(frozen=True)
class Comparison:
    """Whether two pictures show the same person, and how sure the distance makes that."""

    match: bool
    distance: float
    threshold: float
    fmr: float
    boxes: tuple[Box, Box]

    def as_dict(self) -> dict[str, Any]:
        return {
            "match": self.match,
            "distance": round(self.distance, 4),
            "threshold": round(self.threshold, 4),
            "fmr": self.fmr,
            "boxes": [box.as_list() for box in self.boxes],
        }


@dataclass(frozen=True)
class LivenessResult:
    """The verdict on the main face (longest seen, then largest) of a picture or video."""

    source: str
    verdict: Verdict
    box: Box
    faces: int
    calibrated_llrs: Mapping[str, float]

    @property
    def decision(self) -> Decision:
        return self.verdict.decision

    @property
    def bona_fide(self) -> bool:
        return self.verdict.decision == BONA_FIDE

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.source,
            "box": self.box.as_list(),
            "faces": self.faces,
            **self.verdict.as_dict(self.calibrated_llrs),
        }


@cache
def probe_maker() -> ProbeMaker:
    from unmask.identity import ProbeMaker

    return ProbeMaker()


@cache
def liveness_engine(level: str) -> LivenessEngine:
    from unmask.liveness.engine import LivenessEngine

    return LivenessEngine(level=level)


def verify_images(first: ImageLike, second: ImageLike, *, fmr: float = DEFAULT_FMR) -> Comparison:
    """Are the single faces of two pictures the same person, at the threshold for `fmr`?

    Each picture must hold exactly one face (NoFaceError / MultipleFacesError otherwise).
    """
    from unmask.identity.embedder import distances

    maker = probe_maker()
    a, b = maker.single(first), maker.single(second)
    distance = float(distances(a.embedding, b.embedding[None, :])[0])
    threshold = threshold_for_fmr(fmr)
    return Comparison(distance <= threshold, distance, threshold, fmr, (a.face.box, b.face.box))


def check_liveness(source: ImageLike | Iterable[Frame], *, level: str = "medium") -> LivenessResult:
    """Is the main face of a picture, a video or a sequence of Frames living or an attack?

    A still (a path, an RGB array, a PIL image) can be judged only by the cues that need no
    time (surface, eyes' shape); video adds pulse and motion, where most of the strength lies.
    """
    from PIL import Image

    engine = liveness_engine(level)
    if isinstance(source, (np.ndarray, Image.Image, Frame)):
        source = [to_frame(source)]
    report = engine.assess(source)
    main = report.main
    weights = engine.model.fusion.evidence(main.verdict.cues)
    return LivenessResult(report.source, main.verdict, main.box, len(report.tracks), weights)
