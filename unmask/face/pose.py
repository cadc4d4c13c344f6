"""Head pose from landmarks, with no 3-D template to calibrate.

The mesh already has depth, so two face axes (eye line, chin to forehead) give the rotation
directly; without a mesh, BlazeFace's six keypoints still give roll and a rough yaw.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from unmask.types import Pose

# Chin-to-forehead axis leans back about this much on a frontal face (measured on frontal faces).
NEUTRAL_PITCH_DEG = 0.0


def pose_from_mesh(mesh: NDArray[np.float32]) -> Pose:
    """Yaw > 0: nose toward the image's right; pitch > 0: looking up; roll > 0: clockwise."""
    right = mesh[263].astype(np.float64) - mesh[33]
    up = mesh[10].astype(np.float64) - mesh[152]
    right /= max(float(np.linalg.norm(right)), 1e-9)
    up -= up.dot(right) * right
    up /= max(float(np.linalg.norm(up)), 1e-9)
    roll = math.degrees(math.atan2(right[1], right[0]))
    yaw = math.degrees(math.asin(float(np.clip(right[2], -1, 1))))
    pitch = math.degrees(math.asin(float(np.clip(up[2], -1, 1)))) - NEUTRAL_PITCH_DEG
    return Pose(yaw=yaw, pitch=pitch, roll=roll)


def pose_from_keypoints(keypoints: NDArray[np.float32]) -> Pose:
    """Roll from the eyes; yaw from where the nose sits between the ears; pitch unknown (0)."""
    right_eye, left_eye, nose = keypoints[0], keypoints[1], keypoints[2]
    right_ear, left_ear = keypoints[4], keypoints[5]
    roll = math.degrees(
        math.atan2(float(left_eye[1] - right_eye[1]), float(left_eye[0] - right_eye[0]))
    )
    span = float(left_ear[0] - right_ear[0])
    if abs(span) < 1e-6:
        return Pose(yaw=0.0, pitch=0.0, roll=roll)
    offset = float(np.clip((nose[0] - (left_ear[0] + right_ear[0]) / 2) / (span / 2), -1, 1))
    return Pose(yaw=math.degrees(math.asin(offset)), pitch=0.0, roll=roll)
