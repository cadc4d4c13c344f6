"""Skin regions from the face mesh: where they fall, what they keep out, what they cost."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest
import skimage.data

from unmask.pulse.recorder import FULL_FRAME, FullFrameRecorder, TraceRecorder
from unmask.pulse.regions import (
    BACKGROUND_REGIONS,
    EYE_OPENINGS,
    SKIN_POLYGONS,
    SKIN_REGIONS,
    RegionSample,
    RegionSampler,
    background_boxes,
    skin_mask,
)
from unmask.types import Frame


@lru_cache(maxsize=1)
def astronaut_mesh() -> tuple[np.ndarray, np.ndarray]:
    from unmask.face import FaceAnalyzer
    from unmask.media import frame_from_array

    image = np.ascontiguousarray(skimage.data.astronaut()[0:300, 80:380])
    faces = FaceAnalyzer().analyze(frame_from_array(image))
    assert faces and faces[0].mesh is not None
    return image, np.asarray(faces[0].mesh, dtype=np.float64)


def test_region_indices_are_valid_and_disjoint() -> None:
    used: set[int] = set()
    for name, polygon in SKIN_POLYGONS.items():
        assert len(polygon) >= 3 and all(0 <= i < 468 for i in polygon), name
        assert not used & set(polygon), f"{name} shares a vertex with another region"
        used |= set(polygon)
    assert set(EYE_OPENINGS) <= set(SKIN_POLYGONS)


def test_regions_fall_where_the_face_parts_are() -> None:
    image, mesh = astronaut_mesh()
    samples = RegionSampler().sample(image, mesh)
    centre = {name: samples[name].centre for name in SKIN_REGIONS}
    assert (
        centre["forehead"][1]
        < centre["right_periocular"][1]
        < centre["right_cheek"][1]
        < centre["chin"][1]
    )
    assert centre["right_cheek"][0] < centre["nose"][0] < centre["left_cheek"][0], (
        "subject's right is image left"
    )
    for name in SKIN_REGIONS:
        assert samples[name].pixels > 30, name
        r, g, b = samples[name].rgb
        assert r > g > b, f"{name} mean colour {samples[name].rgb} is not skin-like"


def test_regions_do_not_overlap_and_skip_the_eye_opening() -> None:
    image, mesh = astronaut_mesh()
    sampler = RegionSampler(skin_filter=False, background=False)
    sampler.sample(image, mesh)
    labels, (x0, y0) = sampler._label_image(mesh, image.shape[1], image.shape[0])
    for name in EYE_OPENINGS:
        iris_centre = mesh[list(EYE_OPENINGS[name]), :2].mean(axis=0)
        x, y = np.round(iris_centre - [x0, y0]).astype(int)
        assert labels[y, x] == 0, f"eye opening of {name} is inside a region"
    counts = np.bincount(labels.ravel(), minlength=len(SKIN_REGIONS) + 1)
    assert np.all(counts[1:] > 0)


def test_skin_filter_rejects_highlights_and_dark_hairs() -> None:
    image, mesh = astronaut_mesh()
    clean = RegionSampler(background=False).sample(image, mesh)["forehead"]
    spoiled = image.copy()
    x, y = np.round(clean.centre).astype(int)
    spoiled[y - 3 : y + 3, x - 12 : x + 12] = 255
    spoiled[y + 4 : y + 6, x - 12 : x + 12] = 20
    filtered = RegionSampler(background=False).sample(spoiled, mesh)["forehead"]
    raw = RegionSampler(background=False, skin_filter=False).sample(spoiled, mesh)["forehead"]
    assert filtered.pixels < raw.pixels
    assert abs(filtered.rgb[1] - clean.rgb[1]) < abs(raw.rgb[1] - clean.rgb[1])
    assert abs(filtered.rgb[1] - clean.rgb[1]) < 2.0


def test_skin_colour_box() -> None:
    patch = np.array([[[200, 140, 120], [40, 80, 200], [250, 250, 250]]], dtype=np.uint8)
    assert skin_mask(patch).tolist() == [[True, False, False]]


def test_label_image_is_reused_for_a_still_face_and_redrawn_when_it_moves() -> None:
    image, mesh = astronaut_mesh()
    sampler = RegionSampler()
    sampler.sample(image, mesh)
    first = sampler._labels
    sampler.sample(image, mesh + 0.2)
    assert sampler._labels is first
    sampler.sample(image, mesh + 3.0)
    assert sampler._labels is not first


def test_background_boxes_sit_beside_the_face_and_are_clipped() -> None:
    boxes = background_boxes((100.0, 50.0, 100.0, 120.0), 400, 300)
    right, left = boxes["background_right"], boxes["background_left"]
    assert right[2] <= 100 and left[0] >= 200
    assert background_boxes((5.0, 50.0, 100.0, 120.0), 110, 300) == {}
    image, mesh = astronaut_mesh()
    samples = RegionSampler().sample(image, mesh)
    assert all(samples[name].pixels > 0 for name in BACKGROUND_REGIONS)


def test_recorder_marks_unseen_frames_and_motion() -> None:
    recorder = TraceRecorder()
    recorder.add(0.0, {"a": RegionSample((1.0, 2.0, 3.0), 10, (0.0, 0.0))})
    recorder.add(0.1, {})
    recorder.add(0.2, {"a": RegionSample((1.0, 2.0, 3.0), 10, (3.0, 4.0))})
    recorder.add(0.2, {"a": RegionSample((9.0, 9.0, 9.0), 10, (3.0, 4.0))})
    trace = recorder.traces()["a"]
    assert trace.pixels.tolist() == [10, 0, 10]
    assert trace.motion.tolist() == [0.0, 0.0, 5.0]
    assert len(trace.seen()) == 2


def test_full_frame_recorder() -> None:
    recorder = FullFrameRecorder()
    for i in range(3):
        recorder.add_frame(
            Frame(image=np.full((8, 8, 3), 10 * i, dtype=np.uint8), index=i, timestamp=i / 30)
        )
    trace = recorder.traces()[FULL_FRAME]
    assert trace.rgb[:, 0].tolist() == pytest.approx([0.0, 10.0, 20.0])


def test_a_face_half_out_of_the_frame_samples_what_is_visible() -> None:
    image, mesh = astronaut_mesh()
    shifted = mesh.copy()
    shifted[:, 0] -= float(np.median(mesh[:, 0]))
    samples = RegionSampler().sample(image, shifted)
    assert samples["left_cheek"].pixels > 0
    assert samples["right_cheek"].pixels == 0
    assert samples["background_right"].pixels == 0
