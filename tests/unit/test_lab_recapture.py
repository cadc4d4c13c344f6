"""Recapture physics: known spectral answers of halftone and sub-pixel grids, and the pipeline's
contract (paired camera, face box, determinism)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.typing import NDArray

from unmask.lab.planes import pixel_grid
from unmask.lab.recapture import (
    KINDS,
    RANGES,
    Image,
    View,
    capture,
    halftone_pattern,
    ink_transmission,
    sample_camera,
    sample_print,
    supersampled,
)
from unmask.liveness.recapture import FEATURE_NAMES, analysis_crop, recapture_features
from unmask.types import Box

SIZE = 128


def flat_view() -> View:
    """Camera pixel (x, y) looks at source (x, y): no scale, roll, tilt or bend."""
    return View(
        size=SIZE,
        centre_src=(SIZE / 2, SIZE / 2),
        scale=1.0,
        roll=0.0,
        tilt=np.eye(3),
        bend_radius=0.0,
    )


def strongest_frequency(image: NDArray[np.floating]) -> tuple[float, float]:
    """(fy, fx) in cycles per pixel of the strongest non-DC bin of a Hann-windowed spectrum."""
    window = np.outer(np.hanning(SIZE), np.hanning(SIZE))
    power = np.abs(np.fft.fft2((image - image.mean()) * window)) ** 2
    power[0, 0] = 0.0
    iy, ix = np.unravel_index(int(np.argmax(power)), power.shape)
    freq = np.fft.fftfreq(SIZE)
    return abs(float(freq[iy])), abs(float(freq[ix]))


def test_every_range_names_a_source() -> None:
    for name, spec in RANGES.items():
        assert spec.low <= spec.high, name
        assert len(spec.source) > 10, name


def test_black_halftone_has_its_screen_frequency() -> None:
    """A mid-grey screened at 4 px along 45 degrees peaks at 1/4 cycle per pixel on the diagonal."""
    period = 4.0
    coverage = np.zeros((SIZE, SIZE, 4), np.float32)
    coverage[..., 3] = 0.5  # black ink only, screened at 45 degrees
    params = {"ink_density": 1.8, "ink_crosstalk": 0.1}
    pattern = halftone_pattern(coverage, period, ink_transmission(params), 3)
    printed = supersampled(flat_view(), 3, pattern, 3).mean(axis=-1)
    fy, fx = strongest_frequency(printed)
    expected = 1.0 / period / math.sqrt(2)  # each axis component of a 45-degree frequency 1/period
    assert fy == pytest.approx(expected, abs=1.5 / SIZE)
    assert fx == pytest.approx(expected, abs=1.5 / SIZE)
    assert 0.35 < printed.mean() < 0.65


def test_screen_grid_finer_than_a_pixel_aliases_into_moire() -> None:
    """Sub-pixel stripes of 1.25 camera px (0.8 cycle/px) alias to 1 - 0.8 = 0.2 cycle/px."""
    pitch = 1.25

    def grid(u: Image, v: Image, rows: slice) -> Image:
        return pixel_grid(u / pitch, v / pitch * 0.0, 1.0, 0.5)

    seen = supersampled(flat_view(), 4, grid, 3)[..., 1]
    fy, fx = strongest_frequency(seen)
    assert fy == pytest.approx(0.0, abs=1.5 / SIZE)
    assert fx == pytest.approx(0.2, abs=1.5 / SIZE)


def portrait(rng: np.random.Generator) -> tuple[NDArray[np.uint8], Box]:
    """A smooth skin-toned face-like blob with fine texture, and its box."""
    yy, xx = np.mgrid[0:240, 0:240] / 240.0
    face = np.exp(-(((xx - 0.5) / 0.25) ** 2 + ((yy - 0.5) / 0.32) ** 2))
    base = np.array([0.25, 0.3, 0.35]) + face[..., None] * np.array([0.6, 0.35, 0.25])
    image = base + 0.02 * rng.standard_normal((240, 240, 3))
    return np.clip(image * 255, 0, 255).astype(np.uint8), Box(60, 45, 120, 150)


@pytest.mark.parametrize("kind", KINDS)
def test_capture_is_deterministic_and_centres_the_face(kind: str) -> None:
    photo, box = portrait(np.random.default_rng(0))
    shots = []
    for _ in range(2):
        rng = np.random.default_rng(5)
        camera = sample_camera(rng) | {"face_px": 100.0}
        shots.append(capture(photo, box, kind, camera, rng))
    assert np.array_equal(shots[0].image, shots[1].image)
    shot = shots[0]
    assert shot.image.dtype == np.uint8 and shot.image.shape[0] == shot.image.shape[1]
    assert max(shot.box.w, shot.box.h) == pytest.approx(100.0)
    centre = shot.box.x + shot.box.w / 2
    assert centre == pytest.approx(shot.image.shape[1] / 2, abs=1.0)


def test_print_lowers_dynamic_range_of_the_same_capture() -> None:
    """Paper reflects a few per cent even under solid black ink: the print of a photo spans
    fewer stops than the photo seen directly through the same camera."""
    photo, box = portrait(np.random.default_rng(1))
    photo[100:120, 90:150] = 5  # dark features (eyes, brows) give the original real depth
    index = FEATURE_NAMES.index("dynamic_range_stops")
    ranges = {}
    for kind in ("bona_fide", "print"):
        rng = np.random.default_rng(3)
        camera = sample_camera(rng) | {"face_px": 150.0, "read_noise": 0.001, "exposure_ev": 0.0}
        medium = sample_print(rng) | {"gloss": 0.1, "ink_density": 1.3}
        shot = capture(photo, box, kind, camera, rng, medium=medium)
        ranges[kind] = recapture_features(analysis_crop(shot.image, shot.box))[index]
    assert ranges["print"] < ranges["bona_fide"] - 0.5


def test_unknown_kind_is_refused() -> None:
    photo, box = portrait(np.random.default_rng(0))
    with pytest.raises(ValueError):
        capture(
            photo, box, "mask", sample_camera(np.random.default_rng(0)), np.random.default_rng(0)
        )
