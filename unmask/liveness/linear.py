"""One L2-regularised logistic regression on standardised features, for every single-image
classifier a PAD model carries (the surface and recapture cues).

scikit-learn's contract: hyperparameters in `__init__`, learned state (ending in `_`) set only by
`fit`. Labels: 1 = bona fide, 0 = attack, so `predict_proba(X)[:, 1]` is a cue score. Inference
is numpy only, and the file is npz plus a JSON header (never pickle) naming its kind and the
format and feature versions, so a file is never read with features it was not fitted on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize

from unmask.errors import InputError, ModelError


def logistic(z: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * z)), dtype=np.float64)


class StandardizedLogistic:
    """Subclasses name their file kind, versions and header (`KIND`, `NAME`, `FORMAT_VERSION`,
    `FEATURE_VERSION`, `header_extra`) and their hyperparameters."""

    KIND: ClassVar[str]
    NAME: ClassVar[str]
    FORMAT_VERSION: ClassVar[int]
    FEATURE_VERSION: ClassVar[int]
    N_FEATURES: ClassVar[int | None] = None
    COMPRESSED: ClassVar[bool] = False
    RETRAIN: ClassVar[str] = "retrain it"

    def __init__(
        self, C: float = 0.1, max_iter: int = 500, class_weight: str | None = "balanced"
    ) -> None:
        self.C = C
        self.max_iter = max_iter
        self.class_weight = class_weight

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"C": self.C, "max_iter": self.max_iter, "class_weight": self.class_weight}

    def set_params(self, **params: Any) -> Self:
        for key, value in params.items():
            if key not in self.get_params():
                raise InputError(f"{type(self).__name__} has no hyperparameter {key!r}")
            setattr(self, key, value)
        return self

    def header_extra(self) -> dict[str, Any]:
        return {}

    def fit(self, X: ArrayLike, y: ArrayLike, provenance: Mapping[str, Any] | None = None) -> Self:
        """Learn standardisation and weights; `provenance` (data, terms) is stored with the model."""
        features, labels = self._check_xy(X, y)
        if self.C <= 0:
            raise InputError(f"C must be positive, got {self.C}")
        mean = features.mean(axis=0)
        scale = features.std(axis=0)
        scale[scale < 1e-12] = 1.0
        z = (features - mean) / scale
        weights = np.ones(len(labels))
        if self.class_weight == "balanced":
            for cls in (0, 1):
                weights[labels == cls] = len(labels) / (2.0 * np.count_nonzero(labels == cls))
        sign = 2.0 * labels - 1.0

        def loss(theta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
            margin = sign * (z @ theta[:-1] + theta[-1])
            value = (
                np.sum(weights * np.logaddexp(0.0, -margin))
                + 0.5 / self.C * theta[:-1] @ theta[:-1]
            )
            slope = -weights * sign * logistic(-margin)
            grad = np.append(z.T @ slope + theta[:-1] / self.C, slope.sum())
            return float(value), grad

        result = minimize(
            loss,
            np.zeros(z.shape[1] + 1),
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": self.max_iter},
        )
        self.mean_ = mean
        self.scale_ = scale
        self.coef_ = result.x[:-1]
        self.intercept_ = float(result.x[-1])
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = features.shape[1]
        self.n_iter_ = int(result.nit)
        self.provenance_ = dict(provenance or {})
        return self

    def decision_function(self, X: ArrayLike) -> NDArray[np.float64]:
        self._require_fitted()
        features = np.atleast_2d(np.asarray(X, dtype=np.float64))
        if features.shape[1] != self.n_features_in_:
            raise InputError(f"expected {self.n_features_in_} features, got {features.shape[1]}")
        return np.asarray(((features - self.mean_) / self.scale_) @ self.coef_ + self.intercept_)

    def predict_proba(self, X: ArrayLike) -> NDArray[np.float64]:
        """Columns follow `classes_`: [P(attack), P(bona fide)]."""
        bona_fide = logistic(self.decision_function(X))
        return np.column_stack([1.0 - bona_fide, bona_fide])

    def predict(self, X: ArrayLike) -> NDArray[np.int64]:
        return (self.decision_function(X) > 0).astype(np.int64)

    def score(self, X: ArrayLike, y: ArrayLike) -> float:
        """Mean accuracy, as scikit-learn classifiers define `score`."""
        return float(np.mean(self.predict(X) == np.asarray(y)))

    def save(self, path: str | Path) -> Path:
        """Write npz arrays plus a JSON header (format and feature versions, provenance)."""
        self._require_fitted()
        target = Path(path)
        if target.suffix != ".npz":
            target = target.with_suffix(".npz")
        header = {
            "kind": self.KIND,
            "format_version": self.FORMAT_VERSION,
            "feature_version": self.FEATURE_VERSION,
            **self.header_extra(),
            "params": self.get_params(),
            "intercept": self.intercept_,
            "provenance": self.provenance_,
        }
        write = np.savez_compressed if self.COMPRESSED else np.savez
        write(
            target,
            header=np.array(json.dumps(header)),
            mean=self.mean_,
            scale=self.scale_,
            coef=self.coef_,
        )
        return target

    @classmethod
    def load(cls, path: str | Path) -> Self:
        try:
            with np.load(Path(path), allow_pickle=False) as data:
                header = json.loads(str(data["header"]))
                arrays = {
                    key: np.asarray(data[key], dtype=np.float64)
                    for key in ("mean", "scale", "coef")
                }
        except FileNotFoundError as exc:
            raise ModelError(f"{cls.NAME} model not found: {path}") from exc
        except (OSError, KeyError, ValueError) as exc:
            raise ModelError(f"not an unmask {cls.NAME} model (unreadable npz): {path}") from exc
        if header.get("kind") != cls.KIND:
            raise ModelError(f"not an unmask {cls.NAME} model: {path}")
        versions = (header.get("format_version"), header.get("feature_version"))
        if versions != (cls.FORMAT_VERSION, cls.FEATURE_VERSION):
            raise ModelError(
                f"{cls.NAME} model {path} has format/features {versions[0]}/{versions[1]}, this "
                f"unmask reads {cls.FORMAT_VERSION}/{cls.FEATURE_VERSION}: {cls.RETRAIN}"
            )
        if cls.N_FEATURES is not None and any(len(a) != cls.N_FEATURES for a in arrays.values()):
            raise ModelError(f"{cls.NAME} model {path} does not hold {cls.N_FEATURES} features")
        model = cls(**header["params"])
        model.mean_, model.scale_, model.coef_ = arrays["mean"], arrays["scale"], arrays["coef"]
        model.intercept_ = float(header["intercept"])
        model.classes_ = np.array([0, 1])
        model.n_features_in_ = len(model.coef_)
        model.n_iter_ = 0
        model.provenance_ = dict(header.get("provenance", {}))
        return model

    def _require_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise ModelError(
                f"{self.NAME} model is not fitted: call fit() or {type(self).__name__}.load() first"
            )

    @staticmethod
    def _check_xy(X: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        features = np.asarray(X, dtype=np.float64)
        labels = np.asarray(y, dtype=np.float64).ravel()
        if features.ndim != 2 or len(features) != len(labels):
            raise InputError(
                f"X must be (n, features) with one label each, got X {features.shape}, y {labels.shape}"
            )
        if not np.isfinite(features).all():
            raise InputError("X holds NaN or infinite values")
        if not set(np.unique(labels)) <= {0.0, 1.0} or len(np.unique(labels)) < 2:
            raise InputError("y must hold both classes, 1 = bona fide and 0 = attack")
        return features, labels
