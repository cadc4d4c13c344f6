"""Re-identification tracker on drawn scenes: occlusion, a shot cut, motion (no models run)."""

from __future__ import annotations

import numpy as np

from unmask.face.tracker import (
    IouTracker,
    ReidTracker,
    appearance,
    frame_signature,
    signature_change,
)
from unmask.types import Box, Face

SHIRTS = {"red": (200, 30, 30), "blue": (30, 40, 200), "green": (30, 160, 60)}


def scene(people: dict[str, Box], background: tuple[int, int, int]) -> np.ndarray:
    """A frame: flat background, each person a skin-coloured face over a shirt of their colour."""
    image = np.zeros((360, 640, 3), dtype=np.uint8)
    image[:] = background
    image[::7] = np.clip(np.asarray(background) + 25, 0, 255)  # some texture
    for shirt, box in people.items():
        x, y, w, h = int(box.x), int(box.y), int(box.w), int(box.h)
        image[y + h : y + 3 * h, max(0, x - w // 2) : x + w + w // 2] = SHIRTS[shirt]
        image[y : y + h, x : x + w] = (205, 160, 130)
        image[y + h // 3 : y + h // 3 + 4, x + w // 5 : x + w - w // 5] = (40, 30, 30)
    return image


def face(box: Box) -> Face:
    return Face(box=box, score=0.9, keypoints=np.zeros((6, 2), dtype=np.float32))


def run(tracker: IouTracker, frames: list[tuple[float, dict[str, Box], tuple[int, int, int]]]):
    """Track ids per person per frame, as {person: [ids...]}."""
    seen: dict[str, list[int]] = {}
    for timestamp, people, background in frames:
        image = scene(people, background)
        names = list(people)
        tagged = tracker.update([face(people[n]) for n in names], timestamp, image)
        for name, found in zip(names, tagged, strict=True):
            assert found.track_id is not None
            seen.setdefault(name, []).append(found.track_id)
    return seen


GREY = (90, 90, 90)
WARM = (150, 110, 40)


def test_a_person_hidden_for_two_seconds_keeps_their_id_and_a_neighbour_keeps_theirs() -> None:
    frames = []
    for step in range(60):  # 10 fps; red walks right and is hidden from 2.0 s to 4.0 s
        t = step / 10
        people = {"blue": Box(60, 60, 50, 50)}
        if not 2.0 <= t < 4.0:
            people["red"] = Box(250 + 4 * step, 70, 50, 50)
        frames.append((t, people, GREY))
    reid = run(ReidTracker(), frames)
    assert len(set(reid["red"])) == 1 and len(set(reid["blue"])) == 1
    assert reid["red"][0] != reid["blue"][0]
    plain = run(IouTracker(), frames)
    assert len(set(plain["red"])) == 2  # what the overlap tracker did before: a new id


def test_a_cut_never_joins_two_people_in_the_same_place() -> None:
    frames = [(i / 10, {"red": Box(300, 80, 60, 60)}, GREY) for i in range(20)]
    frames += [(2 + i / 10, {"blue": Box(300, 80, 60, 60)}, WARM) for i in range(20)]
    tracker = ReidTracker()
    ids = run(tracker, frames)
    assert tracker.cuts == [2.0]
    assert set(ids["red"]).isdisjoint(ids["blue"])
    assert len(set(ids["red"])) == 1 and len(set(ids["blue"])) == 1
    assert len(set(run(IouTracker(), frames)["red"] + run(IouTracker(), frames)["blue"])) == 1


def test_the_same_person_after_a_cut_gets_a_new_track_and_no_cut_within_a_shot() -> None:
    frames = [(i / 10, {"red": Box(100 + 3 * i, 80, 60, 60)}, GREY) for i in range(30)]
    tracker = ReidTracker()
    ids = run(tracker, frames)
    assert tracker.cuts == [] and len(set(ids["red"])) == 1


def test_people_who_look_different_are_not_swapped_when_one_vanishes_beside_the_other() -> None:
    """Blue disappears for good; green appears where blue was a second later: a new person."""
    frames = [
        (i / 10, {"blue": Box(200, 80, 60, 60), "red": Box(450, 80, 60, 60)}, GREY)
        for i in range(10)
    ]
    frames += [(1 + i / 10, {"red": Box(450, 80, 60, 60)}, GREY) for i in range(10)]
    frames += [
        (2 + i / 10, {"green": Box(210, 80, 60, 60), "red": Box(450, 80, 60, 60)}, GREY)
        for i in range(10)
    ]
    ids = run(ReidTracker(), frames)
    assert set(ids["green"]).isdisjoint(ids["blue"])
    assert len(set(ids["red"])) == 1


def test_motion_prediction_follows_a_fast_walker_between_detections() -> None:
    """40 px per frame on a 40 px face: boxes of consecutive frames never overlap."""
    frames = [(i / 10, {"red": Box(20 + 40 * i, 100, 40, 40)}, GREY) for i in range(14)]
    ids = run(ReidTracker(), frames)
    assert len(set(ids["red"])) == 1


def test_signatures_are_unit_vectors_that_tell_shirts_apart() -> None:
    box = Box(300, 80, 60, 60)
    red = appearance(scene({"red": box}, GREY), box)
    red_again = appearance(scene({"red": Box(320, 82, 60, 60)}, GREY), Box(320, 82, 60, 60))
    blue = appearance(scene({"blue": box}, GREY), box)
    assert abs(float(np.linalg.norm(red)) - 1) < 1e-5
    assert float(red @ red_again) > 0.95 > float(red @ blue)
    signature = frame_signature(scene({}, GREY))
    assert signature.shape == (9, 32) and np.allclose(signature.sum(axis=1), 1.0)


def test_a_large_occluder_is_not_a_cut_but_a_new_scene_is() -> None:
    before = frame_signature(scene({"red": Box(300, 80, 60, 60)}, GREY))
    covered = scene({"red": Box(300, 80, 60, 60)}, GREY)
    covered[:, 330:] = (20, 20, 20)  # someone passing close to the camera: half the frame
    assert signature_change(before, frame_signature(covered)) < 0.2
    assert signature_change(before, frame_signature(scene({}, WARM))) > 0.2


def test_a_box_that_swallows_two_neighbours_takes_neither_id_but_a_lone_face_may_jump() -> None:
    pair = {"red": Box(200, 80, 60, 60), "blue": Box(275, 85, 60, 60)}
    tracker = ReidTracker()
    ids = run(tracker, [(i / 10, pair, GREY) for i in range(10)])
    image = scene(pair, GREY)
    (blended,) = tracker.update([face(Box(215, 70, 100, 100))], 1.0, image)
    after = run(tracker, [(1.1 + i / 10, pair, GREY) for i in range(5)])
    assert blended.track_id not in ids["red"] + ids["blue"]
    assert set(after["red"]) == set(ids["red"]) and set(after["blue"]) == set(ids["blue"])
    lone = run(
        ReidTracker(),
        [
            (i / 10, {"red": Box(200, 80, 60 if i < 5 else 100, 60 if i < 5 else 100)}, GREY)
            for i in range(10)
        ],
    )
    assert len(set(lone["red"])) == 1  # a detector's box-size flip on a lone face


def test_a_larger_box_centred_on_one_of_two_neighbours_is_that_face_boxed_again() -> None:
    """BlazeFace sometimes boxes a face 1.6x larger, over its neighbour's chin: the box is still
    centred on its own face, unlike a blend of both (above), so it keeps that face's track."""
    pair = {"red": Box(200, 80, 60, 60), "blue": Box(275, 85, 60, 60)}
    tracker = ReidTracker()
    ids = run(tracker, [(i / 10, pair, GREY) for i in range(10)])
    image = scene(pair, GREY)
    larger = Box(257, 67, 96, 96)  # blue's centre, over red's box as well
    red, blue = tracker.update([face(pair["red"]), face(larger)], 1.0, image)
    assert blue.track_id in ids["blue"] and red.track_id in ids["red"]
    after = run(tracker, [(1.1 + i / 10, pair, GREY) for i in range(5)])
    assert set(after["blue"]) == set(ids["blue"]) and set(after["red"]) == set(ids["red"])
