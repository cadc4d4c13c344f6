"""Presentations responding to an active-liveness challenge (SIMULATED, like all lab output).

Applied to a scene after it is built, before the camera:
- **bona fide** performs each scripted action after a reaction time and reflects the flashed
  colours: the screen's light relative to the ambient light, times the cosine of the face's
  normal (the lab's relief, with the screen beside the camera), times the skin's albedo (the
  photo itself), after the kiosk display's latency;
- **replay** plays a recording of the target made for another challenge or for none: the
  recorded face performs that other script and reflects its colours; the replay screen emits its
  own light and only its glass reflects this challenge's flash, uniformly;
- **print** can only move as a plane: its holder tilts it for head turns and nods, it cannot
  blink or smile, and it reflects the flash uniformly (paper and ink under the same light);
- **masks** follow head actions and blinks (the wearer's eyes show through the holes); a rigid
  mask cannot smile, a silicone one passes the smile on only partly; the mask surface reflects
  the flash with its shape but its pigments' own spectrum (metamerism against skin).
Every number is drawn from RESPONSE_RANGES, whose sources docs/challenge.md repeats.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from unmask.lab import planes
from unmask.lab.layout import normals
from unmask.lab.living import Skin
from unmask.lab.motion import EXPRESSIONS, mask_response
from unmask.lab.ranges import WEARER_SPECIES, Range
from unmask.lab.scenes import LivingScene, MaskScene, PlaneScene, Scene, Wearer
from unmask.liveness.challenge import FAMILIES, Challenge, ChallengeIssuer
from unmask.liveness.flash import srgb_to_linear
from unmask.species import BONA_FIDE

Image = NDArray[np.float32]
Array = NDArray[np.float64]
SMILE = EXPRESSIONS.index("smile")
MASKS = ("mask_rigid", "mask_silicone")

RESPONSE_RANGES: dict[str, Range] = {
    "reaction_s": Range(
        0.3,
        0.8,
        "choice reaction time to a written prompt, 0.3-0.8 s (simple visual reaction about "
        "0.2-0.25 s; choice reactions longer, Hick's law)",
        WEARER_SPECIES,
    ),
    "turn_deg": Range(
        15,
        30,
        "assumption: a deliberate head turn when asked, well inside the 70-80 degree cervical "
        "rotation range",
        (*WEARER_SPECIES, "print"),
    ),
    "look_up_deg": Range(
        10, 20, "assumption: a deliberate upward look when asked", (*WEARER_SPECIES, "print")
    ),
    "closer_scale": Range(
        1.15,
        1.35,
        "assumption: leaning from about 50 cm to 37-43 cm towards a kiosk or phone",
        WEARER_SPECIES,
    ),
    "smile_strength": Range(
        0.6, 1.0, "assumption: a posed smile on request, moderate to near maximal", WEARER_SPECIES
    ),
    "action_hold_s": Range(
        0.6, 1.2, "assumption: a held action before returning to rest", (*WEARER_SPECIES, "print")
    ),
    "action_ramp_s": Range(
        0.25,
        0.5,
        "head turns of 20-40 degrees take 0.3-0.5 s at natural speed (peak 100-200 deg/s)",
        (*WEARER_SPECIES, "print"),
    ),
    "blink_interval_s": Range(
        0.3, 0.6, "assumption: two voluntary blinks in quick succession", WEARER_SPECIES
    ),
    "voluntary_blink_ms": Range(
        200,
        400,
        "assumption: a blink on request closes the eye fully and lasts as long as the longer "
        "spontaneous blinks (100-400 ms, Stern 1984), not as briefly as the shortest",
        WEARER_SPECIES,
    ),
    "ambient_lux": Range(
        100,
        500,
        "indoor illuminance from a lit living room (100-300 lx) to an office (500 lx, EN "
        "12464-1); a dim room (50 lx) and daylight by a window (2000 lx) are benchmarked as "
        "overrides",
    ),
    "screen_lux": Range(
        30,
        150,
        "illuminance of a full-white screen on the face, E = L x solid angle: a phone "
        "(400-500 cd/m2, ~0.1 sr at 30 cm) gives about 40-50 lx, a 24-inch monitor "
        "(250 cd/m2, ~0.6 sr at 50 cm) about 150 lx",
    ),
    "flash_latency_ms": Range(
        20,
        80,
        "display latency of the kiosk screen: browser compositing plus panel, one to four "
        "60 Hz frames",
        (*WEARER_SPECIES, "print"),
    ),
    "replay_latency_ms": Range(
        30,
        150,
        "assumption: the attacker's player and screen latency (a recording's own timing is "
        "unrelated to this challenge anyway)",
        ("replay",),
    ),
    "replay_recorded_flash": Range(
        0.0,
        1.0,
        "below 0.5 the replayed recording was made for no challenge, above it for another one "
        "(assumption: an attacker with a recording of an earlier session of the target)",
        ("replay",),
    ),
    "material_red": Range(
        0.8,
        1.2,
        "assumption: a pigment matched to skin under broadband light departs from skin under "
        "a screen's narrow primaries (metamerism), per channel",
        MASKS,
    ),
    "material_green": Range(0.8, 1.2, "as material_red", MASKS),
    "material_blue": Range(0.8, 1.2, "as material_red", MASKS),
}


RESPONSE_COLUMNS = ("challenge_nonce", "replay_recording_for", *RESPONSE_RANGES)


def sample_response(species: str, rng: np.random.Generator) -> dict[str, float]:
    return {name: r.draw(rng) for name, r in RESPONSE_RANGES.items() if species in r.species}


def envelope(times: Array, onset: float, ramp: float, hold: float) -> Array:
    """0 -> 1 over `ramp` (a smooth S), held `hold`, back to 0 over `ramp`."""
    rise = np.clip((times - onset) / ramp, 0, 1)
    fall = np.clip((onset + 2 * ramp + hold - times) / ramp, 0, 1)
    return np.sin(0.5 * np.pi * np.minimum(rise, fall)) ** 2


def blink_at(times: Array, start: float, length: float) -> Array:
    """One blink's lid closure: closes in a third of its length, reopens in the rest."""
    phase = (times - start) / length
    shape = np.where(phase < 0.33, np.clip(phase / 0.33, 0, 1), np.clip((1 - phase) / 0.67, 0, 1))
    return np.where((phase >= 0) & (phase <= 1), np.sin(shape * np.pi / 2), 0.0)


def act(
    wearer: Wearer,
    challenge: Challenge,
    drawn: dict[str, float],
    times: Array,
    shift_s: float = 0.0,
) -> None:
    """Make the wearer perform the script (`shift_s` later), in place."""
    motion = wearer.motion
    yaw, pitch, scale = motion.yaw.copy(), motion.pitch.copy(), motion.scale.copy()
    closure, expressions = wearer.closure.copy(), wearer.expressions.copy()
    ramp, hold = drawn["action_ramp_s"], drawn["action_hold_s"]
    for step in challenge.steps:
        onset = step.start + drawn["reaction_s"] + shift_s
        shape = envelope(times, onset, ramp, hold)
        if step.kind == "turn_left":
            yaw += np.deg2rad(drawn["turn_deg"]) * shape
        elif step.kind == "turn_right":
            yaw -= np.deg2rad(drawn["turn_deg"]) * shape
        elif step.kind == "look_up":
            pitch += np.deg2rad(drawn["look_up_deg"]) * shape
        elif step.kind == "come_closer":
            scale *= 1.0 + (drawn["closer_scale"] - 1.0) * shape
        elif step.kind == "smile":
            expressions[SMILE] = np.maximum(expressions[SMILE], drawn["smile_strength"] * shape)
        else:
            blink_s = drawn["voluntary_blink_ms"] / 1000.0
            for start in (onset, onset + blink_s + drawn["blink_interval_s"]):
                closure = np.maximum(closure, blink_at(times, start, blink_s))
    wearer.motion = dataclasses.replace(motion, yaw=yaw, pitch=pitch, scale=scale)
    wearer.closure, wearer.expressions = closure, expressions


def emitted_light(challenge: Challenge, latency_s: float) -> Callable[[float], Array]:
    """Linear light the screen shows at time t of the clip, `latency_s` after the script."""

    def emitted(t: float) -> Array:
        return np.asarray(srgb_to_linear(np.array(challenge.emitted(t - latency_s))))

    return emitted


def light_function(challenge: Challenge | None, latency_s: float) -> Callable[[float], Array]:
    """Linear light the screen adds at time t over what its idle page gives (in the photo)."""
    if challenge is None:
        return lambda t: np.zeros(3)
    emitted = emitted_light(challenge, latency_s)
    idle = np.asarray(srgb_to_linear(np.array(challenge.emitted(-1.0))))
    return lambda t: emitted(t) - idle


@dataclass(frozen=True, eq=False)
class FlashedSkin(Skin):
    """A skin lit by the screen as well: image x (1 + response x added light)."""

    response: Image | None = None  # (h, w, 3) relative reflection per unit of linear light
    light: Callable[[float], Array] | None = None

    def frame(self, t: float, closure: float, gain: float = 1.0) -> Image:
        image = super().frame(t, closure, gain)
        assert self.response is not None and self.light is not None
        added = self.light(t).astype(np.float32)
        if not np.any(added):
            return image
        return (image * (1.0 + self.response * added)).astype(np.float32)


def face_response(
    scene: LivingScene | MaskScene, params: dict[str, Any], drawn: dict[str, float]
) -> Image:
    """Relative reflection per unit of screen light: (screen/ambient) x cos(normal, camera) on
    the head, (distance/wall)^2 of it on the wall behind."""
    geometry = scene.geometry
    facing = normals(geometry.height)[..., 2]
    wall = (params["distance_mm"] / params["background_mm"]) ** 2
    spread = geometry.head * facing + (1.0 - geometry.head) * wall
    ratio = drawn["screen_lux"] / drawn["ambient_lux"]
    return np.repeat((ratio * spread)[..., None], 3, axis=2).astype(np.float32)


def light_skin(wearer: Wearer, response: Image, light: Callable[[float], Array]) -> None:
    fields = {f.name: getattr(wearer.skin, f.name) for f in dataclasses.fields(Skin)}
    wearer.skin = FlashedSkin(**fields, response=response, light=light)


@dataclass
class FlashedPlane:
    """A print or a replay screen, lit by the flash: the print reflects it as its paper and
    ink do, the screen only by its glass; the wall behind gets its inverse-square share."""

    plane: PlaneScene
    light: Callable[[float], Array]
    ratio: float
    glass: float | None  # screen reflectance (replay); None: a print

    def frame(self, index: int) -> tuple[Image, dict[str, Image]]:
        image, maps = self.plane.frame(index)
        added = self.light(float(self.plane.times[index])).astype(np.float32)
        if not np.any(added):
            return image, maps
        size = self.plane.size
        u, v = planes.plane_coordinates(self.plane.motion.homography(index, size), size)
        width, height = self.plane.motion.texture_size
        inside = ((u >= 0) & (u < width) & (v >= 0) & (v < height)).astype(np.float32)
        rotation, _ = self.plane.motion.pose(index)
        facing = np.float32(abs(rotation[2, 2]))
        params = self.plane.params
        wall = np.float32((params["distance_mm"] / params["background_mm"]) ** 2)
        lit = np.float32(self.ratio) * added
        out = image * (1.0 + ((1.0 - inside) * wall)[..., None] * lit)
        if self.glass is None:
            out = out + (inside * facing)[..., None] * image * lit
        else:
            out = out + (inside * facing * np.float32(self.glass))[..., None] * lit
        return out.astype(np.float32), maps


def other_challenge(challenge: Challenge, rng: np.random.Generator) -> Challenge:
    """A different script of the same kinds and length, as an earlier session would have had."""
    families = {k for s in challenge.steps for k, v in FAMILIES.items() if s.kind in v}
    kinds = [*sorted(families), *(["flash"] if challenge.flash else [])]
    issuer = ChallengeIssuer(bytes(rng.bytes(32)))
    return issuer.new(kinds=kinds, seconds=max(challenge.seconds, 2.0), ttl=3600, rng=rng, now=0)


def respond(
    scene: Scene,
    species: str,
    challenge: Challenge,
    params: dict[str, Any],
    times: Array,
    rng: np.random.Generator,
    overrides: Mapping[str, Any],
) -> tuple[Scene, dict[str, Any]]:
    """The scene responding to `challenge` from its first frame, and the drawn parameters
    (those named in `overrides` pinned)."""
    drawn = sample_response(species, rng)
    drawn.update({k: float(v) for k, v in overrides.items() if k in drawn})
    facts: dict[str, Any] = {**drawn, "challenge_nonce": challenge.nonce}
    latency = drawn.get("flash_latency_ms", 0.0) / 1000.0
    if isinstance(scene, (LivingScene, MaskScene)):
        act(scene.wearer, challenge, drawn, times)
        response = face_response(scene, params, drawn)
        if isinstance(scene, MaskScene):
            material = np.array(
                [drawn["material_red"], drawn["material_green"], drawn["material_blue"]]
            )
            response = response * (1.0 + scene.face[..., None] * (material - 1.0)).astype(
                np.float32
            )
            if scene.expressions is not None:
                scene.expressions = mask_response(
                    scene.wearer.expressions,
                    times,
                    params["expression_gain"],
                    params["expression_delay_ms"] / 1000.0,
                    params["expression_smooth_ms"] / 1000.0,
                )
        light_skin(scene.wearer, response, light_function(challenge, latency))
        return scene, facts
    assert isinstance(scene, PlaneScene)
    ratio = drawn["screen_lux"] / drawn["ambient_lux"]
    if scene.content is None:  # print: tilted by hand for turns and nods
        motion = scene.motion
        tilt_x, tilt_y = motion.tilt_x.copy(), motion.tilt_y.copy()
        for step in challenge.steps:
            shape = envelope(
                times, step.start + 0.5, drawn["action_ramp_s"], drawn["action_hold_s"]
            )
            if step.kind in ("turn_left", "turn_right"):
                sign = 1.0 if step.kind == "turn_left" else -1.0
                tilt_y += sign * np.deg2rad(drawn["turn_deg"]) * shape
            elif step.kind == "look_up":
                tilt_x -= np.deg2rad(drawn["look_up_deg"]) * shape
        scene.motion = dataclasses.replace(motion, tilt_x=tilt_x, tilt_y=tilt_y)
        return FlashedPlane(scene, light_function(challenge, latency), ratio, None), facts
    content = scene.content
    recorded = other_challenge(challenge, rng) if drawn["replay_recorded_flash"] >= 0.5 else None
    facts["replay_recording_for"] = recorded.nonce if recorded else "none"
    if recorded is not None:
        shift = drawn["replay_latency_ms"] / 1000.0
        content_drawn = sample_response(BONA_FIDE, rng)
        act(content.wearer, recorded, content_drawn, times, shift)
        response = face_response(content, params, content_drawn)
        light_skin(content.wearer, response, light_function(recorded, shift))
    glass = float(params["screen_black"])
    return FlashedPlane(scene, light_function(challenge, 0.0), ratio, glass), facts
