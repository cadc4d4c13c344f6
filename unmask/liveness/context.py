"""Context cue: is there a presentation instrument in the wider frame around the face?

A print or a screen is a flat object of finite size held in front of the camera; its edges
often show around the face while the face itself looks fine. Two kinds of evidence:

- stills (and each of a video's best frames): straight edges that enclose the face. Line
  segments (OpenCV's LSD) are merged when collinear, then each side of the face (top, bottom,
  left, right) looks for a long edge parallel to it that spans the face, within a few face
  widths and clear of the face itself. Three sides, or two meeting at a corner (a segment that
  stops where the other begins, as a sheet's or a bezel's corner does, not lines that cross as
  a room's do), or a dark uniform band along an edge (a phone or tablet bezel) count against
  the face. A room has straight edges too (door frames, pillars, shelves): one edge beside the
  face is weak evidence by itself, and the score only falls far when the edges close around it.
- video: co-motion. Between two frames in which the face moved, points tracked in a ring around
  the face (left, right and above it, beyond the hair, not below where the neck and shoulders
  follow the head) either stay put (a living head moves against the background) or move with
  the face's own similarity transform (the face is printed on, or shown by, the thing that
  moves). If the far background moves as much as the face, the camera moved and co-motion
  says nothing.

Either sign of an instrument is strong evidence and its absence weak (a screen on a stand shows
a moving face inside a still frame; a print may fill the picture), so the lower of the two
scores is the cue's. A face that fills the frame leaves no context to judge: inconclusive,
with that reason. Edge and band thresholds are rules of thumb in face widths, to be calibrated
by fusion; every measurement is in the evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from unmask.liveness.features.geometry import similarity_fit
from unmask.types import Box, CueScore, Face, Frame

CUE = "context"
LINE_FACE_PX = 80  # stills are searched for edges at this face width
MOTION_SIDE = 320  # frames kept for co-motion are downscaled to this longer side
MIN_CONTEXT_FW = 0.35  # the widest free margin must be this many face widths, else no context
MIN_SEGMENT_FW = 0.2  # shorter segments are ignored (text, texture)
MERGE_ANGLE_DEG = 4.0
MERGE_OFFSET_PX = 3.0  # at LINE_FACE_PX
MERGE_GAP_FW = 0.6  # an edge may fade (dark bezel on a dark background) for this long
MAX_DISTANCE_FW = 2.5  # an edge farther than this from the face says nothing about it
CLEARANCE_FW = 0.08  # an edge must stay this far out of the face box (hair outlines hug it)
SIDE_ANGLE_DEG = 25.0  # an edge may tilt this much from its side's direction (perspective)
MIN_COVERAGE = 0.6  # share of the face's extent an edge must span to enclose that side
REPEATING_EDGES = 4  # this many spanning edges on one side are a pattern, not a border
CORNER_FW = 0.35  # a corner: both edges end within this of their intersection
BAND_FW = 0.06  # width of the strip examined outside an edge for a bezel
BEZEL_MAX_GREY = 70.0
BEZEL_MAX_STD = 14.0
MAX_PAIRS = 4
MIN_SHIFT_FW = 0.08  # the face must move this much between the two frames of a pair
MAX_GAP_S = 1.0
RING_INNER = 1.6  # ring around the face, in multiples of the box side
RING_OUTER = 2.6
COMOVE_TOLERANCE = 0.35  # a point moves with the face if within this share of the face's motion
MIN_RING_POINTS = 12

SIDES = ("top", "right", "bottom", "left")


@dataclass(frozen=True, eq=False)
class MotionSample:
    """A grey frame downscaled by `scale` and the face in it, in the downscaled pixels."""

    grey: NDArray[np.uint8]
    box: Box
    points: NDArray[np.float64]
    timestamp: float
    scale: float


@dataclass
class CoMotionSampler:
    """Up to `max_pairs` pairs of frames between which the face moved; flat memory on any length.

    A pair opens on a frame and closes on the first later frame in which the face moved by
    MIN_SHIFT_FW (centre shift plus size change); one that stays open longer than MAX_GAP_S
    starts again from the current frame, so a pair never spans a slow drift.
    """

    max_pairs: int = MAX_PAIRS
    pairs: list[tuple[MotionSample, MotionSample]] = field(default_factory=list)
    pending: MotionSample | None = None

    def offer(self, frame: Frame, face: Face) -> None:
        if len(self.pairs) >= self.max_pairs:
            return
        start = self.pending
        if start is None or face.timestamp - start.timestamp > MAX_GAP_S:
            self.pending = motion_sample(frame, face)
            return
        was, now, s = start.box, face.box, start.scale
        side = max(was.w, was.h)
        shift = np.hypot(
            (now.x + now.w / 2) * s - was.x - was.w / 2, (now.y + now.h / 2) * s - was.y - was.h / 2
        ) + abs(max(now.w, now.h) * s - side)
        if shift >= MIN_SHIFT_FW * side:
            after = motion_sample(frame, face)
            self.pairs.append((start, after))
            self.pending = after


def motion_sample(frame: Frame, face: Face) -> MotionSample:
    """Small and grey: optical flow needs no more, and each kept frame costs 77 kB at 320 px."""
    scale = min(1.0, MOTION_SIDE / max(frame.height, frame.width))
    grey = cv2.cvtColor(frame.image, cv2.COLOR_RGB2GRAY)
    if scale < 1.0:
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    box = face.box
    points = np.asarray(face.mesh if face.mesh is not None else face.keypoints, dtype=np.float64)
    return MotionSample(
        grey=np.ascontiguousarray(grey, dtype=np.uint8),
        box=Box(box.x * scale, box.y * scale, box.w * scale, box.h * scale),
        points=points[:, :2] * scale,
        timestamp=face.timestamp,
        scale=scale,
    )


# ---- stills: edges that enclose the face -------------------------------------------------


@dataclass(frozen=True)
class Edge:
    """A straight edge on one side of the face, in face widths where it says so."""

    side: str
    segment: NDArray[np.float64]  # x0, y0, x1, y1 in working pixels
    coverage: float
    distance_fw: float
    dark_band: bool


def free_margin_fw(box: Box, height: int, width: int) -> float:
    """The widest margin beside the face, in face widths: one side in view can show an edge."""
    side = max(box.w, box.h)
    margins = (box.x, box.y, width - box.x - box.w, height - box.y - box.h)
    return max(margins) / side


def segments(grey: NDArray[np.uint8], min_length: float, gap: float) -> NDArray[np.float64]:
    """Edges at least `min_length` long after merging collinear pieces up to `gap` apart, as
    (n, 5): x0, y0, x1, y1 and the length actually drawn (the span minus its gaps)."""
    found = cv2.createLineSegmentDetector().detect(grey)[0]
    if found is None:
        return np.zeros((0, 5))
    lines = found.reshape(-1, 4).astype(np.float64)
    length = np.hypot(lines[:, 2] - lines[:, 0], lines[:, 3] - lines[:, 1])
    # Only edges that could run along a side of the face (near horizontal or vertical) matter.
    tilt = np.degrees(
        np.arctan2(np.abs(lines[:, 3] - lines[:, 1]), np.abs(lines[:, 2] - lines[:, 0]))
    )
    sideways = (tilt <= SIDE_ANGLE_DEG + MERGE_ANGLE_DEG) | (
        tilt >= 90 - SIDE_ANGLE_DEG - MERGE_ANGLE_DEG
    )
    keep = (length >= min_length / 2) & sideways
    merged = merge_collinear(np.column_stack([lines[keep], length[keep]]), gap=gap)
    height, width = grey.shape
    keep = np.hypot(merged[:, 2] - merged[:, 0], merged[:, 3] - merged[:, 1]) >= min_length
    # The picture's own border (letterboxing, a crop) is not an edge in the scene.
    xs, ys = merged[:, [0, 2]], merged[:, [1, 3]]
    on_border = ((xs.max(axis=1) < 3) | (xs.min(axis=1) > width - 4) | (ys.max(axis=1) < 3)) | (
        ys.min(axis=1) > height - 4
    )
    return merged[keep & ~on_border]


def merge_collinear(lines: NDArray[np.float64], gap: float) -> NDArray[np.float64]:
    """Join segments on one line (LSD breaks an edge wherever contrast dips) into one.

    Rows are x0, y0, x1, y1, drawn length. Two segments are on one line when parallel within
    MERGE_ANGLE_DEG, each within MERGE_OFFSET_PX of the other's line, and at most `gap` apart
    along it (a lens bends long edges a little, hence the tolerances); chains of such pairs
    become one edge spanning them all, whose drawn length is the sum of its pieces, capped at
    its span (two detections of one edge overlap).
    """
    if len(lines) < 2:
        return lines
    start, end = lines[:, :2], lines[:, 2:4]
    length = np.maximum(np.hypot(*(end - start).T), 1e-9)
    direction = (end - start) / length[:, None]
    normal = np.column_stack([-direction[:, 1], direction[:, 0]])
    to_start = start[None, :, :] - start[:, None, :]  # [i, j] = start_j - start_i
    to_end = end[None, :, :] - start[:, None, :]
    offset = np.maximum(
        np.abs(np.einsum("ijk,ik->ij", to_start, normal)),
        np.abs(np.einsum("ijk,ik->ij", to_end, normal)),
    )
    t_start = np.einsum("ijk,ik->ij", to_start, direction)
    t_end = np.einsum("ijk,ik->ij", to_end, direction)
    near = (np.maximum(t_start, t_end) >= -gap) & (
        np.minimum(t_start, t_end) <= length[:, None] + gap
    )
    parallel = np.abs(direction @ direction.T) >= np.cos(np.radians(MERGE_ANGLE_DEG))
    joined = parallel & (offset <= MERGE_OFFSET_PX) & near
    # Judge each pair on the longer segment's line: a short piece's direction is too uncertain.
    longer = length[:, None] >= length[None, :]
    joined = np.where(longer, joined, joined.T)
    _, labels = connected_components(csr_matrix(joined), directed=False)
    merged = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        ref = members[np.argmax(length[members])]
        along = (np.concatenate([start[members], end[members]]) - start[ref]) @ direction[ref]
        lo, hi = float(along.min()), float(along.max())
        drawn = min(hi - lo, float(lines[members, 4].sum()))
        merged.append(
            [*(start[ref] + lo * direction[ref]), *(start[ref] + hi * direction[ref]), drawn]
        )
    return np.array(merged)


def find_edges(grey: NDArray[np.uint8], box: Box) -> tuple[list[Edge], list[str]]:
    """The best enclosing edge on each side of the face where there is one, and the sides
    where REPEATING_EDGES or more edges span the face (a grid, blinds, siding: a pattern in the
    room, not the border of an object; a sheet or a bezel shows one to three lines a side)."""
    fw = max(box.w, box.h)
    lines = segments(grey, MIN_SEGMENT_FW * fw, MERGE_GAP_FW * fw)
    edges, repeating = [], []
    for side in SIDES:
        found = [e for line in lines if (e := _as_edge(line, side, box, grey)) is not None]
        if sum(e.coverage >= MIN_COVERAGE for e in found) >= REPEATING_EDGES:
            repeating.append(side)
        elif found:
            edges.append(max(found, key=lambda e: (e.coverage, -e.distance_fw)))
    return edges, repeating


def _as_edge(
    line: NDArray[np.float64], side: str, box: Box, grey: NDArray[np.uint8]
) -> Edge | None:
    """`line` as an edge on `side` of the face, or None if it is not one.

    In side coordinates (u along the side, v away from the face) the part of the line that
    spans the face must stay clear of the face box and within MAX_DISTANCE_FW of it.
    """
    fw = max(box.w, box.h)
    horizontal = side in ("top", "bottom")
    outward = -1.0 if side in ("top", "left") else 1.0
    x0, y0, x1, y1, drawn = line
    if horizontal:
        u0, v0, u1, v1 = x0, y0, x1, y1
        face_lo, face_hi, near = box.x, box.x + box.w, box.y if side == "top" else box.y + box.h
    else:
        u0, v0, u1, v1 = y0, x0, y1, x1
        face_lo, face_hi, near = box.y, box.y + box.h, box.x if side == "left" else box.x + box.w
    if u0 == u1 or np.degrees(np.arctan2(abs(v1 - v0), abs(u1 - u0))) > SIDE_ANGLE_DEG:
        return None
    if u0 > u1:
        u0, v0, u1, v1 = u1, v1, u0, v0
    lo, hi = max(u0, face_lo), min(u1, face_hi)
    if hi <= lo:
        return None
    gaps = [outward * (v0 + (u - u0) / (u1 - u0) * (v1 - v0) - near) for u in (lo, hi)]
    if min(gaps) < CLEARANCE_FW * fw or max(gaps) > MAX_DISTANCE_FW * fw:
        return None
    return Edge(
        side=side,
        segment=line[:4],
        coverage=float(
            (hi - lo) / (face_hi - face_lo) * min(1.0, drawn / np.hypot(x1 - x0, y1 - y0))
        ),
        distance_fw=float(np.mean(gaps) / fw),
        dark_band=_dark_band(grey, line[:4], outward, horizontal, fw),
    )


def _dark_band(
    grey: NDArray[np.uint8], line: NDArray[np.float64], outward: float, horizontal: bool, fw: float
) -> bool:
    """A uniform dark strip just outside the edge: the bezel of a phone or tablet."""
    x0, y0, x1, y1 = line
    n = 24
    ts = np.linspace(0.1, 0.9, n)
    xs, ys = x0 + ts * (x1 - x0), y0 + ts * (y1 - y0)
    samples = []
    for depth in np.linspace(0.25, 1.0, 4) * BAND_FW * fw:
        px = xs + (0.0 if horizontal else outward * depth)
        py = ys + (outward * depth if horizontal else 0.0)
        inside = (px >= 0) & (px < grey.shape[1]) & (py >= 0) & (py < grey.shape[0])
        samples.append(grey[py[inside].astype(int), px[inside].astype(int)])
    values = np.concatenate(samples).astype(np.float64)
    if values.size < n:
        return False
    return bool(values.mean() < BEZEL_MAX_GREY and values.std() < BEZEL_MAX_STD)


def _corner(a: Edge, b: Edge, fw: float) -> bool:
    """Two edges of adjacent sides that end where their lines meet (a sheet's corner)."""
    p, r = a.segment[:2], a.segment[2:] - a.segment[:2]
    q, s = b.segment[:2], b.segment[2:] - b.segment[:2]
    denominator = r[0] * s[1] - r[1] * s[0]
    if abs(denominator) < 1e-9:
        return False
    t = ((q - p)[0] * s[1] - (q - p)[1] * s[0]) / denominator
    point = p + t * r
    return all(
        min(np.hypot(*(e.segment[:2] - point)), np.hypot(*(e.segment[2:] - point)))
        <= CORNER_FW * fw
        for e in (a, b)
    )


def outline_strength(edges: Sequence[Edge]) -> float:
    """Half the summed coverage of the enclosing edges, but at most one edge's worth (0.5)
    unless they turn a corner of the outline (a top or bottom edge with a left or right one).

    Parallel edges on opposite sides of a face, with nothing joining them, are what a room
    shows at least as often as an instrument does (a door frame, a corridor, shelves, a
    window's jambs). On REAL photos of living faces (faces/deepface and
    faces/face_recognition) 7 of 85 showed exactly that, and 12 of 85 some edge, more often
    than the calibration's simulated recaptures showed any; counted, it refused living faces
    on a wall's evidence.
    """
    coverage = sum(e.coverage for e in edges) / 2.0
    sides = {e.side for e in edges}
    turns = bool(sides & {"top", "bottom"}) and bool(sides & {"left", "right"})
    return coverage if turns else min(coverage, 0.5)


def enclosure(image: NDArray[np.uint8], box: Box) -> dict[str, Any] | None:
    """Measurements of the edges around one face; None when the face leaves no context."""
    height, width = image.shape[:2]
    if box.w <= 0 or box.h <= 0 or free_margin_fw(box, height, width) < MIN_CONTEXT_FW:
        return None
    # Only the neighbourhood an edge may lie in, at a fixed face size: the cost does not grow
    # with the picture.
    side = max(box.w, box.h)
    reach = (MAX_DISTANCE_FW + 0.25) * side
    x0, y0 = int(max(0, box.x - reach)), int(max(0, box.y - reach))
    x1 = int(min(width, box.x + box.w + reach))
    y1 = int(min(height, box.y + box.h + reach))
    scale = min(1.0, LINE_FACE_PX / side)
    grey = cv2.cvtColor(np.ascontiguousarray(image[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)
    if scale < 1.0:
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    small = Box((box.x - x0) * scale, (box.y - y0) * scale, box.w * scale, box.h * scale)
    fw = max(small.w, small.h)
    found, repeating = find_edges(np.ascontiguousarray(grey), small)
    edges = [e for e in found if e.coverage >= MIN_COVERAGE]
    by_side = {e.side: e for e in edges}
    corners = sum(
        _corner(by_side[a], by_side[b], fw)
        for a, b in zip(SIDES, SIDES[1:] + SIDES[:1], strict=True)
        if a in by_side and b in by_side
    )
    bezel = sum(e.dark_band for e in edges)
    strength = outline_strength(edges) + 0.5 * corners + 0.5 * min(bezel, 2)
    return {
        "enclosing_sides": sorted(by_side, key=SIDES.index),
        "enclosing_quad_found": len(edges) >= 3 or corners >= 1,
        "corners_found": int(corners),
        "repeating_sides": repeating,
        "dark_band_sides": int(bezel),
        "edge_coverage": {e.side: round(e.coverage, 2) for e in edges},
        "border_distance_face_widths": {e.side: round(e.distance_fw, 2) for e in edges},
        "free_margin_face_widths": round(free_margin_fw(box, height, width), 2),
        "enclosure_strength": round(float(strength), 3),
    }


def enclosure_score(strength: float) -> float:
    """No enclosing edge: 0.8 (absence is weak evidence); a closed frame: near 0.05."""
    return float(0.8 - 0.75 * np.clip((strength - 0.5) / 2.0, 0.0, 1.0))


# ---- video: does the surrounding move with the face? -------------------------------------


def _ring_masks(sample: MotionSample) -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
    """Masks of the ring around the face and of the far background, both above the shoulders."""
    height, width = sample.grey.shape
    box = sample.box
    fw = max(box.w, box.h)
    cx, cy = box.x + box.w / 2, box.y + box.h / 2
    ys, xs = np.mgrid[0:height, 0:width]
    reach = np.maximum(np.abs(xs - cx), np.abs(ys - cy)) / fw
    above_shoulders = ys < cy + RING_INNER * fw / 2
    ring = (reach >= RING_INNER / 2) & (reach <= RING_OUTER / 2) & above_shoulders
    far = (reach > RING_OUTER / 2) & above_shoulders
    return ring.astype(np.uint8) * 255, far.astype(np.uint8) * 255


def _tracked(
    before: NDArray[np.uint8], after: NDArray[np.uint8], mask: NDArray[np.uint8]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Corners in `mask` tracked forward and back (Lucas-Kanade); kept when they return."""
    found = cv2.goodFeaturesToTrack(before, 120, 0.01, 4, mask=mask)
    if found is None:
        return np.zeros((0, 2)), np.zeros((0, 2))
    start = found.astype(np.float32)
    ahead, ok, _ = cv2.calcOpticalFlowPyrLK(
        before, after, start, start.copy(), winSize=(15, 15), maxLevel=3
    )
    back, ok_back, _ = cv2.calcOpticalFlowPyrLK(
        after, before, ahead, ahead.copy(), winSize=(15, 15), maxLevel=3
    )
    good = (ok.ravel() == 1) & (ok_back.ravel() == 1)
    good &= np.hypot(*(back - start).reshape(-1, 2).T) < 1.0
    return (
        start.reshape(-1, 2)[good].astype(np.float64),
        ahead.reshape(-1, 2)[good].astype(np.float64),
    )


def _comoving(
    start: NDArray[np.float64],
    end: NDArray[np.float64],
    fit: tuple[float, NDArray[np.float64], NDArray[np.float64]],
) -> tuple[NDArray[np.bool_], NDArray[np.float64], NDArray[np.float64]]:
    """Which points moved as the face's similarity transform predicts; moved and predicted px."""
    scale, rotation, shift = fit
    predicted = start @ (scale * rotation).T + shift - start
    moved = end - start
    size = np.hypot(predicted[:, 0], predicted[:, 1])
    miss = np.hypot(*(moved - predicted).T)
    return miss < COMOVE_TOLERANCE * size, np.hypot(*moved.T), size


def comotion(pairs: Sequence[tuple[MotionSample, MotionSample]]) -> dict[str, Any]:
    """Share of ring points that move with the face, per usable pair, and why pairs were not."""
    shares, far_shares, counts, shifts = [], [], [], []
    camera = 0
    for before, after in pairs:
        if before.grey.shape != after.grey.shape or len(before.points) != len(after.points):
            continue
        fit = similarity_fit(before.points, after.points)
        ring_mask, far_mask = _ring_masks(before)
        start, end = _tracked(before.grey, after.grey, ring_mask)
        if len(start) < MIN_RING_POINTS:
            continue
        with_face, _, predicted = _comoving(start, end, fit)
        far_start, far_end = _tracked(before.grey, after.grey, far_mask)
        if len(far_start) >= MIN_RING_POINTS:
            far_with, far_moved, far_predicted = _comoving(far_start, far_end, fit)
            if np.median(far_moved) > 0.5 * np.median(far_predicted):
                camera += 1
                continue
            far_shares.append(float(far_with.mean()))
        shares.append(float(with_face.mean()))
        counts.append(len(start))
        shifts.append(float(np.median(predicted)) / max(before.box.w, before.box.h))
    return {
        "pairs_offered": len(pairs),
        "pairs_used": len(shares),
        "pairs_camera_moved": camera,
        "background_comotion_ratio": round(float(np.median(shares)), 3) if shares else None,
        "far_background_comotion_ratio": round(float(np.median(far_shares)), 3)
        if far_shares
        else None,
        "ring_points": int(np.median(counts)) if counts else 0,
        "face_shift_face_widths": round(float(np.median(shifts)), 3) if shifts else None,
    }


def comotion_score(ratio: float) -> float:
    """A still background (live head): 0.9; the surroundings moving with the face: 0.05."""
    return float(0.9 - 0.85 * np.clip((ratio - 0.15) / 0.5, 0.0, 1.0))


# ---- the cue --------------------------------------------------------------------------------


def context_cue(
    views: Sequence[tuple[Frame, Face | Box]],
    pairs: Sequence[tuple[MotionSample, MotionSample]] = (),
) -> CueScore:
    """Edges enclosing the face on its best frames (median), and co-motion on video pairs; the
    lower of the two scores."""
    measured = []
    for frame, face in views:
        box = face.box if isinstance(face, Face) else face
        found = enclosure(frame.image, box)
        if found is not None:
            measured.append(found)
    evidence: dict[str, Any] = {}
    parts: list[float] = []
    if measured:
        measured.sort(key=lambda m: m["enclosure_strength"])
        middle = measured[len(measured) // 2]
        evidence.update(middle, frames_measured=len(measured))
        still = enclosure_score(middle["enclosure_strength"])
        evidence["enclosure_score"] = round(still, 3)
        parts.append(still)
    if pairs:
        moving = comotion(pairs)
        evidence.update(moving)
        ratio = moving["background_comotion_ratio"]
        if ratio is not None:
            video = comotion_score(ratio)
            evidence["comotion_score"] = round(video, 3)
            parts.append(video)
    if not parts:
        reason = (
            "the face fills the frame: no surroundings to look for a print's or a screen's edges"
            if views
            else "no face frame to look at"
        )
        if evidence.get("pairs_camera_moved"):
            reason += "; the whole frame moved with the face (camera motion)"
        return CueScore(CUE, None, reason=reason, evidence=evidence)
    # Each part is strong evidence of an instrument and weak evidence of its absence (a screen
    # on a stand shows a moving face in a still frame; a print may fill the picture), so the
    # stronger sign of an instrument decides.
    score = min(parts)
    return CueScore(
        CUE, round(score, 4), confidence=round(abs(2.0 * score - 1.0), 4), evidence=evidence
    )
