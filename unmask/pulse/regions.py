"""Skin regions from the 468-point face mesh, and their mean colour per frame.

The polygons (`unmask.face.mesh.SKIN_POLYGONS`) are named from the subject's point of view (the
subject's right cheek is on the image's left for a face looking at the camera). The regions do
not overlap, so each one is an independent look at the same blood pulse, which is what the
coherence evidence of the liveness cue relies on; a pulse in the periocular rings and none on
the cheeks is what a mask with eye holes looks like.

Cost: one crop around the face, one colour conversion for the skin test, one `fillPoly` per
region into a label image (reused while the mesh stays within half a pixel), and one
`bincount` for all regions' sums: a few milliseconds a frame for a 640x480 face.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from unmask.face.mesh import LEFT_EYE_OUTLINE, RIGHT_EYE_OUTLINE, SKIN_POLYGONS

EYE_OPENINGS: dict[str, tuple[int, ...]] = {
    "right_periocular": RIGHT_EYE_OUTLINE,
    "left_periocular": LEFT_EYE_OUTLINE,
}
"""Eyelid contours cut out of the periocular rings (eyeball, lashes)."""

SKIN_REGIONS = tuple(SKIN_POLYGONS)
BACKGROUND_REGIONS = ("background_right", "background_left")
CHEEK_REGIONS = ("right_cheek", "left_cheek")
PERIOCULAR_REGIONS = ("right_periocular", "left_periocular")

SHRINK = 0.12
"""Each polygon shrinks this much toward its centroid so mesh jitter cannot pull hair, brow or
lip pixels in through its edges."""

MIN_SKIN_SHARE = 0.2
"""Below this share of skin-coloured pixels the colour test is wrong for this light or skin
(very dark skin under warm light can fall outside the YCrCb box); then only the brightness
outlier test is applied."""


@dataclass(frozen=True)
class RegionSample:
    """One region in one frame: mean RGB of its skin pixels, how many there were, its centre."""

    rgb: tuple[float, float, float]
    pixels: int
    centre: tuple[float, float]


def skin_mask(crop: NDArray[np.uint8]) -> NDArray[np.bool_]:
    """Skin-coloured pixels by the YCrCb box of Chai & Ngan (Cr 133-173, Cb 77-127)."""
    ycrcb = cv2.cvtColor(crop, cv2.COLOR_RGB2YCrCb)
    cr, cb = ycrcb[..., 1], ycrcb[..., 2]
    return (cr >= 133) & (cr <= 173) & (cb >= 77) & (cb <= 127)


def _brightness_inliers(luma: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Drop specular highlights and dark outliers (brow hairs, nostrils, shadow) by level."""
    if luma.size == 0:
        return np.zeros(0, dtype=bool)
    median = float(np.median(luma))
    return (luma > 0.6 * median) & (luma < min(250.0, 1.35 * median + 10.0))


def shrink_polygon(points: NDArray[np.float64], amount: float = SHRINK) -> NDArray[np.float64]:
    centre = points.mean(axis=0)
    return centre + (points - centre) * (1.0 - amount)


def background_boxes(
    face_box: tuple[float, float, float, float], width: int, height: int
) -> dict[str, tuple[int, int, int, int]]:
    """Two boxes beside the face at cheek height, clipped to the frame: what the light does
    to things that have no blood. (x0, y0, x1, y1); empty boxes are left out."""
    x, y, w, h = face_box
    top, bottom = int(round(y + 0.15 * h)), int(round(y + 0.65 * h))
    boxes = {
        "background_right": (int(round(x - 0.65 * w)), top, int(round(x - 0.15 * w)), bottom),
        "background_left": (int(round(x + 1.15 * w)), top, int(round(x + 1.65 * w)), bottom),
    }
    clipped = {}
    for name, (x0, y0, x1, y1) in boxes.items():
        x0, x1 = max(0, x0), min(width, x1)
        y0, y1 = max(0, y0), min(height, y1)
        if x1 - x0 >= 4 and y1 - y0 >= 4:
            clipped[name] = (x0, y0, x1, y1)
    return clipped


class RegionSampler:
    """Mean colour of every skin region (and the background beside the face) for one frame.

    Holds the last label image so a still face costs one crop and one `bincount` per frame.
    """

    def __init__(
        self,
        regions: tuple[str, ...] = SKIN_REGIONS,
        *,
        skin_filter: bool = True,
        background: bool = True,
    ) -> None:
        unknown = set(regions) - set(SKIN_POLYGONS)
        if unknown:
            raise ValueError(
                f"unknown regions {sorted(unknown)}; known: {', '.join(SKIN_POLYGONS)}"
            )
        self.regions = regions
        self.skin_filter = skin_filter
        self.background = background
        self._key: NDArray[np.float64] | None = None
        self._labels: NDArray[np.int32] | None = None
        self._origin = (0, 0)

    def _label_image(
        self, mesh: NDArray[np.float64], width: int, height: int
    ) -> tuple[NDArray[np.int32], tuple[int, int]]:
        key = mesh[:, :2]
        if (
            self._key is not None
            and self._labels is not None
            and np.abs(key - self._key).max() < 0.5
        ):
            return self._labels, self._origin
        polygons = {name: shrink_polygon(key[list(SKIN_POLYGONS[name])]) for name in self.regions}
        holes = {
            name: key[list(EYE_OPENINGS[name])] for name in self.regions if name in EYE_OPENINGS
        }
        stacked = np.vstack(list(polygons.values()))
        x0 = int(np.clip(np.floor(stacked[:, 0].min()), 0, width - 1))
        y0 = int(np.clip(np.floor(stacked[:, 1].min()), 0, height - 1))
        x1 = int(np.clip(np.ceil(stacked[:, 0].max()) + 1, x0 + 1, width))
        y1 = int(np.clip(np.ceil(stacked[:, 1].max()) + 1, y0 + 1, height))
        labels = np.zeros((y1 - y0, x1 - x0), dtype=np.int32)
        offset = np.array([x0, y0], dtype=np.float64)
        for value, name in enumerate(self.regions, start=1):
            cv2.fillPoly(labels, [np.round(polygons[name] - offset).astype(np.int32)], value)
        for hole in holes.values():
            grown = shrink_polygon(hole, -0.25)
            cv2.fillPoly(labels, [np.round(grown - offset).astype(np.int32)], 0)
        self._key, self._labels, self._origin = key.copy(), labels, (x0, y0)
        return labels, (x0, y0)

    def sample(
        self, image: NDArray[np.uint8], mesh: NDArray[np.float64] | NDArray[np.float32]
    ) -> dict[str, RegionSample]:
        """Per region: mean RGB over its skin pixels (regions with none get 0 pixels)."""
        height, width = image.shape[:2]
        points = np.asarray(mesh, dtype=np.float64)
        labels, (x0, y0) = self._label_image(points, width, height)
        crop = image[y0 : y0 + labels.shape[0], x0 : x0 + labels.shape[1]]
        flat_labels = labels.reshape(-1)
        pixels = crop.reshape(-1, 3).astype(np.float64)
        luma = pixels @ np.array([0.299, 0.587, 0.114])
        keep = flat_labels > 0
        if self.skin_filter:
            keep = keep & self._skin_keep(crop, flat_labels, luma)
        count = len(self.regions) + 1
        used = np.where(keep, flat_labels, 0)
        totals = np.bincount(used, minlength=count).astype(np.float64)
        sums = np.column_stack(
            [np.bincount(used, weights=pixels[:, k], minlength=count) for k in range(3)]
        )
        samples: dict[str, RegionSample] = {}
        for value, name in enumerate(self.regions, start=1):
            n = int(totals[value])
            centre = points[list(SKIN_POLYGONS[name]), :2].mean(axis=0)
            mean = tuple(float(v) for v in sums[value] / n) if n else (0.0, 0.0, 0.0)
            samples[name] = RegionSample(mean, n, (float(centre[0]), float(centre[1])))  # type: ignore[arg-type]
        if self.background:
            samples.update(self._background(image, points))
        return samples

    def _skin_keep(
        self, crop: NDArray[np.uint8], labels: NDArray[np.int32], luma: NDArray[np.float64]
    ) -> NDArray[np.bool_]:
        keep = np.zeros(labels.shape[0], dtype=bool)
        colour = skin_mask(crop).reshape(-1)
        for value in range(1, len(self.regions) + 1):
            inside = labels == value
            if not inside.any():
                continue
            candidates = inside & colour
            if candidates.sum() < MIN_SKIN_SHARE * inside.sum():
                candidates = inside
            index = np.flatnonzero(candidates)
            keep[index[_brightness_inliers(luma[index])]] = True
        return keep

    def _background(
        self, image: NDArray[np.uint8], mesh: NDArray[np.float64]
    ) -> dict[str, RegionSample]:
        height, width = image.shape[:2]
        x_min, y_min = mesh[:, :2].min(axis=0)
        x_max, y_max = mesh[:, :2].max(axis=0)
        boxes = background_boxes((x_min, y_min, x_max - x_min, y_max - y_min), width, height)
        samples = {}
        for name in BACKGROUND_REGIONS:
            if name not in boxes:
                samples[name] = RegionSample((0.0, 0.0, 0.0), 0, (0.0, 0.0))
                continue
            x0, y0, x1, y1 = boxes[name]
            patch = image[y0:y1:2, x0:x1:2].reshape(-1, 3)
            mean = patch.mean(axis=0)
            samples[name] = RegionSample(
                (float(mean[0]), float(mean[1]), float(mean[2])),
                int(patch.shape[0]),
                ((x0 + x1) / 2.0, (y0 + y1) / 2.0),
            )
        return samples


def sample_full_frame(image: NDArray[np.uint8], stride: int = 2) -> RegionSample:
    """The whole frame treated as skin (for skin-crop videos): mean RGB of every `stride` pixel."""
    patch = image[::stride, ::stride].reshape(-1, 3)
    mean = patch.mean(axis=0)
    return RegionSample(
        (float(mean[0]), float(mean[1]), float(mean[2])),
        int(patch.shape[0]),
        (image.shape[1] / 2.0, image.shape[0] / 2.0),
    )
