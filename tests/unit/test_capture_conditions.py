"""The camera conditions benchmarks/colour_cast.py and site_adaptation.py put real images
through: an exposure error is a gain in linear light, a cast a gain per channel."""

from __future__ import annotations

import numpy as np

from benchmarks.colour_cast import CONDITIONS, Condition, exposed
from unmask.lab.recapture import to_linear


def grey_ramp() -> np.ndarray:
    values = np.linspace(10, 240, 24).astype(np.uint8)
    return np.repeat(np.repeat(values[None, :, None], 4, axis=0), 3, axis=2)


def test_no_exposure_error_leaves_the_image_as_it_was() -> None:
    image = grey_ramp()
    assert np.array_equal(exposed(image, 0.0), image)


def test_a_stop_under_halves_the_light_and_a_stop_over_doubles_it_up_to_white() -> None:
    image = grey_ramp()
    light = to_linear(image)[0, :, 0]
    darker = to_linear(exposed(image, -1.0))[0, :, 0]
    brighter = to_linear(exposed(image, 1.0))[0, :, 0]
    # 8-bit rounding: within one code value of the exact gain, which is at most 2 % of the light
    # at these levels.
    assert np.allclose(darker, light / 2, rtol=0.04, atol=0.002)
    unclipped = light * 2 < 1.0
    assert np.allclose(brighter[unclipped], light[unclipped] * 2, rtol=0.04, atol=0.002)
    assert np.all(exposed(image, 1.0)[0, ~unclipped, 0] == 255)


def test_every_condition_is_named_once_and_neutral_changes_nothing() -> None:
    names = [condition.name for condition in CONDITIONS]
    assert len(names) == len(set(names))
    neutral = next(c for c in CONDITIONS if c.name == "neutral")
    image = grey_ramp()
    assert np.array_equal(neutral.apply(image), image)


def test_a_condition_applies_its_cast_and_its_exposure() -> None:
    image = grey_ramp()
    warm_and_dark = Condition("both", red=1.1, blue=0.9, stops=-1.0).apply(image)
    red, green, blue = (to_linear(warm_and_dark)[0, 12, c] for c in range(3))
    assert red > green > blue
    assert green < to_linear(image)[0, 12, 1]
