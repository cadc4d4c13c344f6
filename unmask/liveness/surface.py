"""Surface cue: does a single face crop look like skin, or like paper, a screen or a mould?

Works on stills as well as video frames. Texture (multi-scale LBP in YCrCb and HSV), frequency
(moire and halftone peaks), colour gamut and specular statistics feed a small regularised
logistic regression that follows scikit-learn's contract (`fit`, `predict_proba`, `score`,
hyperparameters in `__init__`, nothing learned before `fit`) and saves to npz + JSON, never
pickle, so a model file cannot execute code when loaded.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from unmask.errors import InputError
from unmask.liveness.features import (
    colour_features,
    lbp_histograms,
    spectrum_features,
    specular_features,
)
from unmask.liveness.linear import StandardizedLogistic
from unmask.types import Box, CueScore, Face, Frame

CUE = "surface"
CROP_SIZE = 96
CROP_SCALE = 1.2
FEATURE_VERSION = 3
FORMAT_VERSION = 1
MIN_FACE_PX = 24.0
FULL_CONFIDENCE_PX = 80.0

# Named slices of the feature vector, so evidence and docs can say which group is which.
FEATURE_GROUPS: dict[str, tuple[int, int]] = {
    "lbp_y": (0, 118),
    "lbp_value": (118, 138),
    "lbp_chroma": (138, 218),
    "spectrum": (218, 228),
    "colour": (228, 236),
    "specular": (236, 240),
}
N_FEATURES = 240


def crop_face(
    image: NDArray[np.uint8], box: Box, scale: float = CROP_SCALE, size: int = CROP_SIZE
) -> NDArray[np.uint8]:
    """The square crop the surface cue sees: `scale` x the box's longer side around its centre.

    Parts outside the frame are filled by edge replication rather than black, so a face at the
    border does not gain an artificial edge that looks like a print's border. Resampled with
    area interpolation to `size` x `size`, which keeps (rather than aliases) fine texture.
    """
    if box.w <= 0 or box.h <= 0:
        raise InputError(f"face box has no area ({box.as_list()}); pass a detected face box")
    side = max(box.w, box.h) * scale
    cx, cy = box.x + box.w / 2, box.y + box.h / 2
    x0, y0 = int(round(cx - side / 2)), int(round(cy - side / 2))
    x1, y1 = x0 + int(round(side)), y0 + int(round(side))
    height, width = image.shape[:2]
    pad = max(0, -x0, -y0, x1 - width, y1 - height)
    if pad:
        image = np.asarray(
            cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_REPLICATE), dtype=np.uint8
        )
        x0, y0, x1, y1 = x0 + pad, y0 + pad, x1 + pad, y1 + pad
    return np.ascontiguousarray(
        cv2.resize(image[y0:y1, x0:x1], (size, size), interpolation=cv2.INTER_AREA)
    )


def surface_features(crop: NDArray[np.uint8]) -> NDArray[np.float64]:
    """The N_FEATURES-long feature vector of one RGB uint8 crop (any size, resized to CROP_SIZE)."""
    crop = np.asarray(crop)
    if crop.ndim != 3 or crop.shape[2] != 3 or crop.dtype != np.uint8:
        raise InputError(
            f"surface features need an RGB uint8 crop (H, W, 3), got {crop.dtype} {crop.shape}"
        )
    if crop.shape[:2] != (CROP_SIZE, CROP_SIZE):
        crop = np.asarray(
            cv2.resize(crop, (CROP_SIZE, CROP_SIZE), interpolation=cv2.INTER_AREA), dtype=np.uint8
        )
    ycrcb = cv2.cvtColor(crop, cv2.COLOR_RGB2YCrCb)
    hsv = cv2.cvtColor(crop, cv2.COLOR_RGB2HSV)
    # Chroma keeps full resolution: at half resolution (as 4:2:0 video stores it) NUAA
    # cross-validation lost about 0.7 points of ACER for 2-3 ms saved a crop.
    parts = [lbp_histograms(ycrcb[..., 0], method="nri_uniform"), lbp_histograms(hsv[..., 2])]
    parts += [
        lbp_histograms(np.ascontiguousarray(c))
        for c in (ycrcb[..., 1], ycrcb[..., 2], hsv[..., 0], hsv[..., 1])
    ]
    parts += [spectrum_features(ycrcb[..., 0]), colour_features(crop), specular_features(crop)]
    return np.concatenate(parts)


class SurfaceModel(StandardizedLogistic):
    """The texture classifier of the surface cue, trained on the deployment's own captures.

    `C` is the inverse regularisation strength as in scikit-learn; `class_weight` "balanced"
    reweights classes so the rarer one (often bona fide) is not ignored.
    """

    KIND = "unmask.surface"
    NAME = "surface"
    FORMAT_VERSION = FORMAT_VERSION
    FEATURE_VERSION = FEATURE_VERSION

    def header_extra(self) -> dict[str, Any]:
        return {"crop": {"scale": CROP_SCALE, "size": CROP_SIZE}}


def score_crop(
    crop: NDArray[np.uint8], model: SurfaceModel | None, face_px: float | None = None
) -> CueScore:
    """The surface cue on a ready crop (e.g. a dataset that ships face crops)."""
    gray_std = float(cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_RGB2GRAY).std())
    size = float(face_px if face_px is not None else max(crop.shape[:2]))
    evidence: dict[str, Any] = {"face_px": round(size, 1), "crop_contrast": round(gray_std, 2)}
    if model is None:
        return CueScore(
            CUE,
            None,
            reason="no trained surface model was given (train one with SurfaceModel.fit)",
            evidence=evidence,
        )
    if size < MIN_FACE_PX:
        return CueScore(
            CUE,
            None,
            reason=f"face is {size:.0f} px, below {MIN_FACE_PX:.0f} px: too small for texture",
            evidence=evidence,
        )
    if gray_std < 3.0:
        return CueScore(
            CUE,
            None,
            reason="face crop is flat (over/under-exposed): no texture to judge",
            evidence=evidence,
        )
    features = surface_features(crop)
    probability = float(model.predict_proba(features)[0, 1])
    contributions = ((features - model.mean_) / model.scale_) * model.coef_
    evidence["group_logits"] = {
        name: round(float(contributions[lo:hi].sum()), 3)
        for name, (lo, hi) in FEATURE_GROUPS.items()
    }
    evidence["moire_peakiness"] = round(float(features[FEATURE_GROUPS["spectrum"][0] + 8]), 3)
    evidence["p_bona_fide"] = round(probability, 4)
    confidence = abs(2.0 * probability - 1.0) * min(1.0, size / FULL_CONFIDENCE_PX)
    return CueScore(CUE, probability, confidence=round(confidence, 4), evidence=evidence)


def surface_cue(frame: Frame, face: Face | Box, model: SurfaceModel | None) -> CueScore:
    """The surface cue for one face in one frame; score = P(bona fide) from `model`."""
    box = face.box if isinstance(face, Face) else face
    return score_crop(crop_face(frame.image, box), model, face_px=max(box.w, box.h))
