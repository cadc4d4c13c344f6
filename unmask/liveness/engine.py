"""The PAD engine: observe a source, score every cue per track, fuse, decide at a level."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from unmask.errors import InputError, NoFaceError, UnsupportedMediaError
from unmask.face import FaceAnalyzer
from unmask.liveness.channels import CHANNEL_NAMES, channel_cues, median_cue
from unmask.liveness.context import context_cue
from unmask.liveness.extra_model import ExtraModel, extra_cue
from unmask.liveness.eyes import eyes_cue
from unmask.liveness.features.colour import is_monochrome
from unmask.liveness.fusion import STILL_MARK
from unmask.liveness.levels import DEFAULT_LEVEL
from unmask.liveness.model import PadModel, check_extra_models, default_model
from unmask.liveness.motion import motion_cue
from unmask.liveness.observe import ChannelStack, Observation, TrackObservation, observe
from unmask.liveness.pulse import PulseCueConfig, monochrome_pulse, pulse_cue
from unmask.liveness.recapture import recapture_cue
from unmask.liveness.sensors import DEFAULT_MAX_SECONDS
from unmask.liveness.surface import SurfaceModel, score_crop
from unmask.media import is_video, iter_frames
from unmask.types import Box, CueScore, Frame, Verdict


@dataclass(frozen=True)
class TrackVerdict:
    """A verdict with where and when its face was seen."""

    verdict: Verdict
    box: Box
    first_seen: float
    last_seen: float
    frames: int


@dataclass(frozen=True)
class LivenessReport:
    """Every track's verdict; `main` is the longest-seen (then largest) face."""

    source: str
    tracks: tuple[TrackVerdict, ...]
    main: TrackVerdict
    still: bool


def load_channel(path: str | Path) -> ChannelStack:
    """An aligned sensor stack as the attack lab writes it: npz with `frames` and `times`."""
    try:
        with np.load(Path(path), allow_pickle=False) as data:
            maps, times = np.asarray(data["frames"]), np.asarray(data["times"], dtype=np.float64)
    except FileNotFoundError as exc:
        raise InputError(f"{path}: no such channel file") from exc
    except (OSError, KeyError, ValueError) as exc:
        raise UnsupportedMediaError(
            f"{path}: not a channel stack (npz with frames and times)"
        ) from exc
    if maps.ndim != 3 or len(maps) != len(times) or len(times) == 0:
        raise UnsupportedMediaError(f"{path}: frames must be (N, H, W) with one time per frame")
    return ChannelStack(maps=maps, times=times - times[0])


def bits_per_pixel(source: str | Path, observation: Observation) -> float | None:
    """File bits per pixel per frame: how much room the codec left for a pulse."""
    path = Path(str(source))
    if not path.is_file() or observation.frames_seen < 2:
        return None
    height, width = observation.frame_shape
    return path.stat().st_size * 8.0 / (width * height * observation.frames_seen)


class LivenessEngine:
    """Judges every face in an image or video; models load lazily, once."""

    def __init__(
        self,
        model: PadModel | None = None,
        *,
        level: str = DEFAULT_LEVEL,
        max_seconds: float | None = DEFAULT_MAX_SECONDS,
        pulse_method: str = "pos",
        extra_models: Sequence[ExtraModel] = (),
    ) -> None:
        self.explicit_model = model
        self.level = level
        self.max_seconds = max_seconds
        self.pulse_config = PulseCueConfig(method=pulse_method)
        self.analyzer = FaceAnalyzer()
        self.extra_models = tuple(extra_models)

    @cached_property
    def model(self) -> PadModel:
        """Loaded on first use, and refused then if it cannot use the extra models given."""
        model = self.explicit_model or default_model()
        check_extra_models(model, self.extra_models)
        return model

    def observe(
        self,
        source: str | Path | Iterable[Frame],
        channels: Mapping[str, ChannelStack] | None = None,
    ) -> Observation:
        frames = (
            iter_frames(source, max_seconds=self.max_seconds)
            if isinstance(source, (str, Path))
            else source
        )
        return observe(frames, self.analyzer, channels=channels, max_seconds=self.max_seconds)

    def cues(
        self, observation: Observation, track: TrackObservation, bpp: float | None = None
    ) -> dict[str, CueScore]:
        """Every cue for one track; those that cannot judge say why."""
        return {
            **self.cues_without_surface(observation, track, bpp),
            "surface": surface_from_crops(
                [(crop, size) for _, crop, size in track.crops], self.model.surface
            ),
            "recapture": recapture_cue(track.views(), self.model.recapture),
        }

    def cues_without_surface(
        self, observation: Observation, track: TrackObservation, bpp: float | None = None
    ) -> dict[str, CueScore]:
        """The cues that need no trained model (training computes these before surface exists)."""
        if observation.still:
            still = {STILL_MARK: True}
            pulse = CueScore(
                "pulse", None, reason="still image: a pulse needs video", evidence=still
            )
            motion = CueScore(
                "motion", None, reason="still image: motion needs video", evidence=still
            )
        else:
            pulse = self.video_pulse(track, bpp)
            motion = motion_cue(track.track)
        cues = {
            "pulse": pulse,
            "motion": motion,
            "eyes": eyes_cue(
                track.track, [frame for _, frame in track.frames], contrast=track.eye_contrast
            ),
        }
        if track.channel_faces:
            given = {name: track.channel_maps.get(name) for name in CHANNEL_NAMES}
            cues.update(channel_cues(track.channel_faces, observation.frame_shape, given))
        else:
            cues.update(
                {name: CueScore(name, None, reason=f"no {name} camera") for name in CHANNEL_NAMES}
            )
        cues["context"] = context_cue(track.views(), track.comotion.pairs)
        for extra in self.extra_models:
            cues[extra.cue] = extra_cue(track.views(), extra)
        return cues

    def video_pulse(self, track: TrackObservation, bpp: float | None) -> CueScore:
        """The pulse cue of a video track; silent on a monochrome camera, where the colour
        change it reads is not recorded and its absence says nothing about the face."""
        if track.frames and all(is_monochrome(frame.image) for _, frame in track.frames):
            return monochrome_pulse()
        return pulse_cue(
            track.recorder.traces(),
            face_size_px=track.recorder.face_size_px(),
            bits_per_pixel=bpp,
            config=self.pulse_config,
            head=track.recorder.head_path(),
        )

    def verdict(
        self, cues: Mapping[str, CueScore], track: TrackObservation, level: str | None = None
    ) -> Verdict:
        level = level or self.level
        fusion = self.model.fusion
        decision, score, reason, deciding = fusion.decide(cues, level)
        species = fusion.species(cues)[0] if decision == "attack" else None
        return Verdict(
            decision=decision,
            score=score,
            level=level,
            cues=dict(cues),
            species=species,
            deciding_cues=deciding,
            seconds_used=round(track.seconds, 3),
            track_id=track.track_id,
            reason=reason,
        )

    def assess(
        self,
        source: str | Path | Iterable[Frame],
        *,
        channels: Mapping[str, ChannelStack] | None = None,
        level: str | None = None,
    ) -> LivenessReport:
        """Verdicts for every face track of `source`; NoFaceError when there is none."""
        if isinstance(source, (str, Path)):
            is_video(source)
        return self.judge(self.observe(source, channels), source, level)

    def judge(
        self,
        observation: Observation,
        source: str | Path | Iterable[Frame],
        level: str | None = None,
        answer: Mapping[str, CueScore] | None = None,
    ) -> LivenessReport:
        """Verdicts for an observation already made (reports reuse its traces for plots);
        `answer` holds the main face's challenge cues when the capture answered a challenge."""
        name = str(source) if isinstance(source, (str, Path)) else "<frames>"
        main = observation.main_track()
        if main is None:
            raise NoFaceError(f"{name}: no face found")
        bpp = bits_per_pixel(source, observation) if isinstance(source, (str, Path)) else None
        verdicts = []
        for track in sorted(observation.tracks.values(), key=lambda t: t.track_id):
            cues = self.cues(observation, track, bpp)
            if answer and track is main:
                cues.update(answer)
            verdict = self.verdict(cues, track, level)
            best_face = max(track.faces, key=lambda f: f.quality.score if f.quality else f.score)
            verdicts.append(
                TrackVerdict(
                    verdict=verdict,
                    box=best_face.box,
                    first_seen=track.faces[0].timestamp,
                    last_seen=track.faces[-1].timestamp,
                    frames=len(track.faces),
                )
            )
        main_verdict = next(v for v in verdicts if v.verdict.track_id == main.track_id)
        return LivenessReport(
            source=name, tracks=tuple(verdicts), main=main_verdict, still=observation.still
        )


def surface_from_crops(
    crops: Sequence[tuple[NDArray[np.uint8], float]], model: SurfaceModel | None
) -> CueScore:
    """The median-scoring of a track's best crops: one odd frame neither passes nor fails it."""
    if model is None:
        return CueScore(
            "surface",
            None,
            reason="this PAD model has no surface classifier; train one on faces from your "
            "camera (unmask pad train --folders DIR)",
        )
    scored = [score_crop(crop, model, face_px=size) for crop, size in crops]
    if not scored:
        return CueScore("surface", None, reason="no face crop")
    return median_cue("surface", scored)


def verdict_document(verdict: Verdict, engine: LivenessEngine) -> dict[str, Any]:
    """The JSON shape of one verdict (the `liveness` command's top level and each track)."""
    return {
        **verdict.as_dict(engine.model.fusion.evidence(verdict.cues)),
        "model_identity": engine.model.identity,
    }
