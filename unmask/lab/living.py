"""A living face from one photo: pulse in the skin, blinks, expressions, head motion.

Appearance (pulse, lids) is painted in the photo's own coordinates; geometry (expressions, head
motion with parallax from a face relief) is a backward map per frame for `cv2.remap`. Keeping the
two apart lets masks reuse the geometry with a different skin and lets every extra channel follow
exactly the motion of the colour frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from scipy.interpolate import LinearNDInterpolator

from unmask.lab.camera import stack_mix
from unmask.lab.layout import FaceLayout, head_mask, polygon_mask, relief, skin_mask, soften
from unmask.lab.motion import EXPRESSIONS, HeadMotion
from unmask.lab.waveform import Pulse
from unmask.pulse.synthetic import BLOOD_SIGNATURE

Image = NDArray[np.float32]
Array = NDArray[np.float64]
# An eye box (y0, y1, x0, x1), its pixel grid (x, y), each pixel's height in the eye opening,
# the share of the eye's height the lid travels there (less at the corners), the eye's height (px).
Lid = tuple[tuple[int, int, int, int], Image, Image, Image, Image, float]

# Relative pulse amplitude per RGB channel: the blood-volume signature of skin seen by a webcam
# (de Haan & van Leest 2014), scaled so green is 1.
PBV = (BLOOD_SIGNATURE / BLOOD_SIGNATURE[1]).astype(np.float32)
# Pulse regions as (name, offset from the eye midpoint in eye distances (across, down),
# radius, amplitude factor). `pulse_amplitude` is the face's skin-average amplitude; forehead and
# cheeks carry the strongest rPPG signal, nose, chin and the skin round the eyes less (Kamshilin
# 2011; Lempe 2013), so
# their factors sit above 1 and the others below. Each region gets its own small phase delay.
REGIONS = (
    ("forehead", (0.0, -0.75), 0.55, 1.3),
    ("right_cheek", (-0.55, 0.6), 0.35, 1.4),
    ("left_cheek", (0.55, 0.6), 0.35, 1.4),
    ("nose", (0.0, 0.45), 0.25, 0.7),
    ("chin", (0.0, 1.55), 0.3, 0.6),
    ("periocular", (0.0, 0.05), 0.6, 0.7),
)


# Smooth fields (warps, pulse regions) are computed on a grid this many times coarser and
# upsampled bilinearly: they vary over tens of pixels, so this costs nothing visible and saves
# most of the per-frame arithmetic.
COARSE = 4


def coarse_size(shape: tuple[int, int]) -> tuple[int, int]:
    """(width, height) of the coarse grid for a full (height, width)."""
    return max(shape[1] // COARSE, 2), max(shape[0] // COARSE, 2)


def coarse_grid(shape: tuple[int, int]) -> tuple[Image, Image]:
    """Full-resolution pixel coordinates of the coarse grid's samples, matching cv2.resize's
    pixel-centre convention so upsampling puts every value back where it was computed."""
    width, height = coarse_size(shape)
    sx, sy = shape[1] / width, shape[0] / height
    gy, gx = np.mgrid[0:height, 0:width].astype(np.float32)
    return (gx + 0.5) * np.float32(sx) - 0.5, (gy + 0.5) * np.float32(sy) - 0.5


def upsample(coarse: NDArray[np.float32], shape: tuple[int, int]) -> NDArray[np.float32]:
    return np.asarray(
        cv2.resize(coarse, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR), dtype=np.float32
    )


@dataclass(frozen=True, eq=False)
class Geometry:
    """What moves a face: its relief, the region that moves with the head, expression fields."""

    layout: FaceLayout
    height: Image
    head: Image
    fields: NDArray[np.float32]  # (len(EXPRESSIONS), h, w, 2) coarse backward displacement per unit
    grid: tuple[Image, Image]  # full-resolution pixel coordinates
    coarse: tuple[Image, Image, Image, Image]  # x, y, height, head on the coarse grid

    @classmethod
    def build(cls, layout: FaceLayout, shape: tuple[int, int]) -> Geometry:
        yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
        height, head = relief(layout, shape), head_mask(layout, shape)
        gx, gy = coarse_grid(shape)
        small = coarse_size(shape)
        coarse = (
            gx,
            gy,
            np.asarray(cv2.resize(height, small, interpolation=cv2.INTER_AREA), dtype=np.float32),
            np.asarray(cv2.resize(head, small, interpolation=cv2.INTER_AREA), dtype=np.float32),
        )
        return cls(layout, height, head, expression_fields(layout, shape), (xx, yy), coarse)

    def maps(self, motion: HeadMotion, index: int, expression: Array | None) -> tuple[Image, Image]:
        """Backward sampling maps for frame `index`: head rigid motion (about the face centre,
        fading to a still background), parallax of the relief under yaw/pitch, expressions."""
        xx, yy, height, head = self.coarse
        cx, cy = self.layout.oval.mean(axis=0)
        angle, scale = motion.roll[index], motion.scale[index]
        cos, sin = np.float32(np.cos(-angle) / scale), np.float32(np.sin(-angle) / scale)
        qx = xx - np.float32(cx + motion.dx[index])
        qy = yy - np.float32(cy + motion.dy[index])
        shift = np.empty((*xx.shape, 2), dtype=np.float32)
        shift[..., 0] = head * (np.float32(cx) + cos * qx - sin * qy - xx)
        shift[..., 0] -= np.float32(np.sin(motion.yaw[index])) * height
        shift[..., 1] = head * (np.float32(cy) + sin * qx + cos * qy - yy)
        shift[..., 1] += np.float32(np.sin(motion.pitch[index])) * height
        if expression is not None and np.any(expression):
            shift -= stack_mix(self.fields, expression)
        full = upsample(shift, self.height.shape)
        return self.grid[0] + full[..., 0], self.grid[1] + full[..., 1]


def expression_fields(layout: FaceLayout, shape: tuple[int, int]) -> NDArray[np.float32]:
    """Dense displacement per expression, piecewise-affine over a triangulation of the face's
    control points (Delaunay, via LinearNDInterpolator) with the image border held still.

    Displacements at full activation, in eye-centre distances (about 63 mm): smile pulls the lip
    corners out 0.10 and up 0.10 (0.14, 9 mm, at about 45 degrees) and lifts the cheeks 0.07;
    brow raise lifts the brows 0.12 (7.5 mm); mouth opening drops the lower lip 0.22 (14 mm), the
    chin 0.18 and the lower cheeks 0.05. Marker studies of maximal contractions report oral
    commissures moving 6.5-12 mm in a smile and brows 6-13 mm (Vicon, 12 adults; Braz J
    Otorhinolaryngol 2008, "Objective computerized evaluation of normal patterns of facial muscles
    contraction") with the corners moving laterally and upwards at about 47 degrees (Van der Geld
    2005, spontaneous smiles); lip opening in conversational speech is about 1-2 cm. Episodes are
    scaled by a strength of 0.4-1, so the lab spans moderate to near-maximal expressions.
    """
    height, width = shape
    d = layout.interocular
    cos, sin = np.cos(layout.roll), np.sin(layout.roll)
    centre = layout.eye_centres.mean(axis=0)

    def to_face(points: NDArray[np.float32]) -> NDArray[np.float64]:
        rel = (points - centre) / d
        return np.stack([rel[:, 0] * cos + rel[:, 1] * sin, -rel[:, 0] * sin + rel[:, 1] * cos], 1)

    def to_image_vector(vectors: NDArray[np.float64]) -> NDArray[np.float64]:
        return d * np.stack(
            [vectors[:, 0] * cos - vectors[:, 1] * sin, vectors[:, 0] * sin + vectors[:, 1] * cos],
            1,
        )

    cheeks = np.array([[-0.55, 0.6], [0.55, 0.6]])
    cheek_points = (centre + to_image_vector(cheeks)).astype(np.float32)
    nodes = np.concatenate([layout.control_points(), cheek_points])
    face = to_face(nodes)
    lips = to_face(layout.lips)
    lip_mid = lips.mean(axis=0)
    lip_half = max(float(np.abs(lips[:, 0] - lip_mid[0]).max()), 1e-3)
    n_oval = len(layout.oval)
    is_oval = np.zeros(len(nodes), dtype=bool)
    is_oval[:n_oval] = True
    is_brow = np.zeros(len(nodes), dtype=bool)
    start = n_oval + len(layout.right_eye) + len(layout.left_eye)
    is_brow[start : start + len(layout.right_brow) + len(layout.left_brow)] = True
    start += len(layout.right_brow) + len(layout.left_brow)
    is_lip = np.zeros(len(nodes), dtype=bool)
    is_lip[start : start + len(layout.lips)] = True
    is_cheek = np.zeros(len(nodes), dtype=bool)
    is_cheek[-2:] = True

    moves = np.zeros((len(EXPRESSIONS), len(nodes), 2))
    corner = np.clip((np.abs(face[:, 0] - lip_mid[0]) / lip_half) ** 2, 0, 1)
    side = np.sign(face[:, 0] - lip_mid[0])
    # The lips stretch sideways (linearly, so the whole mouth widens) and rise, the corners most.
    stretch = np.clip(np.abs(face[:, 0] - lip_mid[0]) / lip_half, 0, 1)
    moves[0, is_lip, 0] = 0.11 * stretch[is_lip] * side[is_lip]
    moves[0, is_lip, 1] = -0.03 - 0.08 * corner[is_lip]
    moves[0, is_cheek, 1] = -0.07
    moves[1, is_brow, 1] = -0.12
    moves[1, is_oval & (face[:, 1] < -0.6), 1] = -0.04
    lower_lip = is_lip & (face[:, 1] > lip_mid[1])
    moves[2, lower_lip, 1] = 0.22 * (1 - 0.5 * corner[lower_lip])
    chin = is_oval & (face[:, 1] > 1.2) & (np.abs(face[:, 0]) < 0.7)
    moves[2, chin, 1] = 0.18
    # The jaw drags the lower cheek skin with it: the cheeks of a talking face move with the mouth.
    moves[2, is_cheek, 1] = 0.05

    border = np.array(
        [[x, y] for x in np.linspace(0, width - 1, 5) for y in (0, height - 1)]
        + [[x, y] for y in np.linspace(0, height - 1, 5)[1:-1] for x in (0, width - 1)],
        dtype=np.float32,
    )
    anchors = np.concatenate([nodes, border])
    gx, gy = coarse_grid(shape)
    vectors = np.concatenate(
        [
            np.concatenate([to_image_vector(m) for m in moves], axis=1),
            np.zeros((len(border), 2 * len(EXPRESSIONS))),
        ]
    )
    coarse = LinearNDInterpolator(anchors, vectors, fill_value=0.0)(gx, gy).astype(np.float32)
    fields = coarse.reshape(*gx.shape, len(EXPRESSIONS), 2).transpose(2, 0, 1, 3)
    return np.ascontiguousarray(fields)


@dataclass(frozen=True, eq=False)
class Skin:
    """The photo made alive in its own coordinates: a pulse in the skin, lids that close."""

    base: Image
    pulse: Pulse
    amplitude: float
    weights: NDArray[np.float32]  # (regions, h, w) on the coarse grid: share x amplitude factor
    skin: Image  # full-resolution skin mask the pulse is confined to
    delays: Array  # seconds, per region
    lids: tuple[Lid, ...]

    @classmethod
    def build(
        cls,
        base: Image,
        layout: FaceLayout,
        pulse: Pulse,
        amplitude: float,
        delay_spread_s: float,
        rng: np.random.Generator,
        region: Image | None = None,
    ) -> Skin:
        """`region` limits where the pulse shows (a mask's eye holes); None means all skin."""
        shape = base.shape[:2]
        skin = skin_mask(layout, shape)
        if region is not None:
            skin = skin * region
        xx, yy = coarse_grid(shape)
        blobs = []
        for name, *_ in REGIONS:
            px, py, radius = region_centre(layout, name)
            blobs.append(np.exp(-((xx - px) ** 2 + (yy - py) ** 2) / (2 * radius**2)))
        # A partition of the skin among regions, each scaled by its factor: regions share the
        # skin smoothly while each keeps its own delay.
        total = np.maximum(np.sum(blobs, axis=0), 1e-6)
        weights = np.stack([f * b / total for b, (*_, f) in zip(blobs, REGIONS, strict=True)])
        delays = rng.uniform(0, delay_spread_s, len(REGIONS))
        lids = eyelids(base, layout)
        return cls(base, pulse, amplitude, weights.astype(np.float32), skin, delays, lids)

    def frame(self, t: float, closure: float, gain: float = 1.0) -> Image:
        """Colour image at time `t` with lids `closure` closed; `gain` scales the pulse."""
        signal = self.pulse.sample(t - self.delays)
        coarse = stack_mix(self.weights, signal)
        modulation = (
            upsample(coarse * np.float32(gain * self.amplitude), self.skin.shape) * self.skin
        )
        image = (self.base * (1.0 + modulation[..., None] * PBV)).astype(np.float32)
        return close_lids(image, self.lids, closure) if closure > 0 else image


def eyelids(base: Image, layout: FaceLayout) -> tuple[Lid, ...]:
    """Per eye, what `close_lids` needs (see `Lid`).

    The lid moves geometrically, not as a painted cover, because what sees blinks (a face mesh's
    eye aspect ratio, a person) follows the lid margin.
    """
    shape = base.shape[:2]
    lids = []
    for eye in (layout.right_eye, layout.left_eye):
        x0, y0 = np.floor(eye.min(axis=0) - 0.3 * layout.interocular).astype(int)
        x1, y1 = np.ceil(eye.max(axis=0) + 0.3 * layout.interocular).astype(int)
        x0, y0 = max(int(x0), 0), max(int(y0), 0)
        x1, y1 = min(int(x1), shape[1]), min(int(y1), shape[0])
        if x1 <= x0 or y1 <= y0:
            continue
        # The mesh's eye contour sits inside the visible opening (it is regularised towards a
        # mean eye), so the lid sweeps an opening 1.8 times the contour's height.
        middle = 0.5 * float(eye[:, 1].min() + eye[:, 1].max())
        height = max(1.8 * float(np.ptp(eye[:, 1])), 1.0)
        top = middle - 0.5 * height
        yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        left, right = float(eye[:, 0].min()), float(eye[:, 0].max())
        across = (xx - 0.5 * (left + right)) / max(0.6 * (right - left), 1.0)
        share = np.sqrt(np.clip(1 - across**2, 0, 1)).astype(np.float32)
        rows = ((yy - top) / height).astype(np.float32)
        lids.append(
            ((y0, y1, x0, x1), xx - np.float32(x0), yy - np.float32(y0), rows, share, height)
        )
    return tuple(lids)


def close_lids(image: Image, lids: tuple[Lid, ...], closure: float) -> Image:
    """Slide each upper lid down as a sheet by `closure` of its travel: below the eye's top the
    lid skin (margin and lashes first) covers the eye down to the margin, which leaves the eye
    as it is; above, the lid skin unfolds over one eye height, so the brow stays still."""
    out = image.copy()
    for (y0, y1, x0, x1), xx, yy, rows, share, height in lids:
        reach = np.float32(closure) * share
        drop = np.float32(height) * reach
        over_eye = (rows >= 0) & (rows <= 1.05 * reach) & (share > 0)
        covered = np.where(rows < 0, np.clip(1 + rows, 0, 1), over_eye).astype(np.float32)
        patch = np.ascontiguousarray(image[y0:y1, x0:x1])
        lowered = cv2.remap(
            patch, xx, yy - drop * covered, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        out[y0:y1, x0:x1] = np.asarray(lowered, dtype=np.float32)
    return out


def retint(base: Image, layout: FaceLayout, darkening: float) -> Image:
    """Darken the face's skin towards browner tones (melanin absorbs blue most), so skin-tone
    dependence can be exercised with light-skinned source photos."""
    if darkening <= 0:
        return base
    shape = base.shape[:2]
    face = soften(polygon_mask(shape, layout.oval, grow=1.0), 0.06 * layout.interocular)
    absorb = np.array([0.6, 0.68, 0.74], dtype=np.float32) * darkening
    return (base * (1.0 - face[..., None] * absorb)).astype(np.float32)


def region_centre(layout: FaceLayout, name: str) -> tuple[float, float, float]:
    """(x, y, radius) in pixels of one of the pulse `REGIONS` on this face."""
    (u, v), radius = next((offset, r) for n, offset, r, _ in REGIONS if n == name)
    d = layout.interocular
    centre = layout.eye_centres.mean(axis=0)
    cos, sin = np.cos(layout.roll), np.sin(layout.roll)
    return (
        float(centre[0] + d * (u * cos - v * sin)),
        float(centre[1] + d * (u * sin + v * cos)),
        float(radius * d),
    )


def skin_ita(base: Image, layout: FaceLayout) -> float:
    """Individual typology angle (degrees) of the cheeks: > 55 very light, < -30 dark (Chardon
    1991). Cheeks, as in colorimetric skin-tone studies: away from brows, beard line and the
    nose's highlight. The lab scales pulse amplitude with it."""
    shape = base.shape[:2]
    cheeks = np.zeros(shape, dtype=np.float32)
    for name in ("right_cheek", "left_cheek"):
        x, y, radius = region_centre(layout, name)
        cv2.circle(cheeks, (int(round(x)), int(round(y))), max(int(0.7 * radius), 1), 1.0, -1)
    mask = (skin_mask(layout, shape) > 0.5) & (cheeks > 0)
    if not mask.any():
        mask = skin_mask(layout, shape) > 0.5
    if not mask.any():
        return 0.0
    rgb = np.clip(np.median(base[mask], axis=0), 0, 1).reshape(1, 1, 3).astype(np.float32)
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab)[0, 0]
    return float(np.degrees(np.arctan2(lab[0] - 50.0, max(float(lab[2]), 1e-3))))


def tone_factor(ita: float) -> float:
    """Pulse amplitude factor by skin tone: 1 for light skin falling to 0.35 for dark skin.

    Melanin absorbs the light that would have probed the blood, so rPPG SNR drops for darker
    skin (Nowara et al. 2020; Dasari et al. 2021); the linear ramp over ITA is an assumption.
    """
    return float(np.clip(0.35 + 0.65 * (ita + 30.0) / 85.0, 0.35, 1.0))
