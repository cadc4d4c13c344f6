"""Small faces in large frames: BlazeFace over overlapping tiles as well as the whole frame.

BlazeFace sees the frame shrunk to 128 or 192 px, so in a 1080p frame even a 40 px face is a few
pixels by then and is missed. Running the full-range model on tiles of `tile` px as well
(upscaled to 192 px when smaller) finds them. Measured on a 1920x1080 frame holding the two
bundled portraits at face widths of 8 to 40 px (CPU per frame on this project's loaded 2-core
machine): no tiles 0.02 s and no face found; `tile=240` 0.33 s, faces from 20 px; `tile=128`
1.0 s, from 12-16 px; smaller tiles cost more and find fewer (the face fills too much of the
tile). Faces of 8-10 px were not found at any tile size.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from unmask.face.detector import FULL, BlazeFaceDetector, Detection
from unmask.types import Box


def tile_origins(width: int, height: int, tile: int, overlap: float) -> list[tuple[int, int]]:
    """Top-left corners of tiles covering the frame, neighbours overlapping by `overlap`."""
    step = max(1, int(tile * (1.0 - overlap)))

    def starts(length: int) -> list[int]:
        if length <= tile:
            return [0]
        found = list(range(0, length - tile, step))
        return [*found, length - tile]

    return [(x, y) for y in starts(height) for x in starts(width)]


def contained(a: Box, b: Box) -> float:
    """Share of the smaller box inside the other: a face cut at a tile edge overlaps its whole
    self this way even when the IoU is low."""
    ix = max(0.0, min(a.x + a.w, b.x + b.w) - max(a.x, b.x))
    iy = max(0.0, min(a.y + a.h, b.y + b.h) - max(a.y, b.y))
    return ix * iy / max(min(a.area, b.area), 1e-9)


class TiledDetector:
    """The whole-frame detector plus the full-range model on each tile, merged by score."""

    def __init__(self, base: BlazeFaceDetector, tile: int, overlap: float = 0.25) -> None:
        self.base = base
        self.tile = tile
        self.overlap = overlap

    def detect(self, image: NDArray[np.uint8]) -> list[Detection]:
        found = list(self.base.detect(image))
        height, width = image.shape[:2]
        if max(height, width) > self.tile:
            for x, y in tile_origins(width, height, self.tile, self.overlap):
                crop = np.ascontiguousarray(image[y : y + self.tile, x : x + self.tile])
                shift = np.array([x, y], dtype=np.float32)
                found.extend(
                    Detection(
                        box=Box(d.box.x + x, d.box.y + y, d.box.w, d.box.h),
                        score=d.score,
                        keypoints=d.keypoints + shift,
                    )
                    for d in self.base.run(FULL, crop)
                )
        merged: list[Detection] = []
        for candidate in sorted(found, key=lambda d: -d.score):
            if all(
                candidate.box.iou(kept.box) <= self.base.iou_threshold
                and contained(candidate.box, kept.box) < 0.6
                for kept in merged
            ):
                merged.append(candidate)
        return merged
