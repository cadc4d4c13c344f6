"""Per-face quality: is this crop worth embedding or judging liveness on?

Recognition error grows fast below about 80 px between the face's edges, with blur, with bad
exposure and with pose beyond about 30 degrees; the score multiplies those so one bad factor
sinks it, and tracks pick their best frames by it.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from unmask.types import Box, Pose, Quality

NORMALISED_SIDE = 128
GOOD_SIZE_PX = 112.0
GOOD_SHARPNESS = 60.0


def face_quality(image: NDArray[np.uint8], box: Box, pose: Pose) -> Quality:
    size = float(min(box.w, box.h))
    x0, y0 = max(int(box.x), 0), max(int(box.y), 0)
    x1, y1 = min(int(box.x + box.w), image.shape[1]), min(int(box.y + box.h), image.shape[0])
    patch = image[y0:y1, x0:x1]
    if patch.size == 0:
        return Quality(size_px=size, sharpness=0.0, exposure=0.0, pose_penalty=1.0, score=0.0)
    grey = cv2.cvtColor(np.ascontiguousarray(patch), cv2.COLOR_RGB2GRAY)
    normalised = cv2.resize(grey, (NORMALISED_SIDE, NORMALISED_SIDE), interpolation=cv2.INTER_AREA)
    sharpness = float(cv2.Laplacian(normalised, cv2.CV_64F).var())
    exposure = float(grey.mean() / 255.0)
    clipped = float(np.mean((grey < 8) | (grey > 247)))
    pose_penalty = float(min(1.0, (pose.yaw / 50.0) ** 2 + (pose.pitch / 40.0) ** 2))
    size_term = min(1.0, size / GOOD_SIZE_PX)
    sharp_term = 1.0 - float(np.exp(-sharpness / GOOD_SHARPNESS))
    exposure_term = max(0.0, 1.0 - abs(exposure - 0.5) / 0.45) * (1.0 - clipped)
    score = size_term * sharp_term * exposure_term * (1.0 - pose_penalty)
    return Quality(
        size_px=size, sharpness=sharpness, exposure=exposure, pose_penalty=pose_penalty, score=score
    )
