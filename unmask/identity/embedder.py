"""Face descriptors: a crop aligned on five landmarks, dlib's ResNet, 128 numbers per face.

Two faces of one person lie within about 0.6 of each other (Euclidean) with this model. The
models load once per process, on first use, because they cost about half a second to read.
The pipeline (alignment from the 468-point mesh, mirror averaging) was chosen on real and
simulated side-lit faces (docs/recognition.md); its name goes into every gallery
(EMBEDDER_NAME), so templates of another pipeline are refused rather than mixed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from unmask.models import model_path
from unmask.types import Box

EMBEDDING_SIZE = 128
# The crop dlib's network was trained on: 150 px, a quarter of the face's size as margin.
CHIP_SIZE = 150
CHIP_PADDING = 0.25
# The mesh points nearest dlib's five (subject's left eye outer and inner corner, right eye
# outer and inner corner, base of the nose), in dlib's order; found by matching the two on
# real portraits.
MESH_FIVE = [263, 362, 33, 133, 2]
#: The descriptor pipeline `embed_face` runs, as benchmarks/recognition_light.py names it.
PIPELINE = "mesh5+flip"
EMBEDDER_NAME = f"dlib_face_recognition_resnet_model_v1+{PIPELINE}"


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


def aligned_chip(
    image: NDArray[np.uint8], box: Box, mesh: NDArray[np.float32] | None = None
) -> NDArray[np.uint8]:
    """The 150 x 150 crop the network reads, aligned on five landmarks: dlib's predictor's, or
    with `mesh`, the same five points taken from the 468-point mesh."""
    import dlib

    predictor, _ = dlib_models()
    rgb = np.ascontiguousarray(image)
    if mesh is None:
        shape = predictor(rgb, dlib_box(box))
    else:
        points = dlib.points(
            [dlib.point(int(round(x)), int(round(y))) for x, y in mesh[MESH_FIVE, :2]]
        )
        shape = dlib.full_object_detection(dlib_box(box), points)
    return np.asarray(dlib.get_face_chip(rgb, shape, size=CHIP_SIZE, padding=CHIP_PADDING))


def chip_descriptors(chips: list[NDArray[np.uint8]], jitters: int = 0) -> NDArray[np.float32]:
    """(n, 128) descriptors of aligned chips, in one call to the network."""
    _, network = dlib_models()
    batch = [np.ascontiguousarray(chip) for chip in chips]
    found = network.compute_face_descriptor(batch, num_jitters=jitters)
    return np.asarray(found, dtype=np.float32).reshape(-1, EMBEDDING_SIZE)


def embed_face(
    image: NDArray[np.uint8],
    box: Box,
    mesh: NDArray[np.float32] | None = None,
    jitters: int = 0,
) -> NDArray[np.float32]:
    """The 128-d descriptor of the face in `box`, as unmask's pipeline (PIPELINE) makes it.

    The crop is aligned on the mesh's five points when `mesh` is given (every face unmask's
    analyser finds has one): they hold where dlib's predictor slips, on a half-shadowed face or
    a turned head. Without a mesh, dlib's predictor aligns it. The descriptor is the mean of the
    crop's and its mirror image's, which evens out light and pose that favour one side.
    `jitters` > 0 also averages over randomly shifted crops: slower, slightly more stable.
    """
    chip = aligned_chip(image, box, mesh)
    return chip_descriptors([chip, chip[:, ::-1]], jitters).mean(axis=0)


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
