"""Face stage on the bundled portraits and on synthetic geometry."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from unmask.face import FaceAnalyzer, IouTracker, track_video
from unmask.face.detector import FULL, SHORT, make_anchors, weighted_nms
from unmask.face.pose import pose_from_mesh
from unmask.media import frame_from_array
from unmask.types import Box, Face, Frame


@pytest.fixture(scope="module")
def analyzer() -> FaceAnalyzer:
    return FaceAnalyzer()


def test_anchor_layout_matches_model_outputs() -> None:
    assert make_anchors(SHORT).shape == (896, 2)
    assert make_anchors(FULL).shape == (2304, 2)


def test_weighted_nms_merges_overlaps_and_keeps_separate_boxes() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60]], dtype=np.float32)
    kept = weighted_nms(boxes, np.array([0.9, 0.6, 0.8], dtype=np.float32), 0.3)
    assert len(kept) == 2
    assert kept[0][0][0] == pytest.approx(0.4, abs=1e-4)


def test_one_frontal_face_with_mesh_iris_pose_quality(analyzer: FaceAnalyzer, portraits) -> None:
    faces = analyzer.analyze(frame_from_array(portraits["eileen_collins"]))
    assert len(faces) == 1
    face = faces[0]
    assert face.mesh is not None and face.mesh.shape == (468, 3)
    assert face.iris is not None and face.iris.shape == (2, 5, 2)
    inside = (face.mesh[:, 0] > face.box.x - 20) & (face.mesh[:, 0] < face.box.x + face.box.w + 20)
    assert inside.mean() > 0.95
    left_iris, right_iris = face.iris[0, 0], face.iris[1, 0]
    assert left_iris[0] < right_iris[0]
    assert abs(face.pose.yaw) < 20 and abs(face.pose.roll) < 15
    assert 0.3 < face.quality.score <= 1.0


def test_roll_follows_image_rotation(analyzer: FaceAnalyzer, portraits) -> None:
    image = portraits["grace_hopper"]
    height, width = image.shape[:2]
    base = analyzer.analyze(frame_from_array(image))[0].pose.roll
    rotation = cv2.getRotationMatrix2D((width / 2, height / 2), -20, 1.0)
    turned = cv2.warpAffine(image, rotation, (width, height), borderMode=cv2.BORDER_REFLECT)
    rolled = analyzer.analyze(frame_from_array(turned))[0].pose.roll
    assert rolled - base == pytest.approx(20, abs=6)


def test_blank_and_noise_frames_hold_no_face(analyzer: FaceAnalyzer) -> None:
    assert analyzer.analyze(frame_from_array(np.full((240, 320, 3), 128, dtype=np.uint8))) == []
    noise = np.random.default_rng(1).integers(0, 256, (240, 320, 3), dtype=np.uint8)
    assert analyzer.analyze(frame_from_array(noise)) == []


def test_two_faces_side_by_side(analyzer: FaceAnalyzer, portraits) -> None:
    left = cv2.resize(portraits["eileen_collins"], (300, 300))
    right = cv2.resize(portraits["grace_hopper"], (300, 350))[:300]
    faces = analyzer.analyze(frame_from_array(np.hstack([left, right])))
    assert len(faces) == 2
    assert sorted(f.box.x < 300 for f in faces) == [False, True]


def test_pose_from_mesh_reads_a_turned_synthetic_head() -> None:
    mesh = np.zeros((468, 3), dtype=np.float32)
    mesh[33], mesh[263] = (-1, 0, 0), (1, 0, 0)
    mesh[152], mesh[10] = (0, 1, 0), (0, -1, 0)
    angle = np.radians(30)
    turned = mesh.copy()
    turned[:, 0] = mesh[:, 0] * np.cos(angle)
    turned[:, 2] = mesh[:, 0] * np.sin(angle)
    assert pose_from_mesh(turned).yaw == pytest.approx(30, abs=0.5)
    assert pose_from_mesh(mesh).roll == pytest.approx(0, abs=0.1)


def synthetic_face(x: float, stamp: float) -> Face:
    return Face(
        box=Box(x, 10, 40, 40), score=0.9, keypoints=np.zeros((6, 2), np.float32), timestamp=stamp
    )


def test_tracker_keeps_ids_through_motion_and_short_gaps() -> None:
    tracker = IouTracker(max_gap_s=0.2)
    ids = []
    for step in range(10):
        stamp = step / 30
        faces = [synthetic_face(10 + step * 2, stamp), synthetic_face(200 - step * 2, stamp)]
        if step == 4:
            faces = faces[:1]
        ids.append([f.track_id for f in tracker.update(faces, stamp)])
    assert ids[0] == [1, 2]
    assert all(row[0] == 1 for row in ids)
    assert ids[-1] == [1, 2]
    later = tracker.update([synthetic_face(200, 2.0)], 2.0)
    assert later[0].track_id == 3
    lengths = sorted(len(t.faces) for t in tracker.tracks())
    assert lengths == [1, 9, 10]


def test_track_video_follows_a_moving_portrait(portraits) -> None:
    face = cv2.resize(portraits["eileen_collins"], (200, 200))
    frames = []
    for index in range(8):
        canvas = np.full((300, 400, 3), 90, dtype=np.uint8)
        canvas[40:240, 20 + index * 10 : 220 + index * 10] = face
        frames.append(Frame(image=canvas, index=index, timestamp=index / 15))
    tracks = track_video(frames)
    assert len(tracks) == 1 and len(tracks[0].faces) == 8
    assert tracks[0].duration == pytest.approx(7 / 15)


def test_tiles_find_faces_a_whole_frame_pass_misses(portraits) -> None:
    """Two 20 px and two 40 px faces in a 1080p frame: BlazeFace on the whole frame sees none."""
    canvas = np.full((1080, 1920, 3), 120, dtype=np.uint8)
    placed = []
    for column, width in enumerate((20, 40, 20, 40)):
        name = "grace_hopper" if column % 2 == 0 else "eileen_collins"
        image = portraits[name]
        face = FaceAnalyzer(iris=False).analyze(frame_from_array(image))[0]
        scale = width / face.box.w
        small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        x, y = 200 + 450 * column, 400
        canvas[y : y + small.shape[0], x : x + small.shape[1]] = small
        placed.append((x + face.box.x * scale, y + face.box.y * scale, width))
    frame = frame_from_array(canvas)
    assert FaceAnalyzer(iris=False).analyze(frame) == []
    found = FaceAnalyzer(iris=False, tile=240, small_face_px=32).analyze(frame)
    for x, y, width in placed:
        assert any(abs(f.box.x - x) < width and abs(f.box.y - y) < width for f in found), width
