"""The 468-point face mesh and the iris rings, each run on a rotated square crop.

The crop is where accuracy comes from: MediaPipe's models expect the face upright and filling
the crop, so we rotate by the eye line and scale the detection box by 1.5 (mesh) or an eye's
width by 2.3 (iris), then map the model's crop coordinates back to frame pixels.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numpy.typing import NDArray

from unmask.face.mesh import (
    LEFT_INNER_CORNER,
    LEFT_OUTER_CORNER,
    RIGHT_INNER_CORNER,
    RIGHT_OUTER_CORNER,
)
from unmask.models import tflite_interpreter

# Input sides of the two networks, in pixels.
MESH_INPUT_PIXELS = 192
IRIS_INPUT_PIXELS = 64
MESH_SCALE = 1.5
IRIS_SCALE = 2.3
MESH_PRESENCE_MIN = 0.5
# Outer and inner corner of each eye in the mesh: subject's right eye first.
EYE_CORNERS = ((RIGHT_OUTER_CORNER, RIGHT_INNER_CORNER), (LEFT_INNER_CORNER, LEFT_OUTER_CORNER))


def crop_to_image(
    centre: tuple[float, float], size: float, angle: float, out: int
) -> NDArray[np.float64]:
    """2x3 affine taking crop pixels (u, v) to frame pixels for a rotated square ROI."""
    scale = size / out
    cos, sin = math.cos(angle) * scale, math.sin(angle) * scale
    rotation = np.array([[cos, -sin], [sin, cos]])
    offset = np.asarray(centre) - rotation @ np.array([out / 2.0, out / 2.0])
    return np.hstack([rotation, offset[:, None]])


def crop(image: NDArray[np.uint8], affine: NDArray[np.float64], out: int) -> NDArray[np.float32]:
    """Sample the ROI into an out x out float crop in [0, 1], border replicated."""
    patch = cv2.warpAffine(
        image,
        affine,
        (out, out),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return patch.astype(np.float32) / 255.0


def to_image(points: NDArray[np.float32], affine: NDArray[np.float64]) -> NDArray[np.float32]:
    """Map (N, 2|3) crop points to frame pixels; z is scaled like x and y."""
    mapped = points.astype(np.float64).copy()
    mapped[:, :2] = points[:, :2] @ affine[:, :2].T + affine[:, 2]
    if points.shape[1] > 2:
        mapped[:, 2] = points[:, 2] * math.hypot(affine[0, 0], affine[1, 0])
    return mapped.astype(np.float32)


def run_model(name: str, tensor: NDArray[np.float32]) -> dict[str, NDArray[np.float32]]:
    interpreter = tflite_interpreter(name)
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], tensor[None])
    interpreter.invoke()
    return {d["name"]: interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()}


def face_mesh(
    image: NDArray[np.uint8], centre: tuple[float, float], size: float, angle: float
) -> tuple[NDArray[np.float32], float]:
    """468 (x, y, z) points in frame pixels and the model's face-presence probability."""
    affine = crop_to_image(centre, size * MESH_SCALE, angle, MESH_INPUT_PIXELS)
    outputs = run_model("face_landmark.tflite", crop(image, affine, MESH_INPUT_PIXELS))
    flat = next(v for v in outputs.values() if v.size == 468 * 3)
    logit = float(next(v for v in outputs.values() if v.size == 1).ravel()[0])
    presence = 1.0 / (1.0 + math.exp(-max(min(logit, 80.0), -80.0)))
    return to_image(flat.reshape(468, 3), affine), presence


def iris_rings(
    image: NDArray[np.uint8], mesh: NDArray[np.float32]
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Per eye, subject's right eye first: the iris ring (2, 5, 2), centre then four contour
    points, and the eyelid contour (2, 16, 2) in the order of the mesh's RIGHT_EYE and LEFT_EYE
    points. The iris network refines the eyelids as MediaPipe's own refinement does: the face
    mesh's lid points barely move when a real eye closes (its eye aspect ratio fell under 0.89
    of its median in none of 11 GRID clips with blinks), the iris network's fall to 0.2-0.4.

    The model was trained on one eye's orientation, so the other eye's crop is mirrored in and
    its answer mirrored back.
    """
    rings = np.zeros((2, 5, 2), dtype=np.float32)
    lids = np.zeros((2, 16, 2), dtype=np.float32)
    for eye, (start, end) in enumerate(EYE_CORNERS):
        a, b = mesh[start, :2], mesh[end, :2]
        width = float(np.hypot(*(b - a)))
        angle = math.atan2(float(b[1] - a[1]), float(b[0] - a[0]))
        centre = (float((a[0] + b[0]) / 2), float((a[1] + b[1]) / 2))
        affine = crop_to_image(centre, max(width, 4.0) * IRIS_SCALE, angle, IRIS_INPUT_PIXELS)
        patch = crop(image, affine, IRIS_INPUT_PIXELS)
        mirrored = eye == 1
        if mirrored:
            patch = patch[:, ::-1].copy()
        outputs = run_model("iris_landmark.tflite", patch)
        iris = next(v for v in outputs.values() if v.size == 15).reshape(5, 3)[:, :2].copy()
        contour = next(v for v in outputs.values() if v.size == 71 * 3).reshape(71, 3)
        lid = contour[:16, :2].copy()  # the eye contour; the rest are brow and outer rings
        if mirrored:
            iris[:, 0] = IRIS_INPUT_PIXELS - iris[:, 0]
            lid[:, 0] = IRIS_INPUT_PIXELS - lid[:, 0]
        rings[eye] = to_image(iris, affine)
        lids[eye] = to_image(lid, affine)
    return rings, lids
