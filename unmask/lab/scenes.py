"""One scene per species: what is in front of the camera at each frame, before the camera.

A scene returns the colour image (float RGB in [0, 1]) and, on request, full-resolution
thermal (degC), NIR (reflectance) and depth (mm) maps registered to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import cv2
import numpy as np
from numpy.typing import NDArray

from unmask.lab import channels as ch
from unmask.lab import masks, planes
from unmask.lab.layout import FaceLayout, skin_mask
from unmask.lab.living import Geometry, Skin, retint, skin_ita, tone_factor
from unmask.lab.motion import (
    HeadMotion,
    blink_closure,
    expression_weights,
    head_motion,
    mask_response,
)
from unmask.lab.waveform import Pulse, make_pulse

Image = NDArray[np.float32]
Array = NDArray[np.float64]


class Scene(Protocol):
    def frame(self, index: int) -> tuple[Image, dict[str, Image]]: ...


def remap(image: Image, maps: tuple[Image, Image]) -> Image:
    warped = cv2.remap(image, maps[0], maps[1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return np.asarray(warped, dtype=np.float32)


@dataclass
class Wearer:
    """A living person's skin and movement over the clip, shared by bona fide and masks."""

    pulse: Pulse
    skin: Skin
    motion: HeadMotion
    closure: Array
    expressions: Array
    facts: dict[str, Any]

    @classmethod
    def build(
        cls,
        base: Image,
        layout: FaceLayout,
        params: dict[str, float],
        times: Array,
        rng: np.random.Generator,
        region: Image | None = None,
        skin_source: Image | None = None,
    ) -> Wearer:
        """`region` confines the pulse (mask eye holes); `skin_source` is the image whose skin
        tone sets the pulse amplitude when `base` shows something else there (a mask)."""
        seconds = float(times[-1] + (times[1] - times[0] if len(times) > 1 else 0.0))
        pulse = make_pulse(
            rng,
            params["hr_bpm"],
            seconds,
            params["sdnn_ms"],
            params["breath_hz"],
            {
                "notch_depth": params["notch_depth"],
                "diastolic_ratio": params["diastolic_ratio"],
                "systolic_phase": 0.25,
            },
        )
        ita = skin_ita(base if skin_source is None else skin_source, layout)
        amplitude = params["pulse_amplitude"] * tone_factor(ita)
        skin = Skin.build(
            base, layout, pulse, amplitude, params["region_delay_ms"] / 1000.0, rng, region
        )
        d = layout.interocular
        motion = head_motion(
            rng,
            times,
            params["head_rotation_deg"],
            params["head_shift_iod"] * d,
            params["breath_hz"],
            params["breath_sway_px"],
        )
        closure, blinks = blink_closure(
            rng,
            times,
            seconds,
            (params["blink_gap_s"], params["blink_gap_s"] * 1.5),
            (params["blink_ms"] / 1000.0,) * 2,
        )
        expressions = expression_weights(
            rng,
            times,
            seconds,
            (params.get("expression_gap_s", 3.0),) * 2,
            (params.get("expression_s", 1.5),) * 2,
            params.get("syllable_hz", 4.5),
        )
        facts = {
            "hr_bpm": pulse.rate(0.0, seconds),
            "pulse_source": pulse.source,
            "skin_ita_deg": ita,
            "pulse_amplitude_effective": amplitude,
            "blinks": blinks,
        }
        return cls(pulse, skin, motion, closure, expressions, facts)


@dataclass
class LivingScene:
    """Bona fide: the person themself."""

    wearer: Wearer
    geometry: Geometry
    times: Array
    maps: dict[str, Image] = field(default_factory=dict)
    pulse_gain: float = 1.0
    #: Drawn over the face in its own coordinates at time t, moving with it (glasses).
    overlay: Callable[[Image, float], Image] | None = None

    @classmethod
    def build(
        cls,
        photo: Image,
        layout: FaceLayout,
        params: dict[str, float],
        times: Array,
        rng: np.random.Generator,
        wanted: tuple[str, ...],
    ) -> LivingScene:
        base = retint(photo, layout, params["skin_darkening"])
        wearer = Wearer.build(base, layout, params, times, rng)
        geometry = Geometry.build(layout, base.shape[:2])
        static = {}
        if "thermal" in wanted:
            static["thermal"] = ch.skin_thermal(layout, base.shape[:2], params)
        if "nir" in wanted:
            far = np.where(geometry.head < 0.05, float(params["background_mm"]), 0.0).astype(
                np.float32
            )
            refl = ch.face_nir(layout, base.shape[:2], params["skin_nir"])
            static["nir"] = ch.shaded_nir(
                refl, geometry.height, layout.interocular, params["distance_mm"], far
            )
        if "depth" in wanted:
            static["depth"] = ch.face_depth(layout, geometry.height, params)
        return cls(wearer, geometry, times, static)

    def frame(self, index: int) -> tuple[Image, dict[str, Image]]:
        w = self.wearer
        t = float(self.times[index])
        image = w.skin.frame(t, float(w.closure[index]), self.pulse_gain)
        if self.overlay is not None:
            image = self.overlay(image, t)
        warp = self.geometry.maps(w.motion, index, w.expressions[:, index])
        return remap(image, warp), {name: remap(m, warp) for name, m in self.maps.items()}


@dataclass
class MaskScene:
    """A mask of the target worn by the wearer: rigid resin or silicone."""

    wearer: Wearer
    geometry: Geometry
    times: Array
    expressions: Array | None
    face: Image
    sheen: float
    leak: tuple[Image, Image] | None
    leak_amplitude: float
    maps: dict[str, Image]
    overlay: Callable[[Image, float], Image] | None = None  # as LivingScene's (glasses)

    @classmethod
    def build(
        cls,
        species: str,
        target: tuple[Image, FaceLayout],
        wearer_photo: tuple[Image, FaceLayout],
        params: dict[str, float],
        times: Array,
        rng: np.random.Generator,
        wanted: tuple[str, ...],
    ) -> MaskScene:
        target_image, layout = target
        shape = target_image.shape[:2]
        affine = masks.align_to(wearer_photo[1], layout)
        size = (shape[1], shape[0])
        wearer_layout = wearer_photo[1].transformed(affine)
        wearer_image = cv2.warpAffine(
            wearer_photo[0], affine, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
        )
        wearer_image = retint(
            np.asarray(wearer_image, dtype=np.float32), wearer_layout, params["skin_darkening"]
        )
        holes = masks.eye_holes(
            wearer_layout, shape, params["eye_hole_width"], params["eye_hole_height"]
        )
        covered = masks.mask_region(layout, shape)
        rigid = species == "mask_rigid"
        surface = (
            masks.resin_surface(target_image, params)
            if rigid
            else masks.silicone_surface(target_image, params, rng)
        )
        surface = surface * masks.edges(layout, holes, params["edge_strength"])[..., None]
        outside = wearer_image if rigid else target_image
        shell = outside + covered[..., None] * (surface - outside)
        base = (holes[..., None] * wearer_image + (1.0 - holes[..., None]) * shell).astype(
            np.float32
        )
        wearer = Wearer.build(
            base, wearer_layout, params, times, rng, region=holes, skin_source=wearer_image
        )
        geometry = Geometry.build(layout, shape)
        expressions = None
        if not rigid:
            expressions = mask_response(
                wearer.expressions,
                times,
                params["expression_gain"],
                params["expression_delay_ms"] / 1000.0,
                params["expression_smooth_ms"] / 1000.0,
            )
        face = (covered * (1.0 - holes) * skin_mask(layout, shape)).astype(np.float32)
        leak = None if rigid else masks.leak_fields(shape, 0.08 * layout.interocular, rng)
        maps: dict[str, Image] = {}
        if "thermal" in wanted:
            living = ch.skin_thermal(layout, shape, params)
            surface_c = params["mask_c"] if rigid else params["silicone_c"]
            maps["thermal"] = ch.mask_thermal(living, holes, surface_c, covered)
        if "nir" in wanted:
            refl = ch.face_nir(layout, shape, params["skin_nir"])
            material = params["resin_nir"] if rigid else params["silicone_nir"]
            refl = refl + covered * (1.0 - holes) * (material - refl)
            far = np.where(geometry.head < 0.05, float(params["background_mm"]), 0.0).astype(
                np.float32
            )
            maps["nir"] = ch.shaded_nir(
                refl, geometry.height, layout.interocular, params["distance_mm"], far
            )
        if "depth" in wanted:
            maps["depth"] = ch.face_depth(layout, geometry.height, params)
        return cls(
            wearer, geometry, times, expressions, face, 0.0 if rigid else params["sheen"], leak,
            0.0 if rigid else params["pulse_leak"] * wearer.skin.amplitude, maps,
        )  # fmt: skip

    def frame(self, index: int) -> tuple[Image, dict[str, Image]]:
        w = self.wearer
        t = float(self.times[index])
        image = w.skin.frame(t, float(w.closure[index]))
        if self.leak is not None and self.leak_amplitude > 0:
            period = 60.0 / max(w.facts["hr_bpm"], 1.0)
            wave = (
                self.leak[0] * w.pulse.sample(np.array([t]))[0]
                + self.leak[1] * w.pulse.sample(np.array([t - period / 4]))[0]
            )
            image = image * (
                1.0 + self.leak_amplitude * (wave * self.face)[..., None] * np.float32(1.0)
            )
        if self.sheen > 0:
            light = np.array(
                [
                    0.3 + np.sin(w.motion.yaw[index]) * 3,
                    -0.4 + np.sin(w.motion.pitch[index]) * 3,
                    0.0,
                ]
            )
            image = image + masks.sheen(self.geometry.height, self.face, self.sheen, light)
        if self.overlay is not None:
            image = self.overlay(image, t)
        expression = self.expressions[:, index] if self.expressions is not None else None
        warp = self.geometry.maps(w.motion, index, expression)
        return remap(image.astype(np.float32), warp), {
            name: remap(m, warp) for name, m in self.maps.items()
        }


@dataclass
class PlaneScene:
    """A print, or a screen replaying the target, held in front of a background."""

    motion: planes.PlaneMotion
    backdrop: Image
    times: Array
    params: dict[str, float]
    wanted: tuple[str, ...]
    texture: Image | None = None  # print: static RGB + alpha + finger
    nir_texture: Image | None = None
    content: LivingScene | None = None  # replay: the replayed video
    bezel: float = 0.0
    glare_spot: tuple[float, float, float] = (0.0, 0.0, 1.0)

    @property
    def size(self) -> tuple[int, int]:
        return self.backdrop.shape[1], self.backdrop.shape[0]

    def frame(self, index: int) -> tuple[Image, dict[str, Image]]:
        params, size = self.params, self.size
        homography = self.motion.homography(index, size)
        u, v = planes.plane_coordinates(homography, size)
        if self.content is not None:
            shown, _ = self.content.frame(index)
            texture = planes.screen_texture(
                np.asarray(cv2.GaussianBlur(shown, (0, 0), 0.7), dtype=np.float32),
                params,
                self.bezel,
            )
        else:
            assert self.texture is not None
            texture = self.texture
        seen = planes.sample_plane(texture, u, v)
        alpha = seen[..., 3:4]
        rotation, _ = self.motion.pose(index)
        facing = np.float32(abs(rotation[2, 2]))
        rgb = seen[..., :3] * facing
        if self.content is not None:
            fps = 1.0 / float(self.times[1] - self.times[0]) if len(self.times) > 1 else 30.0
            pitch = params["pixel_pitch_px"] / self.motion.scale
            rgb = rgb * planes.pixel_grid(u, v, pitch, params["grid_depth"])
            rgb = rgb * planes.refresh_bands(
                rgb.shape[:2],
                float(self.times[index]),
                params["refresh_hz"],
                params["refresh_flicker"],
                fps,
            )
            rgb = rgb + alpha * planes.glare(rgb.shape[:2], u, v, params["glare"], self.glare_spot)
        image = self.backdrop * (1.0 - alpha) + rgb
        return image.astype(np.float32), self.channel_maps(index, u, v, seen, alpha[..., 0], size)

    def channel_maps(
        self, index: int, u: Image, v: Image, seen: Image, alpha: Image, size: tuple[int, int]
    ) -> dict[str, Image]:
        params = self.params
        maps: dict[str, Image] = {}
        if "thermal" in self.wanted:
            ambient = params["ambient_c"]
            excess = (
                params["screen_excess_c"] if self.content is not None else params["paper_excess_c"]
            )
            finger = seen[..., 4]
            temp = ambient + alpha * excess
            maps["thermal"] = (temp + finger * (33.5 - temp)).astype(np.float32)
        if "nir" in self.wanted:
            far = 0.4 * (params["distance_mm"] / params["background_mm"]) ** 2
            if self.nir_texture is not None:
                plane = planes.sample_plane(self.nir_texture, u, v)
            else:
                plane = alpha * params["screen_nir"]
            maps["nir"] = (far * (1.0 - alpha) + plane).astype(np.float32)
        if "depth" in self.wanted:
            plane_mm = self.motion.depth(index, size) * params["distance_mm"]
            maps["depth"] = np.where(alpha > 0.5, plane_mm, params["background_mm"]).astype(
                np.float32
            )
        return maps


def print_scene(
    target: tuple[Image, FaceLayout],
    params: dict[str, float],
    times: Array,
    rng: np.random.Generator,
    wanted: tuple[str, ...],
) -> PlaneScene:
    photo, _ = target
    height, width = photo.shape[:2]
    rgb, nir = planes.print_texture(photo, params, rng)
    paper = int(round(rng.uniform(0.0, 0.08) * width))
    margin = int(round(0.06 * width))
    pad = paper + margin
    canvas = np.zeros((height + 2 * pad, width + 2 * pad, 5), dtype=np.float32)
    canvas[margin:-margin, margin:-margin, :3] = params["paper_white"]
    canvas[margin:-margin, margin:-margin, 3] = 1.0
    canvas[pad : pad + height, pad : pad + width, :3] = rgb
    nir_canvas = np.zeros(canvas.shape[:2], dtype=np.float32)
    nir_canvas[margin:-margin, margin:-margin] = params["paper_nir"]
    nir_canvas[pad : pad + height, pad : pad + width] = nir
    skin = np.array([0.85, 0.62, 0.5], dtype=np.float32) * rng.uniform(0.6, 1.1)
    canvas = planes.add_fingers(canvas, int(params["fingers"]), skin, rng)
    canvas[..., :3] *= canvas[..., 3:4]
    nir_canvas = nir_canvas * canvas[..., 3] + canvas[..., 4] * 0.5
    texture_size = (canvas.shape[1], canvas.shape[0])
    motion = planes.PlaneMotion.sample(rng, times, (width, height), texture_size, params)
    backdrop = planes.background(rng, (height, width))
    return PlaneScene(
        motion, backdrop, times, params, wanted, texture=canvas, nir_texture=nir_canvas
    )


def replay_scene(
    target: tuple[Image, FaceLayout],
    params: dict[str, float],
    source_params: dict[str, float],
    times: Array,
    rng: np.random.Generator,
    wanted: tuple[str, ...],
) -> PlaneScene:
    photo, layout = target
    height, width = photo.shape[:2]
    content = LivingScene.build(photo, layout, source_params, times, rng, ())
    content.pulse_gain = params["source_pulse_gain"]
    bezel = float(rng.uniform(0.02, 0.08))
    rim = int(round(bezel * max(height, width)))
    texture_size = (width + 2 * rim, height + 2 * rim)
    motion = planes.PlaneMotion.sample(rng, times, (width, height), texture_size, params)
    backdrop = planes.background(rng, (height, width))
    spot = (
        float(rng.uniform(0, texture_size[0])),
        float(rng.uniform(0, texture_size[1])),
        float(rng.uniform(0.1, 0.4) * width),
    )
    return PlaneScene(
        motion, backdrop, times, params, wanted, content=content, bezel=bezel, glare_spot=spot
    )
