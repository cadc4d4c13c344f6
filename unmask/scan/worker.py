"""One scan item from frames to findings: tracks, liveness, descriptors, crops, evidence clips.

Everything here is a pure function of the item and the settings, so it runs the same in this
process, in a worker process or on a Ray node, and returns plain picklable data (images as JPEG
and MP4 bytes): only the coordinator writes files, which is what lets a remote cluster work
without a shared disk. Identities and clusters are decided by the coordinator, in input order,
so results do not depend on which worker finished first.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from unmask.errors import CorruptMediaError, MediaNotFoundError
from unmask.face import FaceAnalyzer
from unmask.face.tracker import ReidTracker
from unmask.liveness.engine import LivenessEngine, verdict_document
from unmask.liveness.levels import DEFAULT_LEVEL
from unmask.liveness.observe import Observation, TrackObservation, observe
from unmask.media import iter_frames, read_image, read_video
from unmask.media_policy import MediaWarning, strict_media
from unmask.scan.sources import ScanItem
from unmask.types import Box, Face, Frame, Verdict

MIN_EMBED_PX = 24.0
EMBED_FRAMES = 3
CROP_PX = 112
# H.264 quality of evidence clips (x264 CRF: 18 is visually lossless, 23 its default).
CLIP_CRF = 20


@dataclass(frozen=True)
class ScanSettings:
    """What every worker needs to know; `tile` turns on small-face detection, `strict` makes a
    truncated file an error instead of a warning."""

    level: str = DEFAULT_LEVEL
    max_seconds: float | None = None
    tile: int | None = None
    sequence_fps: float = 25.0
    min_track_frames: int = 3
    clip_seconds: float = 4.0
    strict: bool = False


@dataclass
class TrackFinding:
    """One track as the worker saw it; `embedding` is None for faces too small to recognise."""

    track: int
    first_seen: float
    last_seen: float
    frames: int
    box: list[float]
    best_time: float
    embedding: list[float] | None
    liveness: dict[str, Any]
    alerts: list[dict[str, Any]]
    crop_jpeg: bytes
    clip_mp4: bytes | None = None


@dataclass
class FileFinding:
    """One item's tracks and counts (`faces`: detections in frames, tracked or not)."""

    name: str
    frames: int
    faces: int
    seconds: float
    cuts: list[float]
    tracks: list[TrackFinding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@cache
def analyzer_for(tile: int | None) -> FaceAnalyzer:
    """One analyzer per process and setting (models load once per process)."""
    return FaceAnalyzer(iris=False, tile=tile, small_face_px=32.0 if tile else 0.0)


@cache
def engine_for(level: str) -> LivenessEngine:
    return LivenessEngine(level=level, max_seconds=None)


def item_frames(item: ScanItem, settings: ScanSettings, skipped: list[str]) -> Iterator[Frame]:
    """The item's frames; a sequence plays at `sequence_fps`, skipping (and noting) bad images."""
    if not item.sequence:
        path = item.paths[0]
        if Path(path).is_dir():
            raise MediaNotFoundError(f"{path}: folder holds no images or videos")
        yield from iter_frames(path, max_seconds=settings.max_seconds)
        return
    for index, path in enumerate(item.paths):
        timestamp = index / settings.sequence_fps
        if settings.max_seconds is not None and timestamp > settings.max_seconds:
            return
        try:
            image = read_image(path).image
        except (CorruptMediaError, MediaNotFoundError) as exc:
            skipped.append(str(exc))
            continue
        yield Frame(image=image, index=index, timestamp=timestamp, source=path)


def scan_item(item: ScanItem, settings: ScanSettings) -> FileFinding:
    """Scan one item. Raises an UnmaskError when the item cannot be read at all."""
    notes: list[str] = []
    counted = [0]
    last_time = [0.0]

    def counting(frames: Iterator[Frame]) -> Iterator[Frame]:
        for frame in frames:
            counted[0] += 1
            last_time[0] = frame.timestamp
            yield frame

    tracker = ReidTracker(keep_faces=False)
    # The media policy travels in the settings: a context variable does not cross processes.
    with warnings.catch_warnings(record=True) as caught, strict_media(settings.strict):
        warnings.simplefilter("always", MediaWarning)
        observation = observe(
            counting(item_frames(item, settings, notes)),
            analyzer_for(settings.tile),
            tracker=tracker,
        )
    notes.extend(str(w.message) for w in caught if issubclass(w.category, MediaWarning))
    if counted[0] == 0:
        raise CorruptMediaError(f"{item.name}: no readable frame")
    faces = sum(len(track.faces) for track in observation.tracks.values())
    observation.tracks = {
        key: track
        for key, track in observation.tracks.items()
        if len(track.faces) >= settings.min_track_frames
    }
    finding = FileFinding(
        name=item.name,
        frames=counted[0],
        faces=faces,
        seconds=round(last_time[0], 3),
        cuts=[round(t, 3) for t in tracker.cuts],
        warnings=notes,
    )
    if observation.tracks:
        finding.tracks = judge_tracks(item, settings, observation)
    return finding


def judge_tracks(
    item: ScanItem, settings: ScanSettings, observation: Observation
) -> list[TrackFinding]:
    engine = engine_for(settings.level)
    source: str | tuple[Frame, ...] = () if item.sequence else item.paths[0]
    report = engine.judge(observation, source, settings.level)
    found = []
    for judged in report.tracks:
        verdict = judged.verdict
        assert verdict.track_id is not None
        track = observation.tracks[verdict.track_id]
        best = max(track.faces, key=lambda f: f.quality.score if f.quality else f.score)
        alerts = alerts_for(verdict, engine, best.timestamp)
        found.append(
            TrackFinding(
                track=verdict.track_id,
                first_seen=round(judged.first_seen, 3),
                last_seen=round(judged.last_seen, 3),
                frames=judged.frames,
                box=best.box.as_list(),
                best_time=round(best.timestamp, 3),
                embedding=track_embedding(track),
                liveness=liveness_summary(verdict),
                alerts=alerts,
                crop_jpeg=best_crop(track),
                clip_mp4=evidence_clip(item, settings, track, best.timestamp) if alerts else None,
            )
        )
    return found


def liveness_summary(verdict: Verdict) -> dict[str, Any]:
    """The decision and each cue's score (the evidence itself travels with alerts)."""
    return {
        **verdict.summary(),
        "cues": {
            name: {
                "score": None if cue.score is None else round(float(cue.score), 4),
                "reason": cue.reason,
            }
            for name, cue in verdict.cues.items()
        },
    }


def alerts_for(verdict: Verdict, engine: LivenessEngine, when: float) -> list[dict[str, Any]]:
    """An attack verdict is an alert, with every cue's evidence; a mask gets its own kind."""
    if verdict.decision != "attack":
        return []
    species = verdict.species or ""
    document = verdict_document(verdict, engine)
    return [
        {
            "kind": "mask" if "mask" in species else "attack",
            "species": verdict.species,
            "time": round(when, 3),
            "deciding_cues": list(verdict.deciding_cues),
            "cues": document["cues"],
            "clip": None,
        }
    ]


def track_embedding(track: TrackObservation) -> list[float] | None:
    """Mean descriptor of the track's best frames, if its face is big enough to recognise."""
    from unmask.identity.embedder import embed_face

    usable = [
        (frame, face)
        for frame, face in track.views()
        if max(face.box.w, face.box.h) >= MIN_EMBED_PX
    ][:EMBED_FRAMES]
    if not usable:
        return None
    vectors = np.stack([embed_face(frame.image, face.box) for frame, face in usable])
    return [float(v) for v in vectors.mean(axis=0)]


def padded(box: Box, width: int, height: int, margin: float = 0.25) -> tuple[int, int, int, int]:
    x0 = int(max(0.0, box.x - margin * box.w))
    y0 = int(max(0.0, box.y - margin * box.h))
    x1 = int(min(float(width), box.x + (1 + margin) * box.w))
    y1 = int(min(float(height), box.y + (1 + margin) * box.h))
    return x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)


def jpeg(image: NDArray[np.uint8]) -> bytes:
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    return data.tobytes() if ok else b""


def best_crop(track: TrackObservation) -> bytes:
    """The best-quality face with some margin, about CROP_PX high: the report's thumbnail."""
    frame, face = track.views()[0]
    x0, y0, x1, y1 = padded(face.box, frame.width, frame.height)
    crop = frame.image[y0:y1, x0:x1]
    scale = CROP_PX / max(crop.shape[0], 1)
    size = (max(1, round(crop.shape[1] * scale)), CROP_PX)
    return jpeg(np.asarray(cv2.resize(crop, size, interpolation=cv2.INTER_AREA), dtype=np.uint8))


def evidence_clip(
    item: ScanItem, settings: ScanSettings, track: TrackObservation, when: float
) -> bytes | None:
    """`clip_seconds` of footage around `when`, the track's face boxed, as MP4 bytes."""
    start = max(0.0, when - settings.clip_seconds / 2)
    if item.sequence:
        frames: list[Frame] = [
            f
            for f in item_frames(item, settings, [])
            if start <= f.timestamp <= start + settings.clip_seconds
        ]
    else:
        frames = list(
            read_video(item.paths[0], start_seconds=start, max_seconds=settings.clip_seconds)
        )
    if not frames:
        return None
    boxes = {face.frame_index: face for face in track.faces}
    span = frames[-1].timestamp - frames[0].timestamp
    fps = (len(frames) - 1) / span if span > 0 else settings.sequence_fps
    # H.264 (PyAV's wheels bundle libx264), written as the attack lab writes its clips: browsers
    # play it inline, which they do not do for MPEG-4 part 2. 4:2:0 needs even sizes.
    from unmask.lab.store import write_video

    height, width = frames[0].height // 2 * 2, frames[0].width // 2 * 2

    def boxed() -> Iterator[NDArray[np.uint8]]:
        for frame in frames:
            picture = np.array(frame.image[:height, :width], dtype=np.uint8)
            face: Face | None = boxes.get(frame.index)
            if face is not None:
                x0, y0 = int(face.box.x), int(face.box.y)
                x1, y1 = int(face.box.x + face.box.w), int(face.box.y + face.box.h)
                cv2.rectangle(picture, (x0, y0), (x1, y1), (255, 0, 0), 2)
            yield picture

    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "clip.mp4"
        write_video(target, boxed(), fps, "h264", CLIP_CRF)
        return target.read_bytes()
