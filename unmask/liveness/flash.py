"""The `flash` cue: does the face reflect the colours the screen flashed, at once, as a 3-D face?

Light from the screen reaches the face and comes back within the frame, with a strength
proportional to the skin's albedo and the cosine between the surface normal and the direction
of the screen (beside the camera). Taking logs of each patch's colour removes the albedo and
the ambient level: a patch's log colour is a slow drift (ambient light, exposure, motion) plus
`gain x emitted colour`. We fit that model by least squares over a grid of lags and read:
- **lag**: the best lag, which must be short (the display's latency, under a few frames) and
  the same in the first and second half of the flash (or, at low signal, explaining each half
  nearly as well as the half's own best lag);
- **amplitude**: the relative change for a full-white flash, against its standard error (the
  flash must stand out of the ambient light and noise);
- **shape**: the gain at the face's edge (temples, jaw) against its centre (glabella, nose,
  chin, cheeks): a face turns its sides away from the screen and reflects less there; a print
  or a screen is a plane and responds uniformly. Clipped patches are left out, since clipping
  flattens a response.
A replay of another (or no) challenge shows no response that follows this colour sequence; the
glass of a replay screen reflects a little, uniformly. docs/challenge.md gives the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from unmask.liveness.features.colour import MONOCHROME_MARK, is_monochrome
from unmask.types import CueScore

CUE = "flash"
# Sampling sites: mesh point, pulled towards the nose tip by this share. The centre sites
# (glabella, nose, chin, mid-cheeks) face the camera and the screen beside it; the edge sites
# sit just inside the face outline (pulled in 10 % so the patch stays on skin), where the face
# turns sideways: on a face they reflect the flash about a third less, on a plane as much.
CENTRE_SITES = {
    "glabella": (9, 0.0),
    "nose": (4, 0.0),
    "chin": (200, 0.0),
    "right_cheek": (205, 0.0),
    "left_cheek": (425, 0.0),
}
EDGE_SITES = {
    "right_temple": (93, 0.1),
    "left_temple": (323, 0.1),
    "right_jaw": (132, 0.1),
    "left_jaw": (361, 0.1),
    "right_jaw_angle": (58, 0.1),
    "left_jaw_angle": (288, 0.1),
}
SITES = {**CENTRE_SITES, **EDGE_SITES}
NOSE_TIP = 1
EYE_CORNERS = (33, 263)
SITE_RADIUS = 0.07  # patch radius in eye-corner distances (about 6 mm)
CLIPPED = 250  # 8-bit level at which a pixel is taken as clipped
MAX_CLIPPED = 0.02
LAGS_S = np.arange(0.0, 0.4001, 0.01)
# Thresholds set on SIMULATED lab clips answering their own challenges (seeds 4600 and 4400:
# 30 bona fide; 4600 and 3100: 11 prints and 13 replays that a face was seen in), each midway
# between the attacks and the living faces; `benchmarks/challenge.py steps` reproduces them.
# Lag: living faces 20-70 ms (the kiosk's 20-80 ms latency), replays that follow the flash
# 220-400 ms.
MAX_LAG_S = 0.15
LAG_SPREAD_FRAMES = 1.5  # first and second half of the flash must agree this well
# Share of the drift-free variance the colours must explain: living faces 0.11 and up; a replay
# that nothing else refuses (its noisy relief reads like a face's) 0.04.
MIN_R2 = 0.075
# Amplitude over its standard error: a positive response, 2 standard errors out. It does not
# separate attacks (replay glass reflects this flash too: up to 60), only noise (living faces
# from 4.9).
MIN_SNR = 2.0
# Edge/centre contrast: prints 0.08 at most, living faces that respond 0.20 and up.
SHAPE_MIN = 0.14
SHAPE_SCALE = 0.04
#: The recorder checks every this many frames, this many times, whether the camera delivers
#: colour at all.
MONOCHROME_EVERY = 10
MONOCHROME_CHECKS = 5
DRIFT_EVERY_S = 1.5  # one drift basis function per this many seconds of capture


def srgb_to_linear(rgb: NDArray[np.float64]) -> NDArray[np.float64]:
    """The light a screen emits for sRGB values 0-255 (IEC 61966-2-1), in [0, 1]."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def site_points(mesh: NDArray[np.floating]) -> tuple[NDArray[np.float64], float]:
    """Pixel centre of every site and the patch radius."""
    points = np.asarray(mesh, dtype=np.float64)[:, :2]
    nose = points[NOSE_TIP]
    centres = np.array([points[i] + pull * (nose - points[i]) for i, pull in SITES.values()])
    eyes = float(np.linalg.norm(points[EYE_CORNERS[1]] - points[EYE_CORNERS[0]]))
    return centres, max(SITE_RADIUS * eyes, 1.5)


def sample_sites(image: NDArray[np.uint8], mesh: NDArray[np.floating]) -> NDArray[np.float64]:
    """(sites, 3) mean RGB of a disk at each site; NaN where a disk leaves the frame, and in a
    channel with clipped pixels (a clipped channel under-reports the flash and would fake a
    relief)."""
    centres, radius = site_points(mesh)
    r = int(math.ceil(radius))
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    disk = (xx * xx + yy * yy) <= radius * radius
    height, width = image.shape[:2]
    out = np.full((len(centres), 3), np.nan)
    for k, (cx, cy) in enumerate(centres):
        x, y = int(round(cx)), int(round(cy))
        if x - r < 0 or y - r < 0 or x + r >= width or y + r >= height:
            continue
        patch = image[y - r : y + r + 1, x - r : x + r + 1][disk]
        clipped = np.mean(patch >= CLIPPED, axis=0) > MAX_CLIPPED
        out[k] = np.where(clipped, np.nan, patch.mean(axis=0))
    return out


@dataclass
class FlashRecorder:
    """Per frame, the colour of every site (NaN rows when no face), kept as frames pass."""

    samples: list[NDArray[np.float64]] = field(default_factory=list)
    #: Whether each frame looked at held no colour: every MONOCHROME_EVERY-th of the first
    #: MONOCHROME_CHECKS such frames (the camera's kind, not the scene, is what is asked).
    colourless: list[bool] = field(default_factory=list)

    def add(self, image: NDArray[np.uint8], mesh: NDArray[np.floating] | None) -> None:
        due = len(self.samples) % MONOCHROME_EVERY == 0
        if due and len(self.colourless) < MONOCHROME_CHECKS:
            self.colourless.append(is_monochrome(image))
        if mesh is None:
            self.samples.append(np.full((len(SITES), 3), np.nan))
        else:
            self.samples.append(sample_sites(image, mesh))

    @property
    def monochrome(self) -> bool:
        """A greyscale or night-mode camera: the flash's colours cannot be read back."""
        return bool(self.colourless) and all(self.colourless)

    def traces(self) -> NDArray[np.float64]:
        """(frames, sites, 3)."""
        if not self.samples:
            return np.zeros((0, len(SITES), 3))
        return np.stack(self.samples)


def drift_basis(times: NDArray[np.float64]) -> NDArray[np.float64]:
    """Legendre polynomials over the capture: slow changes the flash does not explain."""
    span = max(float(times[-1] - times[0]), 1e-6)
    degree = max(2, int(span / DRIFT_EVERY_S) + 1)
    x = 2.0 * (times - times[0]) / span - 1.0
    return np.polynomial.legendre.legvander(x, degree)


@dataclass(frozen=True)
class FlashFit:
    """The model fitted at one lag."""

    lag: float
    r2: float
    gains: NDArray[np.float64]  # (sites, 3): each camera channel's gain on its own screen colour
    white: NDArray[np.float64]  # (sites,) relative response to a full-white flash (mean over
    # the unclipped channels)
    white_se: NDArray[np.float64]  # (sites,) standard errors


class FlashModel:
    """Log colours `y` (frames, sites, 3; NaN = unusable) explained by a slow drift plus each
    camera channel's gain on the light its own screen primary emitted at t - lag.

    Each camera channel is fitted on its own primary only: with 4-10 colours the three primaries
    are too collinear for a full 3x3 response to be stable, and a camera channel sees mostly its
    own primary. The drift is projected out once per pattern of usable frames, so trying a lag
    costs a few dot products per patch."""

    def __init__(
        self,
        times: NDArray[np.float64],
        y: NDArray[np.float64],
        emitted: Callable[[NDArray[np.float64]], NDArray[np.float64]],
    ) -> None:
        self.times, self.emitted = times, emitted
        self.shape = y.shape[1:]
        drift = drift_basis(times)
        flat = y.reshape(len(times), -1)
        groups: dict[bytes, list[int]] = {}
        for j in range(flat.shape[1]):
            ok = np.isfinite(flat[:, j])
            if ok.sum() >= drift.shape[1] + 6:
                groups.setdefault(ok.tobytes(), []).append(j)
        self.groups = []
        for key, columns in groups.items():
            ok = np.frombuffer(key, dtype=bool)
            basis, _ = np.linalg.qr(drift[ok])
            values = flat[ok][:, columns]
            rest = values - basis @ (basis.T @ values)
            self.groups.append((ok, basis, np.array(columns), rest))

    def at(self, lag: float) -> FlashFit:
        light = srgb_to_linear(self.emitted(self.times - lag))
        count = int(np.prod(self.shape))
        gains = np.full(count, np.nan)
        variance = np.full(count, np.nan)
        rss_full = rss_drift = 0.0
        for ok, basis, columns, rest in self.groups:
            own = light[ok][:, columns % 3]  # each column's own primary
            own = own - basis @ (basis.T @ own)
            power = np.maximum((own * own).sum(axis=0), 1e-12)
            gain = (own * rest).sum(axis=0) / power
            total = (rest * rest).sum(axis=0)
            residual = np.maximum(total - gain * gain * power, 0.0)
            dof = max(int(ok.sum()) - basis.shape[1] - 1, 1)
            gains[columns] = gain
            variance[columns] = residual / dof / power
            rss_full += float(residual.sum())
            rss_drift += float(total.sum())
        sites = self.shape[0]
        per_site = gains.reshape(sites, 3)
        channels = np.isfinite(per_site).sum(axis=1)
        used = np.maximum(channels, 1)
        white = np.where(channels > 0, np.nansum(per_site, axis=1) / used, np.nan)
        white_se = np.sqrt(np.nansum(variance.reshape(sites, 3), axis=1)) / used
        r2 = 1.0 - rss_full / rss_drift if rss_drift > 0 else 0.0
        return FlashFit(lag, r2, per_site, white, white_se)


def best_fit(
    times: NDArray[np.float64],
    y: NDArray[np.float64],
    emitted: Callable[[NDArray[np.float64]], NDArray[np.float64]],
) -> FlashFit:
    model = FlashModel(times, y, emitted)
    return max((model.at(float(lag)) for lag in LAGS_S), key=lambda f: f.r2)


def monochrome_flash() -> CueScore:
    """The flash check on a camera without colour: silent, because the reflection is read by
    its colours, which such a camera does not record; a misread fit would call a face a
    replay."""
    return CueScore(
        CUE,
        None,
        reason="monochrome camera: the flash is checked by the colour of the face's reflection, "
        "which a greyscale or night-mode camera does not record",
        evidence={MONOCHROME_MARK: True},
    )


def flash_cue(
    times: NDArray[np.float64],
    emitted: Callable[[NDArray[np.float64]], NDArray[np.float64]],
    samples: NDArray[np.float64],
    flash_span: tuple[float, float],
) -> CueScore:
    """Score the reflection of the flash. `emitted(t)` gives the sRGB colour on screen at script
    times `t` (frames, 3); `samples` are the recorder's (frames, sites, 3); `flash_span` is
    when the script flashes. Fails on no response, a late or drifting one, or a flat one."""
    samples = np.where(samples > 0.5, samples, np.nan)
    seen = np.isfinite(samples).any(axis=(1, 2))
    covered = (times >= flash_span[0]) & (times <= flash_span[1])
    evidence: dict[str, Any] = {
        "frames": int(seen.sum()),
        "flash_frames_seen": int((seen & covered).sum()),
        "flash_window": [round(flash_span[0], 3), round(flash_span[1], 3)],
    }
    if (seen & covered).sum() < max(8, 0.6 * covered.sum()):
        return CueScore(
            CUE, None, reason="the face was not seen through the flash", evidence=evidence
        )
    margin = 1.0
    use = seen & (times >= flash_span[0] - margin) & (times <= flash_span[1] + margin)
    t = times[use]
    y = np.log(samples[use])
    best = best_fit(t, y, emitted)
    fps = (len(t) - 1) / max(float(t[-1] - t[0]), 1e-6)
    middle = 0.5 * (flash_span[0] + flash_span[1])
    halves, half_fit = [], []
    for part in (t <= middle + 0.25, t >= middle - 0.25):
        if part.sum() > 10:
            model = FlashModel(t[part], y[part], emitted)
            fitted = max((model.at(float(lag)) for lag in LAGS_S), key=lambda f: f.r2)
            if fitted.r2 >= MIN_R2:  # a half too weak to fit says nothing about the lag
                halves.append(fitted.lag)
                half_fit.append(model.at(best.lag).r2 / fitted.r2)
    names = list(SITES)
    usable = np.isfinite(best.white)
    if usable.sum() < 4:
        return CueScore(
            CUE, None, reason="too few unclipped face patches to read the flash", evidence=evidence
        )
    white, white_se = best.white[usable], best.white_se[usable]
    amplitude = float(np.median(white))
    # The median's error from the typical patch's: one patch with few usable frames (a jaw
    # angle at the frame's edge) has an error large enough to drown the mean of squares.
    amplitude_se = float(np.sqrt(np.median(white_se**2)) / math.sqrt(len(white)))
    snr = amplitude / max(amplitude_se, 1e-9)
    centre = np.isin(np.array(names)[usable], list(CENTRE_SITES))
    if centre.sum() < 2 or (~centre).sum() < 2:
        return CueScore(
            CUE, None, reason="too few unclipped face patches to read the flash", evidence=evidence
        )
    centre_gain = float(np.median(white[centre]))
    edge_gain = float(np.median(white[~centre]))
    shape = 1.0 - edge_gain / centre_gain if centre_gain > 0 else 0.0
    own = best.gains[usable].T  # (3 channels, usable sites)
    evidence.update(
        {
            "lag_ms": round(1000 * best.lag, 1),
            "lag_halves_ms": [round(1000 * lag, 1) for lag in halves],
            "halves_fit_at_common_lag": [round(f, 3) for f in half_fit],
            "r2": round(best.r2, 4),
            "amplitude": round(amplitude, 5),
            "amplitude_snr": round(snr, 2),
            "centre_gain": round(centre_gain, 5),
            "edge_gain": round(edge_gain, 5),
            "relief_contrast": round(shape, 4),
            "response_map": {
                n: None if not math.isfinite(w) else round(float(w), 5)
                for n, w in zip(names, best.white, strict=True)
            },
            "channel_gains": [
                None if not np.isfinite(row).any() else round(float(np.nanmean(row)), 5)
                for row in own
            ],
            "fps": round(fps, 2),
        }
    )
    parts: dict[str, float] = {}
    reasons: dict[str, str] = {}
    follows = min(best.r2 / MIN_R2, snr / MIN_SNR)
    parts["response"] = 0.5 + 0.5 * math.tanh(2.0 * (follows - 1.0))
    reasons["response"] = (
        f"no reflection that follows the flashed colours (r2 {best.r2:.2f}, signal/noise {snr:.1f}): "
        "a replay, or ambient light too bright for the screen"
    )
    if amplitude <= 0 or float(np.mean(own[np.isfinite(own)] > 0)) < 0.5:
        parts["response"] = min(parts["response"], 0.1)
    parts["lag"] = 0.9 if best.lag <= MAX_LAG_S else 0.1
    reasons["lag"] = f"the reflection comes {1000 * best.lag:.0f} ms late"
    if len(halves) == 2:
        # Steady when one lag serves both halves: their own best lags agree, or the common lag
        # explains each half nearly as well as its own (at low signal the best lag wanders).
        spread = abs(halves[0] - halves[1])
        steady = spread <= max(LAG_SPREAD_FRAMES / max(fps, 1.0), 0.05) or min(half_fit) >= 0.8
        parts["steady"] = 0.9 if steady else 0.2
        reasons["steady"] = f"the lag drifts by {1000 * spread:.0f} ms within the flash"
    parts["shape"] = 0.5 + 0.5 * math.tanh((shape - SHAPE_MIN) / SHAPE_SCALE)
    reasons["shape"] = (
        f"the surface reflects the flash as a plane (edge/centre contrast {shape:.2f})"
    )
    if parts["response"] < 0.5:
        for name in ("lag", "steady", "shape"):
            parts.pop(name, None)
    evidence["sub_scores"] = {k: round(v, 4) for k, v in parts.items()}
    deciding = min(parts, key=lambda k: parts[k])
    evidence["deciding"] = deciding
    score = parts[deciding]
    return CueScore(
        CUE,
        round(score, 4),
        confidence=round(abs(2 * score - 1), 4),
        reason=reasons[deciding] if score < 0.5 else None,
        evidence=evidence,
    )
