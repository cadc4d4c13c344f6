"""Recapture physics on REAL photos: the same capture seen directly, printed, or on a screen.

The texture model of the first PAD release learned "renderer versus camera" and called every
real person an attack. Here the bona fide class is a real capture and each attack is a physical
model of re-photographing THAT capture, with one camera model drawn per source and shared by all
its versions, so the only thing a classifier can learn is the attack:

- print: the photo is converted to ink coverage (gamut compression, dot gain), screened as an
  amplitude-modulated (clustered-dot, four inks at the classic angles) or stochastic (inkjet)
  halftone on paper (white point, texture, bend, tilt, sheen, raised black), optionally with a
  white paper margin, visible paper edges and fingers holding the sheet;
- screen: the photo is shown with a display's gamma, white point and black level through its
  RGB sub-pixel grid at a random pitch and angle (moire comes from resampling it), with rolling
  refresh bands, glare, a reflection of the room and a bezel;
- camera (both classes, identically distributed): optics blur, motion blur, auto exposure,
  white-balance error, signal-dependent sensor noise, tone curve, sharpening, resolution loss,
  JPEG.

Periodic structure finer than a camera pixel is evaluated on a supersampled grid and box
averaged onto the camera pixels (what the sensor's pixel area does), so aliasing into moire
follows from the geometry, not from a drawn pattern. Every range lives in RANGES with its
source; docs/recapture.md repeats the table.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from unmask.lab.planes import background, pixel_grid, refresh_bands
from unmask.lab.ranges import Range
from unmask.media.jpeg import recompressed
from unmask.species import BONA_FIDE
from unmask.types import Box

Image = NDArray[np.float32]
KINDS = (BONA_FIDE, "print", "screen")
CAMERA = (BONA_FIDE, "print", "screen")
PRINT = ("print",)
SCREEN = ("screen",)
# Supersampling: at least this many samples per period of the finest periodic structure, at
# most MAX_SUPERSAMPLE per camera pixel; structure finer than UNRESOLVED_PX camera pixels is
# averaged analytically (its only trace is grain), because the lens and the pixel area remove it.
SAMPLES_PER_PERIOD = 3.0
MAX_SUPERSAMPLE = 6
UNRESOLVED_PX = 0.35
SENSOR_FACE_MAX = 480.0
CHUNK_ROWS = 24
LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)

RANGES: dict[str, Range] = {
    # Geometry shared by every class.
    "face_px": Range(
        64, 320, "face box sizes of webcams at 0.5-1 m up to phones at arm's length", CAMERA
    ),
    "roll_deg": Range(-6, 6, "assumption: head or camera slightly rolled", CAMERA),
    # Camera: the same distribution for every class, one draw per source photo.
    "blur_sigma_px": Range(
        0.3,
        1.4,
        "MTF50 of phone and webcam optics is about 0.15-0.35 cycles per sensor px, a Gaussian "
        "PSF of sigma 0.4-1.0 px; defocus adds more (assumption for the tails)",
        CAMERA,
    ),
    "motion_blur_px": Range(0, 4, "hand-held capture at 1/30-1/60 s (assumption)", CAMERA),
    "exposure_ev": Range(-0.8, 0.8, "auto-exposure error of consumer cameras (assumption)", CAMERA),
    "wb_error": Range(0, 0.06, "grey-world white balance error of 2-6 % per channel", CAMERA),
    "shot_noise": Range(
        2e-4,
        3e-3,
        "photon noise variance per unit signal: full wells of ~300-5000 e- at the used ISO "
        "(Foi et al. 2008, Poissonian-Gaussian model)",
        CAMERA,
    ),
    "read_noise": Range(
        0.001, 0.008, "read noise 0.1-0.8 % of full scale (Foi et al. 2008)", CAMERA
    ),
    "contrast_curve": Range(0, 0.3, "camera tone curves add an S-curve (assumption)", CAMERA),
    "sharpen": Range(0, 0.8, "phone ISPs unsharp-mask their output (assumption)", CAMERA),
    "resolution_loss": Range(
        0.5, 1.0, "digital zoom or video scaling before encoding (assumption)", CAMERA
    ),
    "jpeg_quality": Range(35, 95, "web and phone JPEG qualities (libjpeg scale)", CAMERA),
    "sensor_scale": Range(
        1.0,
        2.5,
        "sensor pitch finer than the stream: 12 MP phone sensors deliver 1080p (2.8x), 1080p "
        "webcams deliver 480p-720p (1.5-2.25x); drawn for 60 % of cameras, capped so the face "
        "spans at most 480 sensor px (cost)",
        CAMERA,
    ),
    # Print.
    "lpi": Range(
        85,
        175,
        "amplitude-modulated screens: newsprint 85 lpi, office laser 100-150, magazines "
        "133-150, fine art 175 (offset printing practice)",
        PRINT,
    ),
    "dpi": Range(300, 1200, "inkjet and laser addressable resolution", PRINT),
    "print_face_mm": Range(
        50, 200, "face height on the sheet: from a 10x15 cm photo to life size on A4", PRINT
    ),
    "ink_saturation": Range(
        0.7,
        1.0,
        "office printers reproduce roughly 50-80 % of sRGB's gamut volume, photo printers "
        "nearly all of a face's colours; saturated colours are compressed (assumption derived "
        "from published printer gamut volumes)",
        PRINT,
    ),
    "dot_gain": Range(0.0, 0.15, "uncompensated tone value increase at 50 % (ISO 12647-2)", PRINT),
    "ink_crosstalk": Range(
        0.05, 0.25, "real inks absorb outside their band (block-dye Neugebauer model)", PRINT
    ),
    "ink_density": Range(
        1.4,
        2.4,
        "maximum optical density of solid ink on office to photo paper: reflectance 10**-density",
        PRINT,
    ),
    "paper_white": Range(0.8, 0.92, "paper reflectance (ISO brightness 80-92 %)", PRINT),
    "paper_tint": Range(0, 0.04, "warm or cool tint of office papers (assumption)", PRINT),
    "paper_texture": Range(0.002, 0.015, "fibre and coating non-uniformity (assumption)", PRINT),
    "gloss": Range(
        0,
        0.3,
        "specular sheen: drawn from 0-0.04 (matte, 70 %) or 0.05-0.3 (glossy photo paper in the "
        "specular direction, 30 %); assumption",
        PRINT,
    ),
    "print_detail": Range(
        0.3,
        0.7,
        "finest detail a halftone renders, as a Gaussian sigma in halftone cells (a screen "
        "resolves about one line pair per cell)",
        PRINT,
    ),
    "bend_radius_faces": Range(
        1.5, 8.0, "a hand-held sheet bends with a radius of a few face heights (assumption)", PRINT
    ),
    "tilt_deg": Range(0, 15, "the held sheet or screen is rarely square to the camera", CAMERA),
    "copy_resolution": Range(
        0.35,
        1.0,
        "the attacker's copy of the photo (social media, a screenshot) holds the face at 35-100 %"
        " of this capture's resolution; drawn for half the attacks (assumption)",
        ("print", "screen"),
    ),
    "light_falloff": Range(0, 0.25, "uneven light over a flat sheet (assumption)", PRINT),
    # Screen.
    "pixel_pitch_mm": Range(
        0.055,
        0.28,
        "460 ppi phones to 90 ppi monitors (manufacturer specifications)",
        SCREEN,
    ),
    "screen_face_mm": Range(40, 200, "face height on a phone, tablet or monitor", SCREEN),
    "display_gamma": Range(1.8, 2.6, "measured display gammas around sRGB's 2.2", SCREEN),
    "white_red": Range(0.85, 1.0, "native white points 6500-9300 K: red relative to green", SCREEN),
    "white_blue": Range(
        1.0, 1.2, "native white points 6500-9300 K: blue relative to green", SCREEN
    ),
    "screen_saturation": Range(
        0.9, 1.2, "panel gamuts from below sRGB to Display P3 (assumption)", SCREEN
    ),
    "screen_black": Range(
        0.001, 0.03, "contrast 1000:1 head-on; backlight leak and viewing angle raise it", SCREEN
    ),
    "subpixel_fill": Range(
        0.2, 0.7, "depth of the sub-pixel grid at the camera (assumption)", SCREEN
    ),
    "refresh_amplitude": Range(
        0, 0.08, "PWM dimming and refresh seen by a rolling shutter", SCREEN
    ),
    "refresh_hz": Range(60, 480, "refresh and PWM frequencies of phones and monitors", SCREEN),
    "glare": Range(0, 0.3, "reflection of a room light on glass (assumption)", SCREEN),
    "room_reflection": Range(0, 0.08, "reflection of the room on the glass (assumption)", SCREEN),
}


@dataclass(frozen=True, eq=False)
class Shot:
    """One simulated capture: the picture, the face box in it, and what was drawn to make it."""

    image: NDArray[np.uint8]
    box: Box
    kind: str
    params: dict[str, Any]


def draw(names: tuple[str, ...], rng: np.random.Generator) -> dict[str, float]:
    return {name: RANGES[name].draw(rng) for name in names}


def sample_camera(rng: np.random.Generator) -> dict[str, Any]:
    """One camera, to be shared by a source photo's bona fide and attack versions."""
    params: dict[str, Any] = draw(
        (
            "blur_sigma_px",
            "exposure_ev",
            "wb_error",
            "shot_noise",
            "read_noise",
            "contrast_curve",
            "sharpen",
            "jpeg_quality",
            "roll_deg",
        ),
        rng,
    )
    low, high = RANGES["face_px"].low, RANGES["face_px"].high
    params["face_px"] = float(np.exp(rng.uniform(np.log(low), np.log(high))))
    params["motion_blur_px"] = RANGES["motion_blur_px"].draw(rng) if rng.random() < 0.2 else 0.0
    params["sensor_scale"] = RANGES["sensor_scale"].draw(rng) if rng.random() < 0.6 else 1.0
    params["resolution_loss"] = RANGES["resolution_loss"].draw(rng) if rng.random() < 0.25 else 1.0
    params["second_jpeg"] = float(RANGES["jpeg_quality"].draw(rng)) if rng.random() < 0.3 else 0.0
    params["wb_gains"] = [float(np.exp(rng.normal(0, params["wb_error"]))) for _ in range(3)]
    params["seed"] = int(rng.integers(2**31))
    return params


def to_linear(image: NDArray[np.uint8]) -> Image:
    value = image.astype(np.float32) / 255.0
    return np.where(value <= 0.04045, value / 12.92, ((value + 0.055) / 1.055) ** 2.4).astype(
        np.float32
    )


def to_srgb(linear: Image) -> Image:
    value = np.clip(linear, 0.0, 1.0)
    return np.where(
        value <= 0.0031308, value * 12.92, 1.055 * np.power(value, 1 / 2.4) - 0.055
    ).astype(np.float32)


@dataclass(frozen=True)
class View:
    """Where each camera pixel looks on the source photo.

    The face centre sits at the frame centre; `scale` is camera px per source px. Attacks add
    a tilt (homography about the face centre) and a cylindrical bend of the sheet.
    """

    size: int
    centre_src: tuple[float, float]
    scale: float
    roll: float
    tilt: NDArray[np.float64]
    bend_radius: float

    def source_coords(
        self, xs: NDArray[np.float32], ys: NDArray[np.float32]
    ) -> tuple[Image, Image, Image]:
        """Source (u, v) and the bend's cosine (shading) at camera points (xs, ys)."""
        c = self.size / 2.0
        h = self.tilt
        w = h[2, 0] * (xs - c) + h[2, 1] * (ys - c) + h[2, 2]
        x = (h[0, 0] * (xs - c) + h[0, 1] * (ys - c) + h[0, 2]) / w
        y = (h[1, 0] * (xs - c) + h[1, 1] * (ys - c) + h[1, 2]) / w
        shade = np.ones_like(x)
        if self.bend_radius > 0:
            ratio = np.clip(x / self.bend_radius, -0.999, 0.999)
            x = self.bend_radius * np.arcsin(ratio)
            shade = np.sqrt(1.0 - ratio**2)
        cos, sin = math.cos(self.roll), math.sin(self.roll)
        u = (cos * x + sin * y) / self.scale + self.centre_src[0]
        v = (-sin * x + cos * y) / self.scale + self.centre_src[1]
        return u.astype(np.float32), v.astype(np.float32), shade.astype(np.float32)

    def grid(
        self, supersample: int = 1, rows: tuple[int, int] | None = None
    ) -> tuple[Image, Image]:
        """Camera sample positions (pixel centres, or `supersample`^2 sub-samples each)."""
        r0, r1 = rows or (0, self.size)
        offsets = (np.arange(supersample, dtype=np.float32) + 0.5) / supersample
        ys = (np.arange(r0, r1, dtype=np.float32)[:, None] + offsets[None, :]).ravel()
        xs = (np.arange(self.size, dtype=np.float32)[:, None] + offsets[None, :]).ravel()
        return np.meshgrid(xs, ys)


def tilt_homography(degrees: float, rng: np.random.Generator, focal: float) -> NDArray[np.float64]:
    """Camera -> plane coordinates (both centred on the face) of a plane turned by `degrees`
    about an axis through the face, seen from `focal` pixels away: the face stays put and the
    rest of the plane foreshortens (keystone)."""
    angle = math.radians(degrees)
    direction = rng.uniform(0, 2 * math.pi)
    axis = np.array([math.cos(direction), math.sin(direction), 0.0])
    rotation, _ = cv2.Rodrigues(axis * angle)
    forward = np.array(
        [
            [rotation[0, 0], rotation[0, 1], 0.0],
            [rotation[1, 0], rotation[1, 1], 0.0],
            [rotation[2, 0] / focal, rotation[2, 1] / focal, 1.0],
        ]
    )
    return np.asarray(np.linalg.inv(forward), dtype=np.float64)


Pattern = Callable[[Image, Image, slice], Image]


def supersampled(view: View, supersample: int, pattern: Pattern, channels: int) -> Image:
    """Box average over each camera pixel of `pattern(u, v, rows)` (source coords), in row
    chunks; `rows` is the chunk's slice of camera rows, for per-pixel inputs such as coverage."""
    out = np.empty((view.size, view.size, channels), dtype=np.float32)
    s = supersample
    for r0 in range(0, view.size, CHUNK_ROWS):
        r1 = min(view.size, r0 + CHUNK_ROWS)
        xs, ys = view.grid(s, (r0, r1))
        u, v, _ = view.source_coords(xs, ys)
        values = pattern(u, v, slice(r0, r1)).reshape(r1 - r0, s, view.size, s, channels)
        out[r0:r1] = values.mean(axis=(1, 3))
    return out


def per_subsample(values: Image, s: int) -> Image:
    """A per-camera-pixel array repeated onto its s x s sub-samples."""
    return np.repeat(np.repeat(values, s, axis=0), s, axis=1)


def remap(image: Image, u: Image, v: Image, border: int = cv2.BORDER_REFLECT) -> Image:
    return np.asarray(cv2.remap(image, u, v, cv2.INTER_LINEAR, borderMode=border), np.float32)


def supersample_for(period_px: float) -> int:
    return int(np.clip(math.ceil(SAMPLES_PER_PERIOD / period_px), 1, MAX_SUPERSAMPLE))


# --- print -------------------------------------------------------------------------------------

SCREEN_ANGLES = (15.0, 75.0, 0.0, 45.0)  # cyan, magenta, yellow, black: conventional AM angles


def ink_coverage(linear: Image, params: dict[str, Any]) -> Image:
    """CMYK coverage (H, W, 4) a printer lays down for a linear RGB image.

    Colour management is modelled by its net effect: saturation compressed into the ink gamut,
    under-colour removal into black, and the residual dot gain it does not cancel.
    """
    encoded = to_srgb(linear)
    grey = encoded @ LUMA
    encoded = grey[..., None] + params["ink_saturation"] * (encoded - grey[..., None])
    cmy = 1.0 - np.clip(encoded, 0.0, 1.0)
    # Grey component replacement: black ink where all three colours overlap, half of that
    # taken out of the colours (a solid black is K plus 50 % CMY, a "rich black").
    black = cmy.min(axis=-1, keepdims=True)
    cmyk = np.concatenate([cmy - 0.5 * black, black], axis=-1)
    return np.clip(cmyk + 4.0 * params["dot_gain"] * cmyk * (1.0 - cmyk), 0.0, 1.0).astype(
        np.float32
    )


def ink_transmission(params: dict[str, Any]) -> NDArray[np.float32]:
    """RGB transmission of each ink layer (4, 3): its own band at 10**-density, cross-talk
    elsewhere; black absorbs all three."""
    solid = 10.0 ** -params["ink_density"]
    leak = 1.0 - params["ink_crosstalk"]
    table = np.full((4, 3), leak, dtype=np.float32)
    for ink in range(3):
        table[ink, ink] = solid
    table[3, :] = solid
    return table


def halftone_pattern(
    coverage: Image, period_src: float, transmission: NDArray[np.float32], s: int
) -> Pattern:
    """Clustered-dot screen: ink k is down where its spot function lies under its coverage;
    each sub-sample transmits the product of the inks down there (Neugebauer mixing)."""

    def pattern(u: Image, v: Image, rows: slice) -> Image:
        cover = per_subsample(coverage[rows], s)
        result = np.ones((*u.shape, 3), dtype=np.float32)
        for ink, angle in enumerate(SCREEN_ANGLES):
            a = math.radians(angle)
            k = 2 * math.pi / period_src
            p = (u * math.cos(a) + v * math.sin(a)) * k
            q = (v * math.cos(a) - u * math.sin(a)) * k
            down = (0.5 - 0.25 * (np.cos(p) + np.cos(q))) < cover[..., ink]
            result *= np.where(down[..., None], transmission[ink], np.float32(1.0))
        return result

    return pattern


def expected_print(coverage: Image, transmission: NDArray[np.float32]) -> Image:
    """Mean transmission of randomly placed dots (Demichel: inks independent)."""
    result = np.ones((*coverage.shape[:2], 3), dtype=np.float32)
    for ink in range(4):
        result *= 1.0 - coverage[..., ink : ink + 1] * (1.0 - transmission[ink])
    return result


def dot_grain(
    coverage: Image, transmission: NDArray[np.float32], dots_per_px: float, rng: np.random.Generator
) -> Image:
    """Binomial grain of dots too small to resolve: sd sqrt(c(1-c)/N) per ink, N dots a pixel."""
    count = max(dots_per_px, 1.0) ** 2
    grain = np.zeros((*coverage.shape[:2], 3), dtype=np.float32)
    for ink in range(4):
        c = coverage[..., ink : ink + 1]
        noise = rng.standard_normal(coverage.shape[:2]).astype(np.float32)[..., None]
        grain += np.sqrt(c * (1.0 - c) / count) * (1.0 - transmission[ink]) * noise
    return np.asarray(cv2.GaussianBlur(grain, (0, 0), 0.5), dtype=np.float32)


def copy_resolution(rng: np.random.Generator) -> float:
    return RANGES["copy_resolution"].draw(rng) if rng.random() < 0.5 else 1.0


def sample_print(rng: np.random.Generator) -> dict[str, Any]:
    params: dict[str, Any] = draw(tuple(n for n, r in RANGES.items() if r.species == PRINT), rng)
    params["tilt_deg"] = RANGES["tilt_deg"].draw(rng)
    params["gloss"] = rng.uniform(0.05, 0.3) if rng.random() < 0.3 else rng.uniform(0, 0.04)
    params["copy_resolution"] = copy_resolution(rng)
    params["halftone"] = "amplitude" if rng.random() < 0.5 else "stochastic"
    params["bent"] = bool(rng.random() < 0.5)
    params["white_margin"] = float(rng.uniform(0.03, 0.15)) if rng.random() < 0.4 else 0.0
    params["fingers"] = int(rng.integers(1, 3)) if rng.random() < 0.3 else 0
    return params


def sample_screen(rng: np.random.Generator) -> dict[str, Any]:
    params: dict[str, Any] = draw(tuple(n for n, r in RANGES.items() if r.species == SCREEN), rng)
    params["tilt_deg"] = RANGES["tilt_deg"].draw(rng)
    params["copy_resolution"] = copy_resolution(rng)
    if rng.random() < 0.5:
        params["refresh_amplitude"] = 0.0
    params["bezel"] = float(rng.uniform(0.05, 0.4))
    return params


def gaussian_lobe(size: int, rng: np.random.Generator, sigma: float) -> Image:
    """A soft highlight (reflection of a lamp) at a random place, peak 1."""
    cx, cy = rng.uniform(-0.2, 1.2, 2) * size
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    return np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * sigma**2)).astype(np.float32)


def smooth_texture(shape: tuple[int, int], rng: np.random.Generator, sigma: float) -> Image:
    noise = cv2.GaussianBlur(rng.standard_normal(shape).astype(np.float32), (0, 0), sigma)
    return np.asarray(noise / (noise.std() + 1e-6), dtype=np.float32)


def add_fingers(
    radiance: Image,
    inside: NDArray[np.bool_],
    count: int,
    skin: NDArray[np.float32],
    face: float,
    rng: np.random.Generator,
) -> Image:
    """Fingertips over the bottom or side edge of the held sheet, where that edge is in view."""
    ys, xs = np.nonzero(inside)
    if len(xs) == 0:
        return radiance
    x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()
    size = radiance.shape[0]
    out = radiance
    for _ in range(count):
        side = int(rng.integers(3))
        width, length = rng.uniform(0.12, 0.18) * face, rng.uniform(0.3, 0.45) * face
        if side == 0:
            centre, axes = (rng.uniform(x0, x1), float(y1)), (width / 2, length / 2)
        else:
            centre = (float(x0 if side == 1 else x1), rng.uniform(y0, y1))
            axes = (length / 2, width / 2)
        mask = np.zeros((size, size), dtype=np.uint8)
        cv2.ellipse(mask, (centre, (2 * axes[0], 2 * axes[1]), 0.0), 255, -1, cv2.LINE_AA)
        alpha = cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), 1.0)[..., None]
        out = out * (1 - alpha) + skin * rng.uniform(0.6, 1.0) * alpha
    return out.astype(np.float32)


def print_radiance(
    content: Image,
    view: View,
    shade: Image,
    inside: NDArray[np.bool_],
    params: dict[str, Any],
    source_face: float,
    rng: np.random.Generator,
) -> Image:
    """Light leaving a printed sheet: halftoned inks on paper, shading, texture and sheen."""
    inches = params["print_face_mm"] / 25.4
    period_src = source_face / (inches * params["lpi"])
    detail = params["print_detail"] * period_src * view.scale
    if params["halftone"] == "stochastic":
        detail = params["print_detail"] * source_face * view.scale / (inches * params["dpi"] / 4)
    if detail > 0.3:
        content = np.asarray(cv2.GaussianBlur(content, (0, 0), detail), np.float32)
    coverage = ink_coverage(content, params)
    transmission = ink_transmission(params)
    face_cam = source_face * view.scale
    period_cam = period_src * view.scale
    if params["halftone"] == "amplitude" and period_cam >= UNRESOLVED_PX:
        s = supersample_for(period_cam)
        transmitted = supersampled(
            view, s, halftone_pattern(coverage, period_src, transmission, s), 3
        )
    else:
        # A regular screen finer than the pixel integrates to its mean (no grain); randomly
        # placed inkjet dots leave binomial grain.
        transmitted = expected_print(coverage, transmission)
        if params["halftone"] == "stochastic":
            dots = inches * params["dpi"] / face_cam
            transmitted = transmitted + dot_grain(coverage, transmission, dots, rng)
    tint = params["paper_tint"] * rng.choice([-1.0, 1.0])
    paper = params["paper_white"] * np.array([1 + tint, 1.0, 1 - tint], dtype=np.float32)
    size = view.size
    texture = 1.0 + params["paper_texture"] * smooth_texture((size, size), rng, 1.0)[..., None]
    angle = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size - 0.5
    light = shade * (1.0 + params["light_falloff"] * (np.cos(angle) * xx + np.sin(angle) * yy))
    sheen = params["gloss"] * gaussian_lobe(size, rng, rng.uniform(0.3, 1.2) * face_cam)
    reflected = paper * np.clip(transmitted, 0, 1) * texture * light[..., None] + sheen[..., None]
    return np.where(inside[..., None], reflected, 0.0).astype(np.float32)


def screen_radiance(
    content: Image,
    view: View,
    inside: NDArray[np.bool_],
    params: dict[str, Any],
    source_face: float,
    rng: np.random.Generator,
) -> Image:
    """Light leaving a display: its tone and white point through its sub-pixel grid, bands,
    glare and a reflection of the room."""
    encoded = to_srgb(content)
    grey = (encoded @ LUMA)[..., None]
    encoded = np.clip(grey + params["screen_saturation"] * (encoded - grey), 0.0, 1.0)
    white = np.array([params["white_red"], 1.0, params["white_blue"]], dtype=np.float32)
    black = params["screen_black"]
    shown = black + (1.0 - black) * np.power(encoded, params["display_gamma"]) * white
    face_cam = source_face * view.scale
    pixel_cam = params["pixel_pitch_mm"] / params["screen_face_mm"] * face_cam
    if pixel_cam >= UNRESOLVED_PX:
        per_src = params["screen_face_mm"] / params["pixel_pitch_mm"] / source_face
        fill = params["subpixel_fill"]

        def grid(u: Image, v: Image, rows: slice) -> Image:
            return pixel_grid(u * np.float32(per_src), v * np.float32(per_src), 1.0, fill)

        pattern = supersampled(view, supersample_for(pixel_cam), grid, 3)
        shown = shown * pattern / pattern.mean(axis=(0, 1))
    size = view.size
    if params["refresh_amplitude"] > 0:
        shown = shown * refresh_bands(
            (size, size), rng.uniform(0, 1), params["refresh_hz"], params["refresh_amplitude"], 30.0
        )
    glare = params["glare"] * gaussian_lobe(size, rng, rng.uniform(0.3, 1.5) * face_cam)
    room = params["room_reflection"] * background(rng, (size, size))
    emitted = shown + glare[..., None] + room
    bezel = 0.02 + glare[..., None] + room
    return np.where(inside[..., None], emitted, bezel).astype(np.float32)


def attacker_copy(linear: Image, factor: float) -> Image:
    """The photo as the attacker holds it: a lower-resolution copy, enlarged back to print or
    show it at the same size."""
    height, width = linear.shape[:2]
    small = (max(8, round(width * factor)), max(8, round(height * factor)))
    reduced = cv2.resize(linear, small, interpolation=cv2.INTER_AREA)
    return np.asarray(
        cv2.resize(reduced, (width, height), interpolation=cv2.INTER_LINEAR), np.float32
    )


def mosaic(image: Image) -> Image:
    """The sensor's Bayer colour filter array (RGGB) and a bilinear demosaic: each pixel sees
    one colour, so periodic structure near the pixel pitch turns into false-colour moire,
    while smooth skin is left almost untouched."""
    scaled = np.clip(image, 0.0, 1.0) * 65535.0
    raw = np.empty(image.shape[:2], np.uint16)
    raw[0::2, 0::2] = scaled[0::2, 0::2, 0]
    raw[0::2, 1::2] = scaled[0::2, 1::2, 1]
    raw[1::2, 0::2] = scaled[1::2, 0::2, 1]
    raw[1::2, 1::2] = scaled[1::2, 1::2, 2]
    # OpenCV names Bayer patterns by the second row's start: RGGB is its "BayerBG" to RGB.
    rgb = cv2.cvtColor(raw, cv2.COLOR_BayerBG2RGB)
    return np.asarray(rgb, np.float32) / np.float32(65535.0)


def expose(
    radiance: Image, camera: dict[str, Any], rng: np.random.Generator, out_size: int
) -> NDArray[np.uint8]:
    """The camera: optics, exposure, white balance, noise and colour filter at the sensor's
    pitch, then scaling to the `out_size` stream, tone, sharpening, resolution loss, JPEG."""
    image = np.asarray(cv2.GaussianBlur(radiance, (0, 0), camera["blur_sigma_px"]), np.float32)
    if camera["motion_blur_px"] >= 1.0:
        length = int(round(camera["motion_blur_px"])) * 2 + 1
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1.0 / length
        turn = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1)
        turned = np.asarray(cv2.warpAffine(kernel, turn, (length, length)), np.float32)
        image = np.asarray(cv2.filter2D(image, -1, turned / max(turned.sum(), 1e-6)), np.float32)
    image = (
        image
        * np.float32(2.0 ** camera["exposure_ev"])
        * np.asarray(camera["wb_gains"], np.float32)
    )
    variance = camera["shot_noise"] * np.clip(image, 0, None) + camera["read_noise"] ** 2
    image = image + np.sqrt(variance) * rng.standard_normal(image.shape).astype(np.float32)
    image = mosaic(image)
    if image.shape[0] != out_size:
        image = np.asarray(
            cv2.resize(image, (out_size, out_size), interpolation=cv2.INTER_AREA), np.float32
        )
    encoded = to_srgb(image)
    encoded = encoded - camera["contrast_curve"] * np.sin(2 * np.pi * encoded) / (2 * np.pi)
    if camera["sharpen"] > 0:
        soft = cv2.GaussianBlur(encoded, (0, 0), 1.0)
        encoded = encoded + camera["sharpen"] * (encoded - soft)
    out: NDArray[np.uint8] = np.clip(encoded * 255.0 + 0.5, 0, 255).astype(np.uint8)
    if camera["resolution_loss"] < 1.0:
        size = out.shape[1], out.shape[0]
        small = (
            max(8, int(size[0] * camera["resolution_loss"])),
            max(8, int(size[1] * camera["resolution_loss"])),
        )
        reduced = cv2.resize(out, small, interpolation=cv2.INTER_AREA)
        out = np.asarray(cv2.resize(reduced, size, interpolation=cv2.INTER_LINEAR), np.uint8)
    for quality in (camera["jpeg_quality"], camera["second_jpeg"]):
        if quality:
            out = recompressed(out, int(quality))
    return out


def capture(
    photo: NDArray[np.uint8],
    box: Box,
    kind: str,
    camera: dict[str, Any],
    rng: np.random.Generator,
    *,
    medium: dict[str, Any] | None = None,
    context: float = 1.6,
) -> Shot:
    """`photo` (a real capture, face at `box`) seen by `camera` directly (bona fide) or as a
    print or a screen; the frame is `context` face sizes wide, centred on the face.

    Pass the same `camera` for a photo's versions so that they differ only by the attack.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown recapture kind {kind!r}; expected one of {KINDS}")
    if medium is None and kind != BONA_FIDE:
        medium = sample_print(rng) if kind == "print" else sample_screen(rng)
    medium = medium or {}
    linear = to_linear(photo)
    source_face = max(box.w, box.h)
    face_px = min(camera["face_px"], 1.25 * source_face)
    out_size = int(round(context * face_px / 2)) * 2
    # The sensor samples the scene at a finer pitch than the stream delivers (moire forms at
    # the sensor's pitch), so rendering, optics, noise and the colour filter work at that scale.
    sensor_face = face_px * max(
        1.0, min(camera.get("sensor_scale", 1.0), SENSOR_FACE_MAX / face_px)
    )
    shrink = sensor_face / source_face
    cx, cy = box.x + box.w / 2, box.y + box.h / 2
    if shrink < 1.0:
        height, width = linear.shape[:2]
        target = (max(1, round(width * shrink)), max(1, round(height * shrink)))
        linear = np.asarray(cv2.resize(linear, target, interpolation=cv2.INTER_AREA), np.float32)
        scale_x, scale_y = target[0] / width, target[1] / height
        cx, cy, source_face = cx * scale_x, cy * scale_y, source_face * scale_x
    size = int(round(context * sensor_face / 2)) * 2
    tilt = np.eye(3)
    bend = 0.0
    if kind != BONA_FIDE:
        tilt = tilt_homography(medium["tilt_deg"], rng, 3.0 * size)
        if medium.get("bent"):
            bend = medium["bend_radius_faces"] * sensor_face
    view = View(
        size=size,
        centre_src=(cx, cy),
        scale=sensor_face / source_face,
        roll=math.radians(camera["roll_deg"]),
        tilt=tilt,
        bend_radius=bend,
    )
    xs, ys = view.grid()
    u, v, shade = view.source_coords(xs, ys)
    if medium.get("copy_resolution", 1.0) < 1.0:
        linear = attacker_copy(linear, medium["copy_resolution"])
    content = remap(linear, u, v)
    face_region = np.zeros((size, size), dtype=bool)
    half = 0.3 * sensor_face
    face_region[
        int(size / 2 - half) : int(size / 2 + half), int(size / 2 - half) : int(size / 2 + half)
    ] = True
    if kind == BONA_FIDE:
        radiance = content
    else:
        height, width = linear.shape[:2]
        extent = [0.0, 0.0, float(width), float(height)]
        if rng.random() < 0.5:
            margins = rng.uniform(0.15, 1.0, 4) * source_face
            extent = [
                max(extent[0], cx - source_face / 2 - margins[0]),
                max(extent[1], cy - source_face / 2 - margins[1]),
                min(extent[2], cx + source_face / 2 + margins[2]),
                min(extent[3], cy + source_face / 2 + margins[3]),
            ]
        inside = (u >= extent[0]) & (u < extent[2]) & (v >= extent[1]) & (v < extent[3])
        grow = (
            medium.get("white_margin", 0.0) if kind == "print" else medium["bezel"]
        ) * source_face
        holder = (
            (u >= extent[0] - grow)
            & (u < extent[2] + grow)
            & (v >= extent[1] - grow)
            & (v < extent[3] + grow)
        )
        if kind == "print":
            printed = np.where(inside[..., None], content, np.float32(1.0))
            medium_light = print_radiance(printed, view, shade, holder, medium, source_face, rng)
        else:
            medium_light = screen_radiance(content, view, inside, medium, source_face, rng)
        room = background(rng, (size, size))
        radiance = np.where(holder[..., None], medium_light, room).astype(np.float32)
        if medium.get("fingers"):
            skin = np.median(content[face_region], axis=0).astype(np.float32)
            radiance = add_fingers(radiance, holder, medium["fingers"], skin, sensor_face, rng)
        # Auto exposure meters the face, as it would have for the real person.
        wanted = float((content[face_region] @ LUMA).mean())
        got = float((radiance[face_region] @ LUMA).mean())
        radiance = radiance * np.float32(wanted / max(got, 1e-4))
    image = expose(radiance, camera, rng, out_size)
    factor = face_px / max(box.w, box.h)
    w, h = box.w * factor, box.h * factor
    face_box = Box(out_size / 2 - w / 2, out_size / 2 - h / 2, w, h)
    return Shot(image=image, box=face_box, kind=kind, params={"camera": camera, "medium": medium})
