"""Populations of simulated face descriptors for gallery-scale benchmarks.

Why two: a million real faces are not at hand, so galleries at scale are drawn. The
`isotropic` population (every dimension independent, centres N(0, 0.07^2), templates a further
N(0, 0.025^2)) matches dlib's typical distances but spreads people over all 128 dimensions
alike, which is the hardest case for a graph index. Real descriptors are not like that: people
differ along a few dozen directions. The `measured` population is Gaussian with the mean and
the between- and within-person covariances of real dlib descriptors (ORL, FRL London and Canada,
interfaces; found through `unmask.data.shared_data_dir`), so an index meets the shape of real
data, at scale. Both are SIMULATED; neither is a real gallery.

The between-person covariance comes from a few hundred people in 128 dimensions, where a sample
covariance overstates its large eigenvalues and understates its small ones (which would make the
data look easier than it is), so it is shrunk towards a multiple of the identity (Ledoit and
Wolf 2004). The fitted statistics are cached in the benchmark's work folder, never in the
repository.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from unmask.data import shared_data_dir
from unmask.errors import UnmaskError
from unmask.identity.embedder import EMBEDDING_SIZE

ISOTROPIC_BETWEEN_SD = 0.07
ISOTROPIC_WITHIN_SD = 0.025
STATISTICS_FILE = "descriptor-statistics.npz"


@dataclass(frozen=True)
class Population:
    """Identity centres ~ N(mean, between), templates and probes ~ N(centre, within)."""

    name: str
    mean: NDArray[np.float64]
    between: NDArray[np.float64]  # a square root of the covariance (L with L L^T = covariance)
    within: NDArray[np.float64]
    source: str

    def draw(
        self, people: int, per_identity: int, probes: int, seed: int = 0
    ) -> tuple[NDArray[np.int64], NDArray[np.float32], NDArray[np.float32]]:
        """(owner of each template, templates, probes of enrolled people)."""
        rng = np.random.default_rng(seed)
        size = EMBEDDING_SIZE
        centres = self.mean + rng.standard_normal((people, size)) @ self.between.T
        owners = np.repeat(np.arange(people), per_identity)
        templates = centres[owners] + rng.standard_normal((len(owners), size)) @ self.within.T
        chosen = rng.integers(0, people, probes)
        asked = centres[chosen] + rng.standard_normal((probes, size)) @ self.within.T
        return owners, templates.astype(np.float32), asked.astype(np.float32)


def isotropic() -> Population:
    return Population(
        "isotropic",
        np.zeros(EMBEDDING_SIZE),
        ISOTROPIC_BETWEEN_SD * np.eye(EMBEDDING_SIZE),
        ISOTROPIC_WITHIN_SD * np.eye(EMBEDDING_SIZE),
        "every dimension independent: centres N(0, 0.07^2), templates N(centre, 0.025^2)",
    )


def labelled_faces(root: Path) -> list[tuple[str, Path]]:
    """(person, image) of the real sets whose file layout names the person."""
    faces = root / "faces"
    items = [
        (f"orl-{folder.name}", image)
        for folder in sorted((faces / "orl").glob("s*"))
        for image in sorted(folder.glob("*.pgm"))
    ]
    for mood in ("neutral", "smiling"):  # 001.jpg and 001_03.jpg: one person
        items += [
            (f"london-{image.stem.split('_')[0]}", image)
            for image in sorted((faces / "frl-london" / mood).glob("*.jpg"))
        ]
    items += [(f"canada-{p.stem}", p) for p in sorted((faces / "frl-canada").rglob("*.jpg"))]
    items += [(f"interfaces-{p.stem}", p) for p in sorted((faces / "interfaces").rglob("*.jpg"))]
    return items


def ledoit_wolf(samples: NDArray[np.float64]) -> NDArray[np.float64]:
    """Covariance of centred `samples` (rows), shrunk towards mu*I by the Ledoit-Wolf weight."""
    n, p = samples.shape
    sample = samples.T @ samples / n
    mu = float(np.trace(sample)) / p
    target = mu * np.eye(p)
    d2 = float(np.sum((sample - target) ** 2))
    b2 = sum(float(np.sum((np.outer(x, x) - sample) ** 2)) for x in samples) / n**2
    weight = min(b2, d2) / d2 if d2 > 0 else 1.0
    return np.asarray(weight * target + (1.0 - weight) * sample)


def fit(descriptors: list[tuple[str, NDArray[np.float32]]]) -> dict[str, NDArray[np.float64]]:
    """Mean, between- and within-person covariances of labelled descriptors."""
    people: dict[str, list[NDArray[np.float64]]] = defaultdict(list)
    for person, vector in descriptors:
        people[person].append(np.asarray(vector, dtype=np.float64))
    means = {person: np.mean(vectors, axis=0) for person, vectors in people.items()}
    repeated = {person: v for person, v in people.items() if len(v) >= 2}
    if len(repeated) < 10 or len(people) < 50:
        raise RuntimeError("too few labelled real faces to measure descriptor statistics")
    deviations = np.concatenate([np.array(v) - means[p] for p, v in repeated.items()])
    within = deviations.T @ deviations / sum(len(v) - 1 for v in repeated.values())
    centres = np.array(list(means.values()))
    mean = centres.mean(axis=0)
    between = ledoit_wolf(centres - mean)
    # A person's mean still carries within-person noise, shrunk by the number of images.
    counts = np.array([len(v) for v in people.values()], dtype=np.float64)
    between = between - within * float(np.mean(1.0 / counts))
    values, vectors = np.linalg.eigh(between)
    between = (vectors * np.clip(values, 1e-8, None)) @ vectors.T
    return {
        "mean": mean,
        "between": between,
        "within": within,
        "people": np.array(len(people)),
        "images": np.array(len(descriptors)),
    }


def measured(work: Path) -> Population:
    """The population fitted on the shared data's real faces (cached in `work`)."""
    cache = work / STATISTICS_FILE
    if not cache.exists():
        root = shared_data_dir()
        if root is None:
            raise RuntimeError("the measured population needs ../shared/data (set UNMASK_DATA)")
        from unmask.identity.probes import ProbeMaker

        maker = ProbeMaker()
        descriptors = []
        for person, path in labelled_faces(root):
            try:
                probes = maker.probes(path)
            except UnmaskError:  # no face, or an unreadable file: one image fewer
                continue
            if probes:
                descriptors.append((person, probes[0].embedding))
        np.savez(cache, **fit(descriptors))
    stats = np.load(cache)
    return Population(
        "measured",
        stats["mean"],
        np.linalg.cholesky(stats["between"]),
        np.linalg.cholesky(stats["within"] + 1e-9 * np.eye(EMBEDDING_SIZE)),
        f"Gaussian with the mean and covariances of {int(stats['images'])} real dlib descriptors"
        f" of {int(stats['people'])} people (ORL, FRL London and Canada, interfaces)",
    )


def participation_ratio(covariance: NDArray[np.float64]) -> float:
    """How many dimensions the spread really uses: (sum of eigenvalues)^2 / sum of squares."""
    values = np.linalg.eigvalsh(covariance)
    return float(values.sum() ** 2 / np.sum(values**2))
