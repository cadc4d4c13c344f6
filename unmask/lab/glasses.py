"""Eyeglasses worn over a lab face: frame, lenses, and the screen's reflection in them.

Glasses matter to a challenge in two ways. The frame and the lenses sit over the eyes that the
blink step reads, and a lens is a curved mirror: it shows the kiosk screen as a bright patch
that changes colour with the flash at once, with no 3-D shading, on top of the skin's own
response. They are drawn only when a clip asks for them (`glasses` = 1 among the overrides),
from a generator of their own, so clips without them render exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from unmask.lab.layout import FaceLayout
from unmask.lab.ranges import WEARER_SPECIES, Range
from unmask.lab.respond import emitted_light
from unmask.lab.scenes import LivingScene, MaskScene, Scene
from unmask.liveness.challenge import Challenge

Image = NDArray[np.float32]
Array = NDArray[np.float64]

#: Adult mean eye-centre distance, the lab's scale from pixels to millimetres.
INTEROCULAR_MM = 63.0
#: Diffuse reflectance of facial skin in the visible (cheek and forehead, light to dark skin:
#: about 0.2-0.5), the face luminance the lens reflection is compared with.
SKIN_ALBEDO = 0.35
#: Focal length of a lens's front surface seen as a convex mirror: base curves of 4-6 dioptres
#: on CR-39 or polycarbonate (n about 1.5-1.6) give a radius of about 100 mm, f = r / 2.
MIRROR_FOCAL_MM = 50.0

GLASSES_RANGES: dict[str, Range] = {
    "eye_size_mm": Range(
        48,
        56,
        "lens width of adult frames (the 'eye size' of ISO 8624 marking, 48-56 mm)",
        WEARER_SPECIES,
    ),
    "lens_height_ratio": Range(
        0.6, 0.8, "assumption: lens height over width of common frames", WEARER_SPECIES
    ),
    "bridge_mm": Range(
        15, 21, "bridge width of adult frames (ISO 8624 marking, 15-21 mm)", WEARER_SPECIES
    ),
    "rim_mm": Range(
        1.5,
        5.0,
        "rim width seen from the front: thin metal about 1.5 mm to acetate 4-5 mm",
        WEARER_SPECIES,
    ),
    "rim_shade": Range(
        0.05, 0.35, "assumption: frame colour from black acetate to grey metal", WEARER_SPECIES
    ),
    "lens_reflectance": Range(
        0.01,
        0.08,
        "share of light both lens surfaces reflect: about 0.5-1 % each with an anti-reflection "
        "coating, 4 % each uncoated (Fresnel at n = 1.5)",
        WEARER_SPECIES,
    ),
    "screen_solid_angle_sr": Range(
        0.1,
        0.6,
        "solid angle of the kiosk screen at the face: a phone at 30 cm about 0.1 sr, a 24-inch "
        "monitor at 50 cm about 0.6 sr (as for `screen_lux`)",
        WEARER_SPECIES,
    ),
    "glare_offset": Range(
        -0.3, 0.3, "assumption: where on the lens the screen shows, by pose", WEARER_SPECIES
    ),
}


@dataclass(frozen=True, eq=False)
class Glasses:
    """Layers in photo coordinates and the light that the lenses reflect over time."""

    rims: Image  # (h, w) frame opacity
    lenses: Image  # (h, w) lens coverage, inside the rims
    glare: Image  # (h, w) where the screen's mirror image lies on the lenses
    rim_shade: float
    transmission: float
    reflection: Callable[[float], Array] | None  # (3,) reflected screen light over face light
    face_level: float = 0.5  # the ambient-lit face's value behind the lenses, the unit of light

    @cached_property
    def layers(self) -> tuple[Image, Image, Image]:
        """What `over` applies to every frame, computed once: how much of the face comes
        through (frame and lenses), where the screen shows, and the frame's own shade."""
        rim = self.rims[..., None]
        through = (1.0 - self.lenses * (1.0 - self.transmission))[..., None] * (1.0 - rim)
        mirror = (self.glare * self.lenses)[..., None] * (1.0 - rim)
        return through, mirror, rim * np.float32(self.rim_shade)

    def over(self, image: Image, t: float) -> Image:
        """The face seen through the lenses, the frame over it, the screen mirrored on top."""
        through, mirror, frame = self.layers
        seen = image * through + frame
        if self.reflection is not None:
            light = self.reflection(t).astype(np.float32) * np.float32(self.face_level)
            seen = seen + mirror * light
        return seen.astype(np.float32)


def draw_params(rng: np.random.Generator) -> dict[str, float]:
    return {name: r.draw(rng) for name, r in GLASSES_RANGES.items()}


def superellipse(
    xx: Image, yy: Image, centre: Array, half: tuple[float, float], roll: float
) -> Image:
    """Soft inside-indicator of a rounded rectangle (exponent 4) turned by the face's roll."""
    dx, dy = xx - np.float32(centre[0]), yy - np.float32(centre[1])
    cos, sin = np.float32(np.cos(roll)), np.float32(np.sin(roll))
    u, v = (dx * cos + dy * sin) / half[0], (-dx * sin + dy * cos) / half[1]
    radius = (u**4 + v**4) ** 0.25
    edge = np.float32(1.5 / max(half[0], 1.0))
    return np.clip((1.0 - radius) / edge + 0.5, 0.0, 1.0).astype(np.float32)


def stroke(shape: tuple[int, int], start: Array, end: Array, width: float) -> Image:
    """A straight bar of the frame (a temple, the bridge) as a (h, w) opacity."""
    bar = np.zeros(shape, np.uint8)
    ends = [tuple(int(round(v)) for v in point) for point in (start, end)]
    cv2.line(bar, ends[0], ends[1], 1, max(int(round(width)), 1))
    return bar.astype(np.float32)


def draw_glasses(
    layout: FaceLayout,
    shape: tuple[int, int],
    params: dict[str, float],
    reflection: Callable[[float], Array] | None,
    face: Image | None = None,
) -> Glasses:
    """Frames centred on the eyes, outward by half the difference between the frame's
    centre distance (eye size plus bridge) and the eyes' own, following the face's roll.
    `face` (the ambient-lit photo) sets the level the reflection is scaled to: the median
    value behind the lenses."""
    mm = layout.interocular / INTEROCULAR_MM
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    centres = layout.eye_centres
    middle = centres.mean(axis=0)
    axis = (centres[1] - centres[0]) / max(float(np.linalg.norm(centres[1] - centres[0])), 1e-6)
    spread = (params["eye_size_mm"] + params["bridge_mm"] - INTEROCULAR_MM) / 2 * mm
    half = (
        params["eye_size_mm"] / 2 * mm,
        params["eye_size_mm"] * params["lens_height_ratio"] / 2 * mm,
    )
    rim = params["rim_mm"] * mm
    inner_half = (max(half[0] - rim, 1.0), max(half[1] - rim, 1.0))
    glare_half = 0.5 * np.sqrt(params["screen_solid_angle_sr"]) * MIRROR_FOCAL_MM * mm
    roll = layout.roll
    rims, lenses, glare = (np.zeros(shape, np.float32) for _ in range(3))
    for side, centre in ((-1.0, centres[0]), (1.0, centres[1])):
        lens_centre = centre + side * spread * axis
        outer = superellipse(xx, yy, lens_centre, half, roll)
        inner = superellipse(xx, yy, lens_centre, inner_half, roll)
        rims = np.maximum(rims, outer - inner)
        lenses = np.maximum(lenses, inner)
        spot = lens_centre + params["glare_offset"] * np.array([half[0], half[1]])
        glare = np.maximum(glare, superellipse(xx, yy, spot, (glare_half, glare_half), roll))
        temple_start = lens_centre + side * half[0] * axis
        temple_end = temple_start + side * 0.4 * layout.interocular * axis
        rims = np.maximum(rims, stroke(shape, temple_start, temple_end, rim))
    lift = -0.3 * half[1] * np.array([-axis[1], axis[0]])
    ends = [middle + lift + s * (params["bridge_mm"] / 2 * mm) * axis for s in (-1.0, 1.0)]
    rims = np.maximum(rims, stroke(shape, ends[0], ends[1], rim))
    behind = lenses > 0.5
    return Glasses(
        rims=np.clip(rims, 0.0, 1.0),
        lenses=lenses,
        glare=glare,
        rim_shade=params["rim_shade"],
        transmission=1.0 - params["lens_reflectance"],
        reflection=reflection,
        face_level=float(np.median(face[behind])) if face is not None and behind.any() else 0.5,
    )


def screen_reflection(
    emitted: Callable[[float], Array], drawn: dict[str, Any], params: dict[str, float]
) -> Callable[[float], Array]:
    """The screen's mirror image over the skin's own luminance, per linear colour unit: the
    lenses reflect R of the screen's luminance (its illuminance at the face over its solid
    angle), while skin gives albedo x ambient / pi."""
    screen_luminance = drawn["screen_lux"] / params["screen_solid_angle_sr"]
    face_luminance = SKIN_ALBEDO * drawn["ambient_lux"] / np.pi
    ratio = params["lens_reflectance"] * screen_luminance / face_luminance

    def reflection(t: float) -> Array:
        return ratio * emitted(t)

    return reflection


def wear_glasses(
    scene: Scene,
    challenge: Challenge | None,
    facts: dict[str, Any],
    rng: np.random.Generator,
    overrides: Mapping[str, Any],
) -> dict[str, float]:
    """Put glasses on a living face or a mask's wearer (over the mask) and return their drawn
    parameters (`overrides` pins any of them). Without a challenge no screen is lit, and the
    lenses show no reflection; with one they mirror what the screen shows after the kiosk's
    latency, as the skin sees it. Prints and replays are left as they are."""
    if not isinstance(scene, (LivingScene, MaskScene)):
        return {}
    params = draw_params(rng)
    params.update({k: float(v) for k, v in overrides.items() if k in params})
    reflection = None
    if challenge is not None:
        latency = facts.get("flash_latency_ms", 0.0) / 1000.0
        reflection = screen_reflection(emitted_light(challenge, latency), facts, params)
    layout = scene.geometry.layout
    shape = scene.geometry.height.shape[:2]
    glasses = draw_glasses(layout, shape, params, reflection, scene.wearer.skin.base)
    scene.overlay = glasses.over
    return params
