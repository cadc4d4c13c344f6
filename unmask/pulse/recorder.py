"""Per-region traces built frame by frame, for one face track or a whole frame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from unmask.pulse.regions import RegionSample, RegionSampler, sample_full_frame
from unmask.pulse.trace import RGBTrace, trace_from_samples
from unmask.types import Face, Frame

FULL_FRAME = "full_frame"


class TraceRecorder:
    """Collects region samples over frames and hands them out as timestamped traces.

    Motion per frame is the displacement of each region's centre since the previous frame,
    so the signal stage can drop frames where the head moved fast.
    """

    def __init__(self) -> None:
        self._times: list[float] = []
        self._samples: dict[str, list[tuple[tuple[float, float, float], int, float]]] = {}
        self._last_centre: dict[str, tuple[float, float]] = {}

    def __len__(self) -> int:
        return len(self._times)

    def add(self, timestamp: float, samples: dict[str, RegionSample]) -> bool:
        """Record one frame; regions absent from `samples` count as unseen in that frame.
        False (nothing recorded) for a frame not later than the last one."""
        if self._times and timestamp <= self._times[-1]:
            return False
        self._times.append(float(timestamp))
        names = set(self._samples) | set(samples)
        for name in names:
            history = self._samples.setdefault(
                name, [((0.0, 0.0, 0.0), 0, 0.0)] * (len(self._times) - 1)
            )
            sample = samples.get(name)
            if sample is None or sample.pixels == 0:
                history.append(((0.0, 0.0, 0.0), 0, 0.0))
                continue
            previous = self._last_centre.get(name)
            moved = (
                float(np.hypot(sample.centre[0] - previous[0], sample.centre[1] - previous[1]))
                if previous
                else 0.0
            )
            self._last_centre[name] = sample.centre
            history.append((sample.rgb, sample.pixels, moved))
        return True

    def traces(self) -> dict[str, RGBTrace]:
        out = {}
        for name, history in self._samples.items():
            out[name] = trace_from_samples(
                self._times,
                [h[0] for h in history],
                pixels=[h[1] for h in history],
                motion=[h[2] for h in history],
                name=name,
            )
        return out


@dataclass(frozen=True, eq=False)
class HeadPath:
    """Where the face was in each frame it was seen: the mesh's centre (x, y) and spread, in
    pixels. A face or a sheet that sways shades its skin regions in step with the sway, which
    the pulse cue must not take for blood."""

    times: NDArray[np.float64]
    centre: NDArray[np.float64]
    spread: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.times.shape[0])


class FaceTraceRecorder(TraceRecorder):
    """A TraceRecorder fed with (frame, face) pairs of one track, sampling the mesh regions."""

    def __init__(self, sampler: RegionSampler | None = None) -> None:
        super().__init__()
        self.sampler = sampler or RegionSampler()
        self.face_sizes: list[float] = []
        self._head: list[tuple[float, float, float, float]] = []

    def add_face(self, frame: Frame, face: Face | None) -> None:
        if face is None or face.mesh is None:
            self.add(frame.timestamp, {})
            return
        self.face_sizes.append(float(min(face.box.w, face.box.h)))
        if self.add(frame.timestamp, self.sampler.sample(frame.image, face.mesh)):
            points = np.asarray(face.mesh, dtype=np.float64)[:, :2]
            x, y = points.mean(axis=0)
            self._head.append((frame.timestamp, float(x), float(y), float(points.std())))

    def face_size_px(self) -> float | None:
        """The median face size (shorter side of the box) over the frames with a face; None
        before the first."""
        return float(np.median(self.face_sizes)) if self.face_sizes else None

    def head_path(self) -> HeadPath:
        rows = np.asarray(self._head, dtype=np.float64).reshape(-1, 4)
        return HeadPath(rows[:, 0], rows[:, 1:3], rows[:, 3])


class FullFrameRecorder(TraceRecorder):
    """A TraceRecorder that treats each whole frame as one skin region (skin-crop videos)."""

    def add_frame(self, frame: Frame) -> None:
        self.add(frame.timestamp, {FULL_FRAME: sample_full_frame(frame.image)})
