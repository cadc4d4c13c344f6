"""The lab camera's optics and image processor: white balance, lens blur and processor softness.

On drawn scenes (a grey card, a step edge), so what each stage does is known exactly.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from unmask.lab.camera import Camera, FaceMeter, white_balance_gains
from unmask.lab.realism import noise_sigma

QUIET = {
    "light_drift": 0.0,
    "light_gradient": 0.0,
    "flicker_amplitude": 0.0,
    "noise_dn": 0.0,
    "ae_tau_s": 1.0,
    "exposure_error": 0.0,
    "lens_blur_px": 0.0,
    "isp_blur_px": 0.0,
    "wb_shift_mired": 0.0,
}


def film(scene: NDArray[np.float32], frames: int = 1, **settings: float) -> NDArray[np.uint8]:
    """`frames` exposures of a still scene by a camera with `settings` (all else quiet)."""
    params = {**QUIET, **settings}
    height, width = scene.shape[:2]
    oval = np.array([[0.2 * width, 0.2 * height], [0.8 * width, 0.8 * height]])
    meter = FaceMeter.of(scene * white_balance_gains(params["wb_shift_mired"]), oval)
    times = np.arange(frames, dtype=np.float64) / 30.0
    camera = Camera.build(params, times, 50.0, np.random.default_rng(3), meter)
    return np.stack([camera.expose(scene, index) for index in range(frames)])


def edge_width(row: NDArray[np.floating]) -> int:
    """Pixels between 10 % and 90 % of a rising step."""
    low, high = float(row.min()), float(row.max())
    level = (row - low) / (high - low)
    return int(np.argmax(level >= 0.9) - np.argmax(level >= 0.1))


def step(width: int) -> NDArray[np.float32]:
    scene = np.full((48, width, 3), 0.2, dtype=np.float32)
    scene[:, width // 2 :] = 0.7
    return scene


def test_white_balance_leaves_a_warm_cast_growing_with_the_shift() -> None:
    assert np.allclose(white_balance_gains(0.0), 1.0)
    gains = [white_balance_gains(m) for m in (40.0, 120.0)]
    for red, green, blue in gains:
        assert red > green == 1.0 > blue
    assert gains[1][0] > gains[0][0] and gains[1][2] < gains[0][2]
    grey = np.full((40, 40, 3), 0.5, dtype=np.float32)
    red, green, blue = film(grey, wb_shift_mired=120.0)[0, 20, 20].astype(int)
    assert red > green + 10 and blue < green - 10


def test_lens_blur_spreads_an_edge_and_shrinks_with_a_smaller_frame() -> None:
    sharp = edge_width(film(step(640))[0, 24, :, 1].astype(float))
    assert sharp <= 1
    wide = edge_width(film(step(640), lens_blur_px=1.6)[0, 24, :, 1].astype(float))
    narrow = edge_width(film(step(320), lens_blur_px=1.6)[0, 24, :, 1].astype(float))
    # A Gaussian's 10-90 % rise is 2.56 sigma: 4.1 px at 640 wide, half that at 320.
    assert 3 <= wide <= 5
    assert 1 <= narrow <= 3 and narrow < wide


def test_processor_softness_hides_pixel_noise_but_keeps_the_noise_of_a_region_mean() -> None:
    # A gentle ramp, as skin shading is, so 8-bit rounding falls differently on every pixel;
    # 640 wide because the softness is set at that width.
    ramp = np.linspace(0.3, 0.7, 640, dtype=np.float32)[None, :, None]
    grey = np.broadcast_to(ramp, (48, 640, 3)).copy()
    raw = film(grey, frames=100, noise_dn=0.8).astype(np.float64)
    soft = film(grey, frames=100, noise_dn=0.8, isp_blur_px=0.9).astype(np.float64)
    pixel_raw = np.median([noise_sigma(f[..., 1].astype(np.float32)) for f in raw])
    pixel_soft = np.median([noise_sigma(f[..., 1].astype(np.float32)) for f in soft])
    assert pixel_soft < 0.6 * pixel_raw
    # What an rPPG reads: the mean of a skin region over time, whose noise the softness keeps.
    region_raw = raw[:, 12:36, 300:340, 1].mean(axis=(1, 2)).std()
    region_soft = soft[:, 12:36, 300:340, 1].mean(axis=(1, 2)).std()
    assert 0.7 < region_soft / region_raw < 1.3
