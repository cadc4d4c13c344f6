"""Live frames from a local camera, stamped with a monotonic clock at capture."""

from __future__ import annotations

import time
from collections.abc import Iterator

import cv2
import numpy as np

from unmask.errors import MediaNotFoundError
from unmask.types import Frame


def read_camera(index: int = 0, *, max_seconds: float | None = None) -> Iterator[Frame]:
    """Yield frames until the camera stops or `max_seconds` pass; times start at zero."""
    capture = cv2.VideoCapture(index)
    if not capture.isOpened():
        raise MediaNotFoundError(f"camera {index}: cannot be opened")
    start = time.monotonic()
    count = 0
    try:
        while True:
            ok, bgr = capture.read()
            now = time.monotonic() - start
            if not ok or (max_seconds is not None and now > max_seconds):
                break
            rgb = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), dtype=np.uint8)
            yield Frame(image=rgb, index=count, timestamp=now, source=f"camera:{index}")
            count += 1
    finally:
        capture.release()
