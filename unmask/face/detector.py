"""BlazeFace face detection: letterbox, run, decode anchors, weighted non-maximum suppression.

Two models: short range (128 px input, faces within about 2 m, big in the frame) and full range
(192 px input, small or far faces). `auto` runs both and keeps, where they overlap, the more
confident box: short range alone misses the smaller faces of a group shot, and full range alone
boxes close faces less tightly.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

import cv2
import numpy as np
from numpy.typing import NDArray

from unmask.models import tflite_interpreter
from unmask.types import Box

DetectorModel = Literal["short", "full", "auto"]


@dataclass(frozen=True)
class AnchorSpec:
    file: str
    size: int
    strides: tuple[int, ...]
    two_per_cell: bool


SHORT = AnchorSpec("face_detection_short_range.tflite", 128, (8, 16, 16, 16), True)
FULL = AnchorSpec("face_detection_full_range.tflite", 192, (4,), False)


@dataclass(frozen=True, eq=False)
class Detection:
    """A raw detection in frame pixels, before any landmark model has run."""

    box: Box
    score: float
    keypoints: NDArray[np.float32]


def make_anchors(spec: AnchorSpec) -> NDArray[np.float32]:
    """Anchor centres (N, 2) in [0, 1]; consecutive layers with one stride share a grid."""
    centres: list[tuple[float, float]] = []
    layer = 0
    while layer < len(spec.strides):
        stride = spec.strides[layer]
        repeats = 0
        while layer < len(spec.strides) and spec.strides[layer] == stride:
            repeats += 2 if spec.two_per_cell else 1
            layer += 1
        cells = spec.size // stride
        for y in range(cells):
            for x in range(cells):
                centres.extend([((x + 0.5) / cells, (y + 0.5) / cells)] * repeats)
    return np.asarray(centres, dtype=np.float32)


def letterbox(
    image: NDArray[np.uint8], size: int
) -> tuple[NDArray[np.float32], float, float, float]:
    """Pad to a square (keeping aspect), resize, scale to [-1, 1]; return the un-mapping."""
    height, width = image.shape[:2]
    side = max(height, width)
    pad_x = (side - width) / 2.0
    pad_y = (side - height) / 2.0
    square = cv2.copyMakeBorder(
        image,
        int(pad_y),
        side - height - int(pad_y),
        int(pad_x),
        side - width - int(pad_x),
        cv2.BORDER_CONSTANT,
        value=(0, 0, 0),
    )
    resized = cv2.resize(square, (size, size), interpolation=cv2.INTER_AREA)
    tensor = resized.astype(np.float32) / 127.5 - 1.0
    return tensor[None], float(side), float(int(pad_x)), float(int(pad_y))


def weighted_nms(
    boxes: NDArray[np.float32], scores: NDArray[np.float32], iou_threshold: float
) -> list[tuple[NDArray[np.float32], float]]:
    """Blend overlapping candidates by score (MediaPipe's choice): steadier boxes than hard NMS."""
    order = np.argsort(-scores)
    kept: list[tuple[NDArray[np.float32], float]] = []
    remaining = order
    while remaining.size:
        best = remaining[0]
        x0, y0 = boxes[best, 0], boxes[best, 1]
        x1, y1 = boxes[best, 2], boxes[best, 3]
        others = boxes[remaining]
        ix = np.clip(np.minimum(x1, others[:, 2]) - np.maximum(x0, others[:, 0]), 0, None)
        iy = np.clip(np.minimum(y1, others[:, 3]) - np.maximum(y0, others[:, 1]), 0, None)
        inter = ix * iy
        area = (x1 - x0) * (y1 - y0)
        areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
        iou = inter / np.maximum(area + areas - inter, 1e-9)
        group = remaining[iou > iou_threshold]
        weights = scores[group][:, None]
        blended = (boxes[group] * weights).sum(axis=0) / weights.sum()
        kept.append((blended.astype(np.float32), float(scores[best])))
        remaining = remaining[iou <= iou_threshold]
    return kept


class BlazeFaceDetector:
    """Finds faces and six keypoints; loads its models lazily, once per process."""

    def __init__(
        self, model: DetectorModel = "auto", min_score: float = 0.5, iou_threshold: float = 0.3
    ) -> None:
        self.model = model
        self.min_score = min_score
        self.iou_threshold = iou_threshold

    def detect(self, image: NDArray[np.uint8]) -> list[Detection]:
        if self.model == "full":
            return self.run(FULL, image)
        if self.model == "short":
            return self.run(SHORT, image)
        merged: list[Detection] = []
        for candidate in sorted(
            self.run(SHORT, image) + self.run(FULL, image), key=lambda d: -d.score
        ):
            if all(candidate.box.iou(kept.box) <= self.iou_threshold for kept in merged):
                merged.append(candidate)
        return merged

    def run(self, spec: AnchorSpec, image: NDArray[np.uint8]) -> list[Detection]:
        interpreter = tflite_interpreter(spec.file)
        anchors = anchor_table(spec)
        tensor, side, pad_x, pad_y = letterbox(image, spec.size)
        inputs = interpreter.get_input_details()[0]
        interpreter.set_tensor(inputs["index"], tensor)
        interpreter.invoke()
        outputs = sorted(interpreter.get_output_details(), key=lambda d: int(d["shape"][-1]))
        raw_scores = interpreter.get_tensor(outputs[0]["index"])[0, :, 0]
        raw_boxes = interpreter.get_tensor(outputs[1]["index"])[0]
        scores = 1.0 / (1.0 + np.exp(-np.clip(raw_scores, -80.0, 80.0)))
        keep = scores >= self.min_score
        if not np.any(keep):
            return []
        raw = raw_boxes[keep] / spec.size
        centres = anchors[keep]
        points = raw.reshape(-1, 8, 2)
        points[:, 0] += centres
        points[:, 2:] += centres[:, None, :]
        cx, cy = points[:, 0, 0], points[:, 0, 1]
        half_w, half_h = points[:, 1, 0] / 2.0, points[:, 1, 1] / 2.0
        corners = np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], axis=1)
        packed = np.concatenate([corners, points[:, 2:].reshape(-1, 12)], axis=1).astype(np.float32)
        height, width = image.shape[:2]
        detections = []
        for values, score in weighted_nms(
            packed, scores[keep].astype(np.float32), self.iou_threshold
        ):
            mapped = values.reshape(-1, 2) * side - np.array([pad_x, pad_y], dtype=np.float32)
            x0, y0 = np.clip(mapped[0], 0, [width, height])
            x1, y1 = np.clip(mapped[1], 0, [width, height])
            if x1 - x0 < 2 or y1 - y0 < 2:
                continue
            detections.append(
                Detection(
                    box=Box(float(x0), float(y0), float(x1 - x0), float(y1 - y0)),
                    score=score,
                    keypoints=mapped[2:].astype(np.float32),
                )
            )
        return detections


@cache
def anchor_table(spec: AnchorSpec) -> NDArray[np.float32]:
    """The anchors of one model, made once per process (callers only read them)."""
    return make_anchors(spec)
