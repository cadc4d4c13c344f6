"""Recapture cue: is this single frame a photo of a face, or a photo of a print or a screen?

Recapturing leaves physics a direct capture lacks: periodic structure (halftone dots, the
screen's sub-pixel grid, and the moire they alias into) shows as narrow peaks above a face's
smooth spectrum, often in the chroma channels since each ink or sub-pixel has its own colour;
ink and displays squeeze or shift the gamut and lift black (a sheet reflects at least a few per
cent of the light); paper sheen and glass glare are broad and flat where skin highlights are
small; and the extra optical pass changes micro-texture (LBP) and sharpness.

Features are measured on the face crop at the frame's own resolution (faces larger than
ANALYSIS_FACE_PX are area-reduced to it, as a camera of lower resolution would see them), not on
the 96 px surface crop, which would average the periodic structure away. The model is trained
by scripts/train_recapture.py on real captures against physically simulated recaptures of the
same captures (unmask.lab.recapture), so a camera's look cannot separate its classes.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from unmask.errors import InputError
from unmask.liveness.channels import median_cue
from unmask.liveness.extra_model import scaled_crop_box
from unmask.liveness.features import (
    colour_features,
    lbp_histograms,
    specular_features,
)
from unmask.liveness.features.colour import MONOCHROME_MARK, chroma_beyond_luma
from unmask.liveness.features.spectrum import radial_frequency
from unmask.liveness.linear import StandardizedLogistic
from unmask.types import Box, CueScore, Face, Frame

CUE = "recapture"
CROP_SCALE = 1.2
ANALYSIS_FACE_PX = 320
MIN_FACE_PX = 56.0
FULL_CONFIDENCE_PX = 140.0
# MEASUREMENT_VERSION: how the features are measured (a training cache of measurements stays
# valid while it holds); FEATURE_VERSION: which of them the model weighs (its input). Version 4
# was an experiment never shipped (docs/recapture.md, "Colour casts").
MEASUREMENT_VERSION = 2
FEATURE_VERSION = 5
FORMAT_VERSION = 1
# Spectral bands in cycles per pixel: below LOW_CUT the face's own shape dominates.
LOW_CUT = 0.04
PEAK_BANDS = ((0.04, 0.15), (0.15, 0.3), (0.3, 0.5))
PEAK_LEVEL = 3.0  # natural-log power above the local radial median: about 13 dB
DB_PER_NEPER = 10.0 / float(np.log(10.0))  # natural-log power ratio -> decibels

#: Measurements in 8-bit units that scale with how bright the camera renders the face (a
#: spread or a mean distance from grey doubles when the encoded levels do). Each is also given
#: divided by the inner face's median level (`luma_p50`), which an exposure error or a dimmer
#: light moves with them: the classifier then sees a print's squeezed contrast and gamut apart
#: from a dark exposure. Both forms are weighed; the absolute form alone read half a stop of
#: underexposure as a print (docs/recapture.md, "Exposure" and "Feature version 5").
EXPOSURE_SCALED = (
    "luma_spread",
    "cr_spread",
    "cb_spread",
    "cr_mean",
    "cb_mean",
    "colourfulness",
    "highlight_contrast",
)
#: The inner face's median level below which the ratios stop growing (5 % of full scale, about
#: four stops under a mid-grey face): a near-black crop's ratios are noise over nothing.
LEVEL_FLOOR = 0.05
FEATURE_NAMES: tuple[str, ...] = (
    *(f"luma_peak_{lo:.2f}_{hi:.2f}" for lo, hi in PEAK_BANDS),
    "luma_peak_share",
    "chroma_rg_peak",
    "chroma_rg_peak_share",
    "chroma_by_peak",
    "chroma_by_peak_share",
    "luma_high_band_log",
    "luma_spectral_slope",
    "chroma_to_luma_high",
    "laplacian_to_contrast_log",
    "cr_spread",
    "cb_spread",
    "cr_mean",
    "cb_mean",
    "saturation_p10",
    "saturation_p90",
    "colourfulness",
    "luma_spread",
    "luma_p1",
    "luma_p50",
    "luma_p99",
    "dynamic_range_stops",
    "shadow_saturation",
    "highlight_share",
    "clipped_share",
    "highlight_spread",
    "highlight_contrast",
    *(f"lbp_luma_r{r}_{b}" for r in (1, 2) for b in range(10)),
    *(f"lbp_cr_r1_{b}" for b in range(10)),
    *(f"{name}_per_level" for name in EXPOSURE_SCALED),
)
GROUPS: dict[str, tuple[int, int]] = {
    "periodic_peaks": (0, 8),
    "sharpness": (8, 12),
    "gamut": (12, 20),
    "dynamic_range": (20, 25),
    "specular": (25, 29),
    "texture_lbp": (29, 59),
    "relative_to_level": (59, len(FEATURE_NAMES)),
}
SCALED_COLUMNS = np.array([FEATURE_NAMES.index(name) for name in EXPOSURE_SCALED])
# Measured and reported as evidence, not weighed: a face's percentiles and stops of luma and
# its shadows' saturation are set mostly by the camera's processing (exposure, tone curve,
# black level, flare, local tone mapping), which the simulated cameras do not span. Trained
# on them, the model read the simulation's lifted print blacks as the mark of an attack, and
# real prints, whose blacks the camera sets, passed (docs/recapture.md, "Feature version 2").
# The same holds for the LBP micro-texture at radii of 1-2 px: sensor noise, demosaicing,
# sharpening and JPEG set it more than paper or a panel do; without it the classifier
# separates simulated recaptures of held-out people better and real faces from real prints
# too (docs/recapture.md, "Feature version 3").
EVIDENCE_ONLY = ("dynamic_range", "texture_lbp")
MODEL_COLUMNS = np.array(
    [
        index
        for group, (lo, hi) in GROUPS.items()
        if group not in EVIDENCE_ONLY
        for index in range(lo, hi)
    ]
)
MODEL_FEATURES: tuple[str, ...] = tuple(FEATURE_NAMES[i] for i in MODEL_COLUMNS)
N_FEATURES = len(MODEL_FEATURES)
FEATURE_GROUPS: dict[str, NDArray[np.bool_]] = {
    group: np.isin(MODEL_COLUMNS, np.arange(lo, hi))
    for group, (lo, hi) in GROUPS.items()
    if group not in EVIDENCE_ONLY
}


def analysis_crop(image: NDArray[np.uint8], box: Box) -> NDArray[np.uint8]:
    """The face crop at the frame's resolution, reduced only when the face exceeds
    ANALYSIS_FACE_PX (never enlarged: interpolation would invent smooth texture).

    The square is kept inside the frame (made smaller and shifted back in, the rule of
    `extra_model.scaled_crop_box`): tight face crops (a dataset's 256 px crops, a face filling
    a phone frame) would otherwise be padded by replicated edge pixels, flat streaks that no
    camera produces and that the features would read as texture, peaks and dynamic range.
    """
    height, width = image.shape[:2]
    face = max(box.w, box.h)
    square = Box(box.x + box.w / 2 - face / 2, box.y + box.h / 2 - face / 2, face, face)
    left, top, right, bottom = scaled_crop_box(square, CROP_SCALE, height, width)
    side = min(bottom - top, right - left)
    if side < 8:
        raise InputError(f"face box {box.as_list()} leaves no crop inside a {width}x{height} frame")
    crop = image[top : top + side, left : left + side]
    scale = side / face
    wanted = max(int(round(min(face, ANALYSIS_FACE_PX) * scale)), 8)
    if wanted >= side:
        return np.ascontiguousarray(crop)
    return np.ascontiguousarray(cv2.resize(crop, (wanted, wanted), interpolation=cv2.INTER_AREA))


def _spectrum(channel: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Centred power spectrum of the Hann-windowed channel, and each bin's radius (cycles/px)."""
    window = np.outer(np.hanning(channel.shape[0]), np.hanning(channel.shape[1]))
    spectrum = np.fft.fftshift(np.fft.fft2((channel - channel.mean()) * window))
    return np.abs(spectrum) ** 2, radial_frequency(channel.shape)


def _peak_map(power: NDArray[np.float64], radius: NDArray[np.float64]) -> NDArray[np.float64]:
    """Log power above its local radial median (3x3 smoothed).

    JPEG's 8x8 block grid puts peaks at multiples of 1/8 cycle per pixel; those bins are
    masked, since both classes are JPEG-compressed and the grid says nothing about recapture.
    """
    size = power.shape
    log_power = np.log(cv2.blur(power, (3, 3)) + 1e-12)
    rings = np.minimum((radius * 2 * max(size)).astype(int), max(size))
    keys, values = rings.ravel(), log_power.ravel()
    ordered = values[np.lexsort((values, keys))]
    counts = np.bincount(keys)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    medians = ordered[np.minimum(starts + counts // 2, len(ordered) - 1)]
    excess = log_power - medians[rings]
    fy = np.fft.fftshift(np.fft.fftfreq(size[0]))[:, None]
    fx = np.fft.fftshift(np.fft.fftfreq(size[1]))[None, :]
    blocky = (np.abs(fy * 8 - np.round(fy * 8)) * size[0] / 8 <= 1.5) & (
        np.abs(fx * 8 - np.round(fx * 8)) * size[1] / 8 <= 1.5
    )
    excess[blocky] = 0.0
    return excess


def _peaks(power: NDArray[np.float64], radius: NDArray[np.float64]) -> tuple[list[float], float]:
    """Strongest excess per band and the share of bins above PEAK_LEVEL past LOW_CUT."""
    excess = _peak_map(power, radius)
    bands = [float(excess[(radius > lo) & (radius <= hi)].max()) for lo, hi in PEAK_BANDS]
    useful = (radius > LOW_CUT) & (radius <= 0.5)
    return bands, float(np.mean(excess[useful] > PEAK_LEVEL))


def _band_energy(power: NDArray[np.float64], radius: NDArray[np.float64]) -> tuple[float, float]:
    """Share of power above 0.25 cycles/px (log) and the log-log slope of the radial spectrum."""
    total = power[radius > LOW_CUT].sum() + 1e-12
    high = power[(radius > 0.25) & (radius <= 0.5)].sum() / total
    edges = np.linspace(LOW_CUT, 0.5, 7)
    energy = [power[(radius > lo) & (radius <= hi)].mean() for lo, hi in itertools.pairwise(edges)]
    slope = np.polyfit(np.log((edges[:-1] + edges[1:]) / 2), np.log(np.array(energy) + 1e-12), 1)[0]
    return float(np.log(high + 1e-9)), float(slope)


def recapture_features(crop: NDArray[np.uint8]) -> NDArray[np.float64]:
    """Every measurement (FEATURE_NAMES) of one analysis crop (RGB uint8, any size >= 16 px);
    the model weighs the MODEL_COLUMNS of it."""
    crop = np.asarray(crop)
    if crop.ndim != 3 or crop.shape[2] != 3 or crop.dtype != np.uint8 or min(crop.shape[:2]) < 16:
        raise InputError(
            f"recapture features need an RGB uint8 crop of at least 16 px, got {crop.dtype} "
            f"{crop.shape}"
        )
    rgb = crop.astype(np.float64) / 255.0
    luma = rgb @ np.array([0.299, 0.587, 0.114])
    red_green = rgb[..., 0] - rgb[..., 1]
    blue_yellow = rgb[..., 2] - 0.5 * (rgb[..., 0] + rgb[..., 1])
    spectra = [_spectrum(channel) for channel in (luma, red_green, blue_yellow)]
    (luma_bands, luma_share), (rg_bands, rg_share), (by_bands, by_share) = (
        _peaks(*spectrum) for spectrum in spectra
    )
    high, slope = _band_energy(*spectra[0])
    chroma_high = _band_energy(*spectra[1])[0] + _band_energy(*spectra[2])[0]
    laplacian = cv2.Laplacian(luma, cv2.CV_64F)
    sharpness = np.log(np.abs(laplacian).mean() / (luma.std() + 1e-6) + 1e-6)
    # Dynamic range and shadows on the inner face (the crop's middle), in linear light.
    height, width = luma.shape
    inner = (slice(height // 5, height - height // 5), slice(width // 5, width - width // 5))
    encoded = luma[inner]
    linear = np.where(encoded <= 0.04045, encoded / 12.92, ((encoded + 0.055) / 1.055) ** 2.4)
    p1, p50, p99 = np.percentile(encoded, [1, 50, 99])
    lo_lin, hi_lin = np.percentile(linear, [1, 99])
    hsv = cv2.cvtColor(crop, cv2.COLOR_RGB2HSV)[inner]
    saturation = hsv[..., 1].astype(np.float64) / 255.0
    shadows = encoded <= np.percentile(encoded, 10)
    ycrcb = cv2.cvtColor(crop, cv2.COLOR_RGB2YCrCb)
    texture = [
        lbp_histograms(ycrcb[..., 0], radii=(1, 2)),
        lbp_histograms(np.ascontiguousarray(ycrcb[..., 1]), radii=(1,)),
    ]
    measured = np.concatenate(
        [
            luma_bands,
            [luma_share, max(rg_bands), rg_share, max(by_bands), by_share],
            [high, slope, chroma_high - 2 * high, sharpness],
            colour_features(crop),
            [p1, p50, p99, np.log2((hi_lin + 1e-3) / (lo_lin + 1e-3))],
            [float(saturation[shadows].mean())],
            specular_features(crop),
            *texture,
        ]
    )
    return np.concatenate([measured, measured[SCALED_COLUMNS] / max(float(p50), LEVEL_FLOOR)])


class RecaptureModel(StandardizedLogistic):
    """P(bona fide) per crop from the recapture features; classes always balanced."""

    KIND = "unmask.recapture"
    NAME = "recapture"
    FORMAT_VERSION = FORMAT_VERSION
    FEATURE_VERSION = FEATURE_VERSION
    N_FEATURES = N_FEATURES
    COMPRESSED = True
    RETRAIN = "retrain it with scripts/train_recapture.py"

    def __init__(self, C: float = 0.05, max_iter: int = 1000) -> None:
        super().__init__(C=C, max_iter=max_iter, class_weight="balanced")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"C": self.C, "max_iter": self.max_iter}

    def header_extra(self) -> dict[str, Any]:
        return {
            "crop": {"scale": CROP_SCALE, "analysis_face_px": ANALYSIS_FACE_PX},
            "features": list(MODEL_FEATURES),
        }

    def contributions(self, features: NDArray[np.float64]) -> dict[str, float]:
        """Each feature group's share of the logit (`features`: the model's input), so evidence
        can say what decided."""
        parts = ((features - self.mean_) / self.scale_) * self.coef_
        return {name: float(parts[chosen].sum()) for name, chosen in FEATURE_GROUPS.items()}


def score_view(image: NDArray[np.uint8], box: Box, model: RecaptureModel | None) -> CueScore:
    """The recapture cue on one face of one frame."""
    face_px = max(box.w, box.h)
    evidence: dict[str, Any] = {"face_px": round(face_px, 1)}
    if model is None:
        return CueScore(
            CUE,
            None,
            reason="this PAD model has no recapture classifier (train one with "
            "scripts/train_recapture.py)",
            evidence=evidence,
        )
    colour = chroma_beyond_luma(image)
    if colour.monochrome:
        evidence.update(
            {
                MONOCHROME_MARK: True,
                "chroma_beyond_luma": round(colour.chroma, 2),
                "cast": round(colour.cast, 2),
            }
        )
        return CueScore(
            CUE,
            None,
            reason="monochrome frame (a greyscale or night-mode camera): this classifier reads "
            "ink and screen colour, which such a frame does not show",
            evidence=evidence,
        )
    if face_px < MIN_FACE_PX:
        return CueScore(
            CUE,
            None,
            reason=f"face is {face_px:.0f} px, below {MIN_FACE_PX:.0f} px: too small to see "
            "halftone, pixel grid or paper texture",
            evidence=evidence,
        )
    crop = analysis_crop(image, box)
    if float(cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).std()) < 3.0:
        return CueScore(
            CUE,
            None,
            reason="face crop is flat (over/under-exposed): nothing to judge",
            evidence=evidence,
        )
    measured = recapture_features(crop)
    features = measured[MODEL_COLUMNS]
    probability = float(model.predict_proba(features)[0, 1])
    named = {name: float(value) for name, value in zip(FEATURE_NAMES, measured, strict=True)}
    luma_peak = max(named[f"luma_peak_{lo:.2f}_{hi:.2f}"] for lo, hi in PEAK_BANDS)
    chroma_peak = max(named["chroma_rg_peak"], named["chroma_by_peak"])
    evidence.update(
        {
            "analysis_px": int(crop.shape[0]),
            "p_bona_fide": round(probability, 4),
            # Strongest narrow spectral peak above the face's smooth spectrum, in dB of power.
            "luma_peak_db": round(DB_PER_NEPER * luma_peak, 1),
            "chroma_peak_db": round(DB_PER_NEPER * chroma_peak, 1),
            "dynamic_range_stops": round(named["dynamic_range_stops"], 2),
            "saturation_p90": round(named["saturation_p90"], 3),
            "highlight_share": round(named["highlight_share"], 4),
            "group_logits": {k: round(v, 3) for k, v in model.contributions(features).items()},
        }
    )
    confidence = abs(2.0 * probability - 1.0) * min(1.0, face_px / FULL_CONFIDENCE_PX)
    return CueScore(CUE, probability, confidence=round(confidence, 4), evidence=evidence)


def recapture_cue(views: Sequence[tuple[Frame, Face]], model: RecaptureModel | None) -> CueScore:
    """The median over a track's best views (frame and its face): one odd frame neither
    passes nor fails it. Score = P(bona fide) from `model`; None with a reason when no view
    can be judged."""
    if not views:
        return CueScore(CUE, None, reason="no face view to judge")
    return median_cue(CUE, [score_view(frame.image, face.box, model) for frame, face in views])
