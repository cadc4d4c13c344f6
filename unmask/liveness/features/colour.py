"""Colour and specular statistics of a face crop.

Prints reproduce a reduced gamut (ink), screens shift white point and gamma, moulded materials
reflect light differently from skin: skin highlights are small and sharp on an oily surface,
glossy paper and screens give broad flat glare, matte resin gives almost none.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np
from numpy.typing import NDArray

#: Chroma a monochrome frame keeps beyond what its luma explains (90th percentile, 0-255 YCrCb
#: units). A greyscale or night-mode (infrared) camera, and a grey image saved as JPEG or
#: H.264, leave 0-0.5; the least colourful real colour frames measured here (a muted web video,
#: NUAA webcam prints) keep 3-5. See docs/recapture.md, "Monochrome cameras".
MONOCHROME_CHROMA = 1.0
#: The most a monochrome frame's mean chroma sits from neutral grey (0-255 YCrCb units): a
#: faint cast at most. A colour frame of one uniform colour (a close-up of skin, whose chroma
#: the regression on luma explains entirely) sits 10-30 units from it.
MONOCHROME_CAST = 6.0
#: Evidence key a colour-reading cue sets when it stayed silent on a monochrome frame, so the
#: fusion can say why nothing ruled out a print or a screen.
MONOCHROME_MARK = "monochrome"
#: Frames are judged monochrome on at most this many pixels a side: colour is not a fine detail.
MONOCHROME_SIDE = 256


class FrameColour(NamedTuple):
    """How much colour a frame holds that its brightness does not explain (`chroma`), and how
    far its mean colour sits from grey (`cast`), both in 0-255 YCrCb units."""

    chroma: float
    cast: float

    @property
    def monochrome(self) -> bool:
        """A greyscale or night-mode camera's frame: one whose colour says nothing."""
        return self.chroma < MONOCHROME_CHROMA and self.cast < MONOCHROME_CAST


def chroma_beyond_luma(rgb: NDArray[np.uint8]) -> FrameColour:
    """The frame's colour beyond its brightness, and its cast.

    Chroma is regressed on luma so that a faintly tinted monochrome image (an infrared camera's
    cast, whose chroma scales with brightness) reads as monochrome as a grey one does; what is
    left is colour that differs between things of the same brightness. A frame of one colour
    leaves nothing either, which is why the mean's distance from grey is returned too.
    """
    step = max(1, int(np.ceil(max(rgb.shape[:2]) / MONOCHROME_SIDE)))
    small = np.ascontiguousarray(rgb[::step, ::step])
    ycrcb = cv2.cvtColor(small, cv2.COLOR_RGB2YCrCb).reshape(-1, 3).astype(np.float64)
    design = np.stack([ycrcb[:, 0], np.ones(len(ycrcb))], axis=1)
    residuals = []
    for channel in (1, 2):
        fit, *_ = np.linalg.lstsq(design, ycrcb[:, channel], rcond=None)
        residuals.append(float(np.percentile(np.abs(ycrcb[:, channel] - design @ fit), 90)))
    cast = float(np.abs(ycrcb[:, 1:].mean(axis=0) - 128.0).max())
    return FrameColour(max(residuals), cast)


def is_monochrome(rgb: NDArray[np.uint8]) -> bool:
    """True for a frame from a greyscale or night-mode camera.

    Cues that read colour (gamut, the skin's pulse, a flash's colours) must stay silent on such
    a frame instead of reading the missing colour as a squeezed print gamut or an absent pulse.
    """
    return chroma_beyond_luma(rgb).monochrome


def colour_features(rgb: NDArray[np.uint8]) -> NDArray[np.float64]:
    """Gamut descriptors: chroma spread in YCrCb, saturation percentiles, colourfulness."""
    ycrcb = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb).reshape(-1, 3).astype(np.float64)
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV).reshape(-1, 3).astype(np.float64)
    r, g, b = (rgb.reshape(-1, 3).astype(np.float64) / 255.0).T
    rg, yb = r - g, 0.5 * (r + g) - b
    colourfulness = np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean())
    sat = hsv[:, 1] / 255.0
    return np.array(
        [
            ycrcb[:, 1].std() / 255.0,
            ycrcb[:, 2].std() / 255.0,
            (ycrcb[:, 1].mean() - 128.0) / 255.0,
            (ycrcb[:, 2].mean() - 128.0) / 255.0,
            np.percentile(sat, 10),
            np.percentile(sat, 90),
            colourfulness,
            ycrcb[:, 0].std() / 255.0,
        ]
    )


def specular_features(rgb: NDArray[np.uint8]) -> NDArray[np.float64]:
    """Highlight share, highlight blob spread and clipping: bright, desaturated pixels."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV).astype(np.float64)
    value, sat = hsv[..., 2] / 255.0, hsv[..., 1] / 255.0
    highlight = (value > np.percentile(value, 95)) & (sat < np.median(sat))
    share = float(highlight.mean())
    clipped = float((value > 0.98).mean())
    if highlight.any():
        ys, xs = np.nonzero(highlight)
        spread = float(np.hypot(ys.std(), xs.std()) / max(rgb.shape[:2]))
        contrast = float(value[highlight].mean() - np.median(value))
    else:
        spread, contrast = 0.0, 0.0
    return np.array([share, clipped, spread, contrast])
