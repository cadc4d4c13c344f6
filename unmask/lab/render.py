"""One presentation, in memory: sample its parameters, build its scene, film it.

Every random draw comes from generators seeded by (seed, purpose), so a clip depends only on its
seed and inputs, and asking for extra channels never changes the colour frames.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from unmask.errors import InputError
from unmask.lab import channels as ch
from unmask.lab import scenes
from unmask.lab.camera import Camera, FaceMeter, white_balance_gains
from unmask.lab.faces import FacePhoto, frame_photo
from unmask.lab.glasses import wear_glasses
from unmask.lab.ranges import OPTICS, PRESETS, RANGES, SPECIES, sample
from unmask.lab.respond import respond
from unmask.liveness.challenge import Challenge
from unmask.species import BONA_FIDE

# Purposes of the per-clip generators.
PARAMS, FRAMING, SCENE, CAMERA, CHANNEL_NOISE, SOURCE, RESPONSE, GLASSES = range(8)


@dataclass(frozen=True, eq=False)
class Presentation:
    """A rendered clip: RGB frames (T, H, W, 3) uint8, their times, extra channels, parameters."""

    frames: NDArray[np.uint8]
    times: NDArray[np.float64]
    channels: Mapping[str, NDArray[np.generic]]
    params: Mapping[str, Any]


def rng_for(seed: int, purpose: int) -> np.random.Generator:
    return np.random.default_rng([seed, purpose])


def sample_params(species: str, seed: int, preset: str = "default") -> dict[str, Any]:
    """The clip's sampled parameters (the protocol columns), before any rendering."""
    if species not in SPECIES:
        raise InputError(f"unknown species {species!r}; choose from {', '.join(SPECIES)}")
    if preset not in PRESETS:
        raise InputError(f"unknown preset {preset!r}; choose from {', '.join(PRESETS)}")
    rng = rng_for(seed, PARAMS)
    early = tuple(name for name in RANGES if name not in OPTICS)
    params: dict[str, Any] = sample(species, rng, preset, early)
    params["mains_hz"] = 50 if rng.uniform() < 0.5 else 60
    params |= sample(species, rng, preset, OPTICS)
    if "fingers" in params:
        params["fingers"] = int(params["fingers"])
    return params


def check_request(
    seconds: float, fps: float, size: tuple[int, int], wanted: tuple[str, ...]
) -> None:
    if not 0.2 <= seconds <= 120:
        raise InputError(f"--seconds {seconds}: must be between 0.2 and 120")
    if not 5 <= fps <= 120:
        raise InputError(f"--fps {fps}: must be between 5 and 120")
    if not (64 <= size[0] <= 3840 and 64 <= size[1] <= 2160):
        raise InputError(f"--size {size[0]}x{size[1]}: width 64-3840 and height 64-2160")
    unknown = set(wanted) - set(ch.CHANNELS)
    if unknown:
        raise InputError(
            f"unknown channel(s) {', '.join(sorted(unknown))}; choose from rgb, {', '.join(ch.CHANNELS)}"
        )


def build_scene(
    species: str,
    wearer: FacePhoto,
    target: FacePhoto,
    params: dict[str, Any],
    times: NDArray[np.float64],
    size: tuple[int, int],
    seed: int,
    wanted: tuple[str, ...],
    preset: str = "default",
) -> tuple[scenes.Scene, dict[str, Any], FaceMeter]:
    """The scene, its facts, and where the camera meters: the box of the face shown (the
    target's, as framed) at its photograph's exposure, for every species alike."""
    framing = rng_for(seed, FRAMING)
    target_framed = frame_photo(target, size, framing)
    # Metered as the camera sees it: its white balance may push a channel towards clipping.
    white = white_balance_gains(params["wb_shift_mired"])
    meter = FaceMeter.of(target_framed[0] * white, target_framed[1].oval)
    rng = rng_for(seed, SCENE)
    if species == BONA_FIDE:
        living = scenes.LivingScene.build(*target_framed, params, times, rng, wanted)
        return living, dict(living.wearer.facts), meter
    if species in ("mask_rigid", "mask_silicone"):
        wearer_framed = frame_photo(wearer, size, framing)
        mask = scenes.MaskScene.build(
            species, target_framed, wearer_framed, params, times, rng, wanted
        )
        return mask, dict(mask.wearer.facts), meter
    if species == "print":
        return (
            scenes.print_scene(target_framed, params, times, rng, wanted),
            {"hr_bpm": None},
            meter,
        )
    source = sample_params(BONA_FIDE, seed ^ 0x5EED, preset)
    replay = scenes.replay_scene(target_framed, params, source, times, rng, wanted)
    assert replay.content is not None
    facts = replay.content.wearer.facts
    return (
        replay,
        {
            "hr_bpm": None,
            "source_hr_bpm": facts["hr_bpm"],
            "pulse_source": facts["pulse_source"],
        },
        meter,
    )


def iter_presentation(
    species: str,
    wearer: FacePhoto,
    target: FacePhoto,
    *,
    seconds: float = 5.0,
    fps: float = 30.0,
    size: tuple[int, int] = (640, 480),
    seed: int = 0,
    channels: tuple[str, ...] = (),
    overrides: Mapping[str, Any] | None = None,
    challenge: Challenge | None = None,
    preset: str = "default",
) -> tuple[
    dict[str, Any],
    NDArray[np.float64],
    Iterator[tuple[NDArray[np.uint8], dict[str, NDArray[np.generic]]]],
]:
    """Parameters, frame times and a lazy stream of (RGB uint8, {channel: array}) per frame.

    Streaming keeps memory flat when writing long clips; `overrides` pins parameters (tests,
    ablations); `preset` names the ranges drawn from (`unmask.lab.ranges.PRESETS`).
    With `challenge` the clip responds to it from its first frame (unmask.lab.respond); response
    parameters are drawn from their own generator and may be pinned by `overrides` too.
    """
    wanted = tuple(c for c in channels if c != "rgb")
    check_request(seconds, fps, size, wanted)
    params = sample_params(species, seed, preset)
    params.update(overrides or {})
    count = max(int(round(seconds * fps)), 2)
    times = np.arange(count, dtype=np.float64) / fps
    scene, facts, meter = build_scene(
        species, wearer, target, params, times, size, seed, wanted, preset
    )
    if challenge is not None:
        scene, response = respond(
            scene, species, challenge, params, times, rng_for(seed, RESPONSE), overrides or {}
        )
        facts.update(response)
    if params.get("glasses"):
        worn = wear_glasses(scene, challenge, facts, rng_for(seed, GLASSES), overrides or {})
        facts.update(worn or {"glasses": 0.0})  # prints and replays are drawn without them
    camera = Camera.build(params, times, params["mains_hz"], rng_for(seed, CAMERA), meter)
    noise = rng_for(seed, CHANNEL_NOISE)

    def stream() -> Iterator[tuple[NDArray[np.uint8], dict[str, NDArray[np.generic]]]]:
        for index in range(count):
            image, maps = scene.frame(index)
            extra = {name: ch.finish(name, maps[name], noise, params) for name in wanted}
            yield camera.expose(image, index), extra

    return {**params, **facts}, times, stream()


def render_presentation(
    species: str,
    wearer: FacePhoto,
    target: FacePhoto,
    *,
    seconds: float = 5.0,
    fps: float = 30.0,
    size: tuple[int, int] = (640, 480),
    seed: int = 0,
    channels: tuple[str, ...] = (),
    overrides: Mapping[str, Any] | None = None,
    challenge: Challenge | None = None,
    preset: str = "default",
) -> Presentation:
    """Render one presentation to memory. For bona fide, `wearer` and `target` are the same
    person; attacks show `target` while `wearer` (masks) is the person behind."""
    params, times, stream = iter_presentation(
        species,
        wearer,
        target,
        seconds=seconds,
        fps=fps,
        size=size,
        seed=seed,
        channels=channels,
        overrides=overrides,
        challenge=challenge,
        preset=preset,
    )
    frames, extras = [], []
    for rgb, extra in stream:
        frames.append(rgb)
        extras.append(extra)
    stacks = {name: np.stack([e[name] for e in extras]) for name in (extras[0] if extras else {})}
    return Presentation(np.stack(frames), times, stacks, params)
