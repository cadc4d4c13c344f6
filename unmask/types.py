"""Data that crosses stages: small frozen containers, one place, no behaviour beyond views.

Arrays inside are never copied defensively; treat them as read-only. Coordinates are pixels of
the frame the face came from, x to the right, y down.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

Decision = Literal["bona_fide", "attack", "inconclusive"]


@dataclass(frozen=True, eq=False)
class Frame:
    """One decoded picture, RGB uint8 (H, W, 3), with the time it was shown in seconds."""

    image: NDArray[np.uint8]
    index: int = 0
    timestamp: float = 0.0
    source: str = ""

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

    @property
    def width(self) -> int:
        return int(self.image.shape[1])


@dataclass(frozen=True)
class Box:
    """Axis-aligned box in pixels: top-left corner plus size."""

    x: float
    y: float
    w: float
    h: float

    def as_list(self) -> list[float]:
        return [round(self.x, 1), round(self.y, 1), round(self.w, 1), round(self.h, 1)]

    @property
    def area(self) -> float:
        return max(self.w, 0.0) * max(self.h, 0.0)

    def iou(self, other: Box) -> float:
        ix = max(0.0, min(self.x + self.w, other.x + other.w) - max(self.x, other.x))
        iy = max(0.0, min(self.y + self.h, other.y + other.h) - max(self.y, other.y))
        inter = ix * iy
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0


@dataclass(frozen=True)
class Pose:
    """Head rotation in degrees: yaw (left/right), pitch (up/down), roll (in-plane)."""

    yaw: float
    pitch: float
    roll: float

    def as_dict(self) -> dict[str, float]:
        return {
            "yaw": round(self.yaw, 1),
            "pitch": round(self.pitch, 1),
            "roll": round(self.roll, 1),
        }


@dataclass(frozen=True)
class Quality:
    """How usable a face crop is for recognition and liveness.

    `score` folds the others into [0, 1] so tracks can pick their best frames.
    """

    size_px: float
    sharpness: float
    exposure: float
    pose_penalty: float
    score: float

    def as_dict(self) -> dict[str, float]:
        return {
            "size_px": round(self.size_px, 1),
            "sharpness": round(self.sharpness, 2),
            "exposure": round(self.exposure, 3),
            "pose_penalty": round(self.pose_penalty, 3),
            "score": round(self.score, 3),
        }


@dataclass(frozen=True, eq=False)
class Face:
    """One face in one frame.

    `keypoints` are BlazeFace's six (right eye, left eye, nose tip, mouth, right ear, left ear
    from the subject's point of view). `mesh` is the 468-point face mesh (x, y in pixels, z in
    pixels relative to the face centre, larger z farther from the camera); `iris` holds the
    two iris rings (2, 5, 2): centre then four contour points, subject's right eye first;
    `eyelids` (2, 16, 2) the eye contours the iris network refines, in the order of the mesh's
    RIGHT_EYE and LEFT_EYE points (they follow a closing lid, the mesh's own barely do).
    """

    box: Box
    score: float
    keypoints: NDArray[np.float32]
    mesh: NDArray[np.float32] | None = None
    iris: NDArray[np.float32] | None = None
    eyelids: NDArray[np.float32] | None = None
    pose: Pose | None = None
    quality: Quality | None = None
    frame_index: int = 0
    timestamp: float = 0.0
    track_id: int | None = None


@dataclass(frozen=True, eq=False)
class Track:
    """The same face followed over frames, in time order."""

    track_id: int
    faces: tuple[Face, ...]

    @property
    def duration(self) -> float:
        return self.faces[-1].timestamp - self.faces[0].timestamp if self.faces else 0.0


@dataclass(frozen=True)
class CueScore:
    """One liveness cue's answer.

    `score` is in [0, 1], higher meaning more likely bona fide, or None when the cue could not
    judge; then `reason` says why (too short, too dark, too much motion...). `evidence` holds
    plain JSON-ready values that show what the cue saw.
    """

    cue: str
    score: float | None
    confidence: float = 0.0
    reason: str | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)

    @property
    def conclusive(self) -> bool:
        return self.score is not None

    def as_dict(self, calibrated_llr: float | None = None) -> dict[str, Any]:
        """The JSON shape of one cue; `calibrated_llr` is the fusion model's weight of it, when
        a caller has one."""
        return {
            "score": None if self.score is None else round(float(self.score), 4),
            "confidence": round(float(self.confidence), 4),
            "calibrated_llr": None if calibrated_llr is None else round(calibrated_llr, 3),
            "reason": self.reason,
            "evidence": dict(self.evidence),
        }


@dataclass(frozen=True)
class Verdict:
    """The PAD decision for one face or track, and the cues that made it."""

    decision: Decision
    score: float | None
    level: str
    cues: Mapping[str, CueScore]
    species: str | None = None
    deciding_cues: tuple[str, ...] = ()
    seconds_used: float = 0.0
    track_id: int | None = None
    reason: str | None = None

    def summary(self) -> dict[str, Any]:
        """The decision without the cue details (what a refused match carries)."""
        return {
            "decision": self.decision,
            "score": None if self.score is None else round(self.score, 4),
            "species": self.species,
            "level": self.level,
            "deciding_cues": list(self.deciding_cues),
            "reason": self.reason,
        }

    def as_dict(self, calibrated_llrs: Mapping[str, float] | None = None) -> dict[str, Any]:
        """The JSON shape of the verdict with every cue; `calibrated_llrs` (cue -> the fusion
        model's weight of its evidence) comes from the model that judged."""
        weights = calibrated_llrs or {}
        return {
            **self.summary(),
            "seconds_used": self.seconds_used,
            "cues": {name: cue.as_dict(weights.get(name)) for name, cue in self.cues.items()},
        }
