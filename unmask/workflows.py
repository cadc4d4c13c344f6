"""The decisions the command line and the service share, written once.

`unmask enroll|identify|verify|detect|liveness` and the REST service (`unmask serve`) call these
functions on one file at a time; each returns the JSON-ready entry both print, so a door
controller talking to the service and a script calling the CLI get the same answer from the
same code. The caller owns the gallery, the models and the batch around them (the CLI opens
them per command, the service keeps them per worker thread).

Outside `unmask.identity` because a decision may need liveness too, which sits below identity
in the flow; the heavy modules load when a function first runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from unmask.errors import ChallengeError, NoFaceError

if TYPE_CHECKING:
    from collections.abc import Mapping

    import numpy as np
    from numpy.typing import NDArray

    from unmask.face import FaceAnalyzer
    from unmask.identity import Gallery, Probe, ProbeMaker, Template
    from unmask.liveness.challenge import Challenge, ChallengeResult
    from unmask.liveness.engine import LivenessEngine, LivenessReport
    from unmask.liveness.observe import ChannelStack, Observation
    from unmask.types import Face, Verdict


def liveness_engine(level: str | None) -> LivenessEngine | None:
    """The engine that judges faces for `--liveness LEVEL`, or None without a level; imported
    only then because it is the heavy part of start-up (signal processing, fusion)."""
    if level is None:
        return None
    from unmask.liveness.engine import LivenessEngine

    return LivenessEngine(level=level)


def enrol_template(
    maker: ProbeMaker, path: str | Path, source: str | None = None
) -> tuple[Template, dict[str, Any]]:
    """The template of the one face in `path` (its source recorded as `source`, else the path)
    and its entry for the output."""
    from unmask.identity import Template

    probe = maker.single(path)
    quality = probe.face.quality.score if probe.face.quality else None
    return Template(probe.embedding, source or str(path), quality), {
        "box": probe.face.box.as_list()
    }


def probe_entry(probe: Probe) -> dict[str, Any]:
    entry: dict[str, Any] = {"box": probe.face.box.as_list()}
    if probe.track_id is not None:
        entry.update(
            track=probe.track_id,
            first_seen=round(probe.first_seen or 0.0, 3),
            last_seen=round(probe.last_seen or 0.0, 3),
            frames_used=probe.frames_used,
        )
    return entry


def apply_veto(entry: dict[str, Any], verdict: Verdict | None) -> bool:
    """Add the liveness verdict to an entry; True when it forbids a match."""
    from unmask.liveness.veto import veto

    reason = veto(verdict)
    entry["liveness"] = verdict.summary() if verdict else None
    if reason:
        entry["match_refused"] = reason
    return reason is not None


def probes_with_verdicts(
    maker: ProbeMaker, engine: LivenessEngine | None, file: str
) -> list[tuple[Probe, Verdict | None]]:
    """Recognition probes, each with its liveness verdict when an engine judges them."""
    from unmask.liveness.veto import guarded_probes

    if engine is None:
        return [(probe, None) for probe in maker.probes(file)]
    return list(guarded_probes(engine, file).probes)


def main_probe(
    maker: ProbeMaker, engine: LivenessEngine | None, file: str
) -> tuple[Probe, Verdict | None]:
    """Verification needs one face: the only one in a still, the main (longest) track in a video."""
    from unmask.liveness.veto import guarded_probes
    from unmask.media import is_video

    if engine is not None:
        return guarded_probes(engine, file).main(file)
    if not is_video(file):
        return maker.single(file), None
    probes = maker.probes(file)
    if not probes:
        raise NoFaceError(f"{file}: no face found")
    return probes[0], None


def identify_file(
    gallery: Gallery,
    maker: ProbeMaker,
    file: str,
    *,
    top: int,
    fmr: float,
    engine: LivenessEngine | None = None,
) -> dict[str, Any]:
    """1:N for every face (every track of a video): `{"faces": [{box, candidates, ...}]}`."""
    from unmask.identity import identify

    faces = []
    for probe, verdict in probes_with_verdicts(maker, engine, file):
        candidates = identify(probe.embedding, gallery, top=top, fmr=fmr)
        entry = probe_entry(probe)
        refused = engine is not None and apply_veto(entry, verdict)
        entry["candidates"] = [
            {**c.as_dict(), "match": c.match and not refused} for c in candidates
        ]
        faces.append(entry)
    return {"faces": faces}


def verify_file(
    gallery: Gallery,
    maker: ProbeMaker,
    file: str,
    name: str,
    *,
    fmr: float,
    engine: LivenessEngine | None = None,
) -> dict[str, Any]:
    """1:1 of the file's one face (main track) against `name`."""
    from unmask.identity import verify

    probe, verdict = main_probe(maker, engine, file)
    result = verify(probe.embedding, gallery, name, fmr=fmr)
    checks: dict[str, Any] = {}
    refused = engine is not None and apply_veto(checks, verdict)
    return {
        "match": result.match and not refused,
        "distance_match": result.match,
        "distance": round(result.distance, 4),
        "box": probe.face.box.as_list(),
        **checks,
    }


def face_entry(face: Face, video: bool, landmarks: bool = False) -> dict[str, Any]:
    entry = {
        "box": face.box.as_list(),
        "score": round(face.score, 4),
        "pose": face.pose.as_dict() if face.pose else None,
        "quality": face.quality.as_dict() if face.quality else None,
        "track": face.track_id if video else None,
        "frame": face.frame_index if video else None,
        "time": round(face.timestamp, 4) if video else None,
    }
    if landmarks:
        entry["keypoints"] = points(face.keypoints)
        entry["mesh"] = points(face.mesh)
        entry["iris"] = points(face.iris)
    return entry


def points(values: NDArray[np.float32] | None) -> list[Any] | None:
    """Coordinates rounded to a tenth of a pixel: finer is noise, and it keeps the JSON small."""
    return None if values is None else values.astype("float64").round(1).tolist()


def detect_file(
    analyzer: FaceAnalyzer, file: str, *, max_seconds: float | None, landmarks: bool = False
) -> dict[str, Any]:
    """Every face of every frame: `{"frames": N, "faces": [...]}`."""
    from unmask.face import analyze_stream
    from unmask.media import is_video, iter_frames

    video = is_video(file)
    faces: list[dict[str, Any]] = []
    count = 0
    for _, found in analyze_stream(iter_frames(file, max_seconds=max_seconds), analyzer):
        count += 1
        faces.extend(face_entry(face, video, landmarks) for face in found)
    return {"frames": count, "faces": faces}


def liveness_document(report: LivenessReport, engine: LivenessEngine) -> dict[str, Any]:
    """The verdict on the main face with its evidence, and every track's."""
    from unmask.liveness.engine import verdict_document

    tracks = []
    for item in report.tracks:
        tracks.append(
            {
                "track": item.verdict.track_id,
                "box": item.box.as_list(),
                "first_seen": round(item.first_seen, 3),
                "last_seen": round(item.last_seen, 3),
                "frames": item.frames,
                **verdict_document(item.verdict, engine),
            }
        )
    main = next(t for t in tracks if t["track"] == report.main.verdict.track_id)
    return {
        "file": report.source,
        **{k: v for k, v in main.items() if k != "track"},
        "track": main["track"],
        "tracks": tracks,
    }


def judge_with_challenge(
    engine: LivenessEngine,
    source: str | Path,
    challenge: Challenge,
    level: str,
    channels: Mapping[str, ChannelStack] | None = None,
    max_seconds: float | None = None,
) -> tuple[Observation, LivenessReport, ChallengeResult]:
    """Read a capture once for the passive cues and the challenge (its script starting at the
    first frame) and judge its faces with the challenge's cues joined: the fusion refuses a
    failed check and weighs passed ones (`unmask.liveness.fusion`)."""
    from unmask.liveness.challenge import observe_answer
    from unmask.media import iter_frames

    observation, result = observe_answer(
        iter_frames(source, max_seconds=max_seconds),
        challenge,
        engine.analyzer,
        channels=channels,
        max_seconds=max_seconds,
    )
    return observation, engine.judge(observation, source, level, answer=result.cues), result


def attach_challenge(document: dict[str, Any], result: ChallengeResult) -> int:
    """Put the challenge's outcome into a liveness document (whose decision the fusion already
    made with the challenge's cues); the exit code: 13 when a check refused the capture."""
    document["challenge"] = result.as_dict()
    return ChallengeError.exit_code if result.decision == "attack" else 0
