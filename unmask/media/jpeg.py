"""JPEG round trips of RGB frames in memory: how a camera's or a messenger's compression is
simulated (the attack lab's recapture cameras, the demo's second capture, benchmarks)."""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray


def recompressed(image: NDArray[np.uint8], quality: int) -> NDArray[np.uint8]:
    """`image` (RGB uint8) encoded as JPEG at `quality` (1-100) and decoded again."""
    _, data = cv2.imencode(".jpg", image[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    decoded = np.asarray(cv2.imdecode(data, cv2.IMREAD_COLOR), np.uint8)
    return np.ascontiguousarray(decoded[..., ::-1])
