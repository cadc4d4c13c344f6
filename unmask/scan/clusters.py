"""Stable ids for unknown faces: the same stranger in two files (or two runs) gets one cluster.

The store lives in the scan's output folder, so a later scan of new footage into the same
folder keeps the ids. A face joins the nearest cluster whose centroid (the mean of its members'
descriptors) is within the recognition threshold, else it starts a new one. Faces are offered
in input order by one coordinator, so the ids never depend on which worker finished first.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from unmask.errors import InputError


@dataclass
class Cluster:
    id: str
    centroid: NDArray[np.float64]
    count: int


class ClusterStore:
    """Clusters kept in `path` (JSON), matched by Euclidean descriptor distance."""

    def __init__(self, path: Path, threshold: float) -> None:
        self.path = path
        self.threshold = threshold
        self.clusters: list[Cluster] = []
        if path.exists():
            try:
                data = json.loads(path.read_text())
                self.clusters = [
                    Cluster(c["id"], np.asarray(c["centroid"], dtype=np.float64), int(c["count"]))
                    for c in data["clusters"]
                ]
            except (ValueError, KeyError, TypeError) as exc:
                raise InputError(
                    f"{path}: damaged cluster store ({exc}); delete it to start new clusters"
                ) from None

    def assign(self, embedding: NDArray[np.float64]) -> tuple[str, float]:
        """The cluster for one descriptor and its distance to that cluster's centroid before
        joining (0.0 for a new cluster)."""
        best: Cluster | None = None
        best_distance = float("inf")
        for cluster in self.clusters:
            distance = float(np.linalg.norm(cluster.centroid - embedding))
            if distance < best_distance:
                best, best_distance = cluster, distance
        if best is None or best_distance > self.threshold:
            best = Cluster(f"c{len(self.clusters) + 1:04d}", embedding.astype(np.float64), 0)
            self.clusters.append(best)
            best_distance = 0.0
        best.centroid = (best.centroid * best.count + embedding) / (best.count + 1)
        best.count += 1
        return best.id, best_distance

    def save(self) -> None:
        document = {
            "threshold": self.threshold,
            "clusters": [
                {"id": c.id, "count": c.count, "centroid": [float(v) for v in c.centroid]}
                for c in self.clusters
            ],
        }
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(document))
        os.replace(temporary, self.path)
