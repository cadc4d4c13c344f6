"""The simulated descriptor populations of the gallery-scale benchmark: a population fitted on
labelled descriptors gives back their spread, and draws people as far apart as they were."""

from __future__ import annotations

import numpy as np

from benchmarks.descriptor_population import (
    Population,
    fit,
    isotropic,
    ledoit_wolf,
    participation_ratio,
)


def low_rank_people(people: int, shots: int, seed: int) -> list[tuple[str, np.ndarray]]:
    """People who differ along 10 directions only, photographed `shots` times each."""
    rng = np.random.default_rng(seed)
    directions = np.linalg.qr(rng.normal(size=(128, 10)))[0]
    centres = rng.normal(0, 0.15, (people, 10)) @ directions.T
    return [
        (f"p{k}", (centre + rng.normal(0, 0.01, 128)).astype(np.float32))
        for k, centre in enumerate(centres)
        for _ in range(shots)
    ]


def test_a_fitted_population_keeps_the_spread_of_its_people() -> None:
    labelled = low_rank_people(300, 3, seed=1)
    stats = fit(labelled)
    assert abs(np.trace(stats["within"]) - 128 * 0.01**2) < 0.1 * 128 * 0.01**2
    assert participation_ratio(stats["between"]) < 20  # few directions, not 128
    root = np.linalg.cholesky(stats["between"])
    population = Population("fitted", stats["mean"], root, np.linalg.cholesky(stats["within"]), "")
    owners, templates, probes = population.draw(400, 2, 10, seed=2)
    assert templates.shape == (800, 128) and probes.shape == (10, 128) and owners[-1] == 399
    real_apart = np.mean(
        [np.linalg.norm(labelled[3 * k][1] - labelled[3 * k + 3][1]) for k in range(200)]
    )
    drawn_apart = np.mean(np.linalg.norm(templates[0:400:2] - templates[2:402:2], axis=1))
    assert abs(drawn_apart - real_apart) < 0.1 * real_apart


def test_shrinkage_keeps_a_covariance_and_spreads_its_eigenvalues() -> None:
    rng = np.random.default_rng(3)
    samples = rng.normal(size=(60, 128))
    samples -= samples.mean(axis=0)
    shrunk = ledoit_wolf(samples)
    raw = samples.T @ samples / len(samples)
    assert np.allclose(shrunk, shrunk.T)
    assert np.linalg.eigvalsh(shrunk).min() > 0  # the raw one is singular (60 < 128)
    assert participation_ratio(shrunk) > participation_ratio(raw)


def test_the_isotropic_population_uses_every_dimension() -> None:
    population = isotropic()
    assert round(participation_ratio(population.between @ population.between.T)) == 128
    owners, templates, _ = population.draw(50, 5, 4)
    assert len(set(owners.tolist())) == 50 and templates.dtype == np.float32
