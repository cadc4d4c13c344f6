"""Compare probes with the gallery: 1:1 verification and 1:N identification.

An identity's distance is the distance to its closest template, so enrolling more varied
photos of someone only ever helps them match.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from unmask.identity.gallery import Gallery
from unmask.identity.thresholds import threshold_for_fmr


@dataclass(frozen=True)
class Candidate:
    identity: str
    distance: float
    match: bool

    def as_dict(self) -> dict[str, object]:
        return {"id": self.identity, "distance": round(self.distance, 4), "match": self.match}


def identify(
    probe: NDArray[np.float32], gallery: Gallery, *, top: int = 5, fmr: float = 1e-3
) -> list[Candidate]:
    """The `top` closest identities, best first, each marked match or not at the FMR threshold.
    Exact below the gallery's ANN threshold, candidates from its index above it."""
    threshold = threshold_for_fmr(fmr)
    return [
        Candidate(name, distance, distance <= threshold)
        for name, distance in gallery.closest(probe, max(top, 1))
    ]


def verify(
    probe: NDArray[np.float32], gallery: Gallery, identity: str, *, fmr: float = 1e-3
) -> Candidate:
    """Is the probe the claimed identity? Raises UnknownIdentityError for unknown names."""
    distance = gallery.distance_to(probe, identity)
    return Candidate(identity, distance, distance <= threshold_for_fmr(fmr))
