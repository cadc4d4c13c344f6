"""Compare probes with the gallery: 1:1 verification and 1:N identification.

An identity's distance is the distance to its closest template, so enrolling more varied
photos of someone only ever helps them match.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from unmask.identity.embedder import distances
from unmask.identity.gallery import Gallery
from unmask.identity.thresholds import threshold_for_fmr


@dataclass(frozen=True)
class Candidate:
    identity: str
    distance: float
    match: bool

    def as_dict(self) -> dict[str, object]:
        return {"id": self.identity, "distance": round(self.distance, 4), "match": self.match}


def identity_distances(
    probe: NDArray[np.float32], gallery: Gallery
) -> tuple[NDArray[np.float32], list[str]]:
    """Closest-template distance per enrolled identity."""
    gallery.require_templates()
    embeddings, owners, names = gallery.matrix()
    per_template = distances(probe, embeddings)
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
    return np.minimum.reduceat(per_template, starts), names


def identify(
    probe: NDArray[np.float32], gallery: Gallery, *, top: int = 5, fmr: float = 1e-3
) -> list[Candidate]:
    """The `top` closest identities, best first, each marked match or not at the FMR threshold."""
    threshold = threshold_for_fmr(fmr)
    best, names = identity_distances(probe, gallery)
    order = np.argsort(best, kind="stable")[: max(top, 1)]
    return [Candidate(names[i], float(best[i]), bool(best[i] <= threshold)) for i in order]


def verify(
    probe: NDArray[np.float32], gallery: Gallery, identity: str, *, fmr: float = 1e-3
) -> Candidate:
    """Is the probe the claimed identity? Raises UnknownIdentityError for unknown names."""
    gallery.identity_id(identity)
    best, names = identity_distances(probe, gallery)
    distance = float(best[names.index(identity)])
    return Candidate(identity, distance, distance <= threshold_for_fmr(fmr))
