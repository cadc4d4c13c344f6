"""JPEG round trips keep an image's shape, channel order and (roughly) its content, and lose
more at lower quality."""

from __future__ import annotations

import cv2
import numpy as np

from unmask.media import recompressed


def test_round_trip_keeps_shape_and_rgb_order_and_loses_more_at_lower_quality() -> None:
    rng = np.random.default_rng(3)
    image = cv2.GaussianBlur(rng.integers(0, 256, (60, 90, 3), dtype=np.uint8), (0, 0), 1.5)
    image[:, :30] = (200, 40, 40)  # a red band: a BGR mix-up would turn it blue
    high, low = recompressed(image, 95), recompressed(image, 20)
    assert high.shape == image.shape and high.dtype == np.uint8 and high.flags.c_contiguous
    assert high[10:50, 5:25, 0].mean() > 150 and high[10:50, 5:25, 2].mean() < 90
    error = [np.abs(out.astype(int) - image.astype(int)).mean() for out in (high, low)]
    assert error[0] < error[1]
