"""Face descriptors: dlib's 5-point alignment and its ResNet, 128 numbers per face.

Two faces of one person lie within about 0.6 of each other (Euclidean) with this model. The
models load once per process, on first use, because they cost about half a second to read.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from unmask.models import model_path
from unmask.types import Box

EMBEDDING_SIZE = 128
EMBEDDER_NAME = "dlib_face_recognition_resnet_model_v1"


@cache
def dlib_models() -> tuple[Any, Any]:
    import dlib

    predictor = dlib.shape_predictor(
        str(model_path("face_recognition_models", "models/shape_predictor_5_face_landmarks.dat"))
    )
    network = dlib.face_recognition_model_v1(
        str(
            model_path(
                "face_recognition_models", "models/dlib_face_recognition_resnet_model_v1.dat"
            )
        )
    )
    return predictor, network


def dlib_box(box: Box) -> Any:
    """BlazeFace boxes run a little taller than the HOG boxes dlib's predictor was trained on;
    the predictor is robust to that, so the box is passed through as is."""
    import dlib

    return dlib.rectangle(
        int(round(box.x)), int(round(box.y)), int(round(box.x + box.w)), int(round(box.y + box.h))
    )


def five_points(image: NDArray[np.uint8], box: Box) -> NDArray[np.float32]:
    """dlib's five alignment landmarks (eye corners and nose base) in frame pixels."""
    predictor, _ = dlib_models()
    shape = predictor(image, dlib_box(box))
    return np.array([[shape.part(i).x, shape.part(i).y] for i in range(5)], dtype=np.float32)


def embed_face(image: NDArray[np.uint8], box: Box, jitters: int = 0) -> NDArray[np.float32]:
    """The 128-d descriptor of the face in `box`: aligned by the 5-point predictor first.

    `jitters` > 0 averages over randomly shifted crops: slower, slightly more stable.
    """
    predictor, network = dlib_models()
    rgb = np.ascontiguousarray(image)
    shape = predictor(rgb, dlib_box(box))
    descriptor = network.compute_face_descriptor(rgb, shape, num_jitters=jitters)
    return np.asarray(descriptor, dtype=np.float32)


def distances(probe: NDArray[np.float32], templates: NDArray[np.float32]) -> NDArray[np.float32]:
    """Euclidean distance from one probe to each row of `templates`.

    Expanded as |t|^2 - 2 t.p + |p|^2 so a large gallery costs one matrix-vector product
    instead of materialising the (N, 128) difference.
    """
    if templates.size == 0:
        return np.zeros(0, dtype=np.float32)
    squared = (
        np.einsum("ij,ij->i", templates, templates) - 2.0 * (templates @ probe) + probe @ probe
    )
    return np.sqrt(np.maximum(squared, 0.0)).astype(np.float32)
