"""Context cue known answers on scenes the test builds: the astronaut's face on a tablet with a
dark bezel in a cluttered room, the same face blended into the room without any frame, and
short clips where either the whole tablet moves or only the face moves over a still room."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from unmask.face import FaceAnalyzer
from unmask.liveness.context import (
    MAX_PAIRS,
    CoMotionSampler,
    comotion,
    context_cue,
    merge_collinear,
)
from unmask.liveness.engine import LivenessEngine
from unmask.liveness.observe import observe
from unmask.types import Box, Face, Frame

H, W = 360, 480
FACE_CENTRE = (226.0, 122.0)  # the astronaut's face in skimage's picture, about 105 px wide
FW = 105


@pytest.fixture(scope="module")
def astronaut(portraits: dict[str, NDArray[np.uint8]]) -> NDArray[np.uint8]:
    return portraits["eileen_collins"]


@pytest.fixture(scope="module")
def analyzer() -> FaceAnalyzer:
    return FaceAnalyzer()


def room(seed: int = 0) -> NDArray[np.uint8]:
    """Clutter without straight edges: coloured ellipses on a noisy grey wall."""
    rng = np.random.default_rng(seed)
    image = np.full((H, W, 3), 128, np.uint8)
    for _ in range(80):
        centre = (int(rng.integers(0, W)), int(rng.integers(0, H)))
        axes = (int(rng.integers(5, 40)), int(rng.integers(5, 40)))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.ellipse(image, centre, axes, float(rng.uniform(0, 180)), 0, 360, colour, -1)
    noise = cv2.GaussianBlur(rng.normal(0, 25, (H, W)), (0, 0), 1.5)[..., None]
    return np.clip(image + noise, 0, 255).astype(np.uint8)


def around_face(astronaut: NDArray[np.uint8], half_w: float, half_h: float):
    cx, cy = FACE_CENTRE
    x0, y0 = int(cx - half_w * FW), int(max(0, cy - half_h * FW))
    patch = astronaut[y0 : y0 + int(2 * half_h * FW), x0 : x0 + int(2 * half_w * FW)]
    return patch, (cx - x0, cy - y0)


def tablet(astronaut: NDArray[np.uint8], bezel: int = 12):
    content, (cx, cy) = around_face(astronaut, 1.0, 1.15)
    framed = cv2.copyMakeBorder(
        content, bezel, bezel, bezel, bezel, cv2.BORDER_CONSTANT, value=(22, 22, 25)
    )
    return framed, (cx + bezel, cy + bezel), None


def blended_face(astronaut: NDArray[np.uint8]):
    patch, (cx, cy) = around_face(astronaut, 0.8, 0.95)
    alpha = np.zeros(patch.shape[:2], np.float32)
    cv2.ellipse(alpha, (int(cx), int(cy)), (int(0.62 * FW), int(0.8 * FW)), 0, 0, 360, 1.0, -1)
    return patch, (cx, cy), cv2.GaussianBlur(alpha, (0, 0), 0.06 * FW)


def paste(background, thing, at: tuple[float, float]) -> NDArray[np.uint8]:
    patch, (cx, cy), alpha = thing
    out = background.copy()
    x0, y0 = int(round(at[0] - cx)), int(round(at[1] - cy))
    region = out[y0 : y0 + patch.shape[0], x0 : x0 + patch.shape[1]]
    if alpha is None:
        region[:] = patch
    else:
        region[:] = (alpha[..., None] * patch + (1 - alpha[..., None]) * region).astype(np.uint8)
    return out


def sway(t: float) -> tuple[float, float]:
    return W / 2 + 30 * np.sin(2 * np.pi * t / 2.0), H / 2 + 8 * np.sin(2 * np.pi * t / 1.3)


def clip(thing, camera_pan: bool = False, fps: float = 12.0) -> list[Frame]:
    background = room()
    frames = []
    for i in range(24):
        t = i / fps
        if camera_pan:
            # The camera moves: face and room shift together.
            dx, dy = sway(t)[0] - W / 2, sway(t)[1] - H / 2
            image = paste(background, thing, (W / 2, H / 2))
            shift = np.float32([[1, 0, dx], [0, 1, dy]])
            image = cv2.warpAffine(image, shift, (W, H), borderMode=cv2.BORDER_REFLECT)
        else:
            image = paste(background, thing, sway(t))
        frames.append(Frame(np.ascontiguousarray(image), i, t))
    return frames


def judged_still(image: NDArray[np.uint8], analyzer: FaceAnalyzer):
    frame = Frame(image)
    face = max(analyzer.analyze(frame), key=lambda f: f.box.area)
    return context_cue([(frame, face)])


def test_tablet_with_a_bezel_in_a_room_scores_low(astronaut, analyzer) -> None:
    cue = judged_still(paste(room(), tablet(astronaut), (W / 2, H / 2)), analyzer)
    assert cue.score is not None and cue.score < 0.2, cue.evidence
    assert cue.evidence["enclosing_quad_found"] is True
    assert len(cue.evidence["enclosing_sides"]) >= 3 and cue.evidence["dark_band_sides"] >= 1
    assert all(0.2 < d < 1.2 for d in cue.evidence["border_distance_face_widths"].values())


def test_same_face_blended_into_the_room_scores_high(astronaut, analyzer) -> None:
    cue = judged_still(paste(room(), blended_face(astronaut), (W / 2, H / 2)), analyzer)
    assert cue.score is not None and cue.score >= 0.7, cue.evidence
    assert cue.evidence["enclosing_quad_found"] is False


def with_jambs(image: NDArray[np.uint8], lintel: bool) -> NDArray[np.uint8]:
    """Light wooden posts either side of the face, from the top of the picture to the bottom
    (a door frame), and with `lintel` a beam joining them above the head (a frame's outline)."""
    out = image.copy()
    colour = (182, 150, 112)
    post = int(0.15 * FW)
    for x in (W / 2 - 1.05 * FW - post, W / 2 + 1.05 * FW):
        cv2.rectangle(out, (int(x), 0), (int(x) + post, H - 1), colour, -1)
    if lintel:
        top = int(H / 2 - 1.25 * FW)
        cv2.rectangle(
            out,
            (int(W / 2 - 1.05 * FW - post), top - post),
            (int(W / 2 + 1.05 * FW) + post, top),
            colour,
            -1,
        )
    return out


def test_a_door_frame_either_side_of_a_face_is_not_an_instrument(astronaut, analyzer) -> None:
    scene = paste(room(), blended_face(astronaut), (W / 2, H / 2))
    posts = judged_still(with_jambs(scene, lintel=False), analyzer)
    assert set(posts.evidence["enclosing_sides"]) == {"left", "right"}, posts.evidence
    assert posts.evidence["dark_band_sides"] == 0
    assert posts.score == pytest.approx(0.8), posts.evidence
    outline = judged_still(with_jambs(scene, lintel=True), analyzer)
    assert {"top", "left", "right"} <= set(outline.evidence["enclosing_sides"]), outline.evidence
    assert outline.score is not None and outline.score < 0.6, outline.evidence


def test_a_face_filling_the_frame_is_inconclusive(astronaut, analyzer) -> None:
    patch, _ = around_face(astronaut, 0.65, 0.65)
    cue = judged_still(np.ascontiguousarray(patch), analyzer)
    assert cue.score is None and "fills the frame" in (cue.reason or "")


def test_engine_registers_the_cue(astronaut) -> None:
    engine = LivenessEngine()
    observation = engine.observe([Frame(paste(room(), tablet(astronaut), (W / 2, H / 2)))])
    track = observation.main_track()
    assert track is not None
    cue = engine.cues_without_surface(observation, track)["context"]
    assert cue.score is not None and cue.score < 0.2


def test_a_tablet_moving_as_one_plane_is_caught_by_comotion(astronaut, analyzer) -> None:
    track = observe(clip(tablet(astronaut)), analyzer).main_track()
    assert track is not None
    measured = comotion(track.comotion.pairs)
    assert measured["pairs_used"] >= 2
    assert measured["background_comotion_ratio"] > 0.5, measured
    cue = context_cue(track.views(), track.comotion.pairs)
    assert cue.score is not None and cue.score < 0.2


def test_a_face_moving_over_a_still_room_is_not(astronaut, analyzer) -> None:
    track = observe(clip(blended_face(astronaut)), analyzer).main_track()
    assert track is not None
    measured = comotion(track.comotion.pairs)
    assert measured["pairs_used"] >= 2
    assert measured["background_comotion_ratio"] < 0.3, measured
    cue = context_cue(track.views(), track.comotion.pairs)
    assert cue.score is not None and cue.score >= 0.7


def test_a_screen_on_a_stand_replaying_a_moving_face_is_still_caught_by_its_edges(
    astronaut, analyzer
) -> None:
    # The screen (fixed in the room) shows a recording in which the face moves over a still
    # background: nothing around the face moves with it, so only the edges can tell.
    face = blended_face(astronaut)
    recorded = room(seed=1)[:260, :230]
    frames = []
    for i in range(24):
        t = i / 12.0
        shown = paste(recorded, face, (115 + 25 * np.sin(2 * np.pi * t / 2.0), 130))
        screen = cv2.copyMakeBorder(shown, 12, 12, 12, 12, cv2.BORDER_CONSTANT, value=(22, 22, 25))
        image = paste(room(), (screen, (127, 142), None), (W / 2, H / 2))
        frames.append(Frame(image, i, t))
    track = observe(frames, analyzer).main_track()
    assert track is not None
    cue = context_cue(track.views(), track.comotion.pairs)
    assert cue.evidence["background_comotion_ratio"] < 0.3, cue.evidence
    assert cue.evidence["comotion_score"] >= 0.8 and cue.evidence["enclosure_score"] < 0.2
    assert cue.score is not None and cue.score < 0.2


def test_camera_motion_makes_comotion_say_nothing(astronaut, analyzer) -> None:
    track = observe(clip(blended_face(astronaut), camera_pan=True), analyzer).main_track()
    assert track is not None
    measured = comotion(track.comotion.pairs)
    assert measured["pairs_camera_moved"] >= 1 and measured["background_comotion_ratio"] is None


def synthetic_face(x: float, t: float, index: int) -> Face:
    keypoints = np.array([[x + 30, 60], [x + 70, 60], [x + 50, 80], [x + 50, 95]], np.float32)
    return Face(Box(x, 40, 100, 100), 0.9, keypoints, frame_index=index, timestamp=t)


def test_sampler_memory_is_bounded_and_needs_motion() -> None:
    image = np.zeros((240, 320, 3), np.uint8)
    still, moving = CoMotionSampler(), CoMotionSampler()
    for i in range(300):
        frame = Frame(image, i, i / 30)
        still.offer(frame, synthetic_face(100, i / 30, i))
        moving.offer(frame, synthetic_face(100 + 40 * np.sin(i / 10), i / 30, i))
    assert still.pairs == []
    assert len(moving.pairs) == MAX_PAIRS


def test_broken_edge_pieces_merge_but_crossing_lines_do_not() -> None:
    pieces = np.array(
        [[0, 0, 40, 1, 40], [55, 1.4, 100, 2.5, 45], [50, -30, 51, 30, 60]], dtype=np.float64
    )
    merged = merge_collinear(pieces, gap=20)
    assert len(merged) == 2
    joined = merged[np.argmax(merged[:, 4])]
    assert joined[4] == pytest.approx(85) and np.hypot(*(joined[2:4] - joined[:2])) > 99
