"""Timestamped mean-colour traces: the one input every pulse method reads.

A trace is what survives of a video once the skin pixels are averaged: per frame, a time in
seconds and a mean R, G, B. Keeping the real timestamps (not an assumed frame rate) matters
because phone cameras drop and jitter frames, and a rate computed on a wrong clock is wrong by
the clock's error.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from unmask.errors import InputError, MediaNotFoundError


@dataclass(frozen=True, eq=False)
class RGBTrace:
    """Mean colour of one region over time.

    `times` in seconds (strictly increasing), `rgb` (N, 3) mean R, G, B in 0..255, `pixels` the
    number of skin pixels behind each mean (0 marks a frame where the region was not seen), and
    `motion` a per-frame displacement of the region in pixels (0 when unknown), used to drop
    frames where the head moved fast.
    """

    times: NDArray[np.float64]
    rgb: NDArray[np.float64]
    pixels: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    motion: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    name: str = "trace"

    def __post_init__(self) -> None:
        if self.rgb.ndim != 2 or self.rgb.shape[1] != 3 or self.rgb.shape[0] != self.times.shape[0]:
            raise InputError(f"{self.name}: a trace needs N times and (N, 3) colours")
        if self.pixels.size == 0:
            object.__setattr__(self, "pixels", np.ones(self.times.shape[0]))
        if self.motion.size == 0:
            object.__setattr__(self, "motion", np.zeros(self.times.shape[0]))

    def __len__(self) -> int:
        return int(self.times.shape[0])

    @property
    def duration(self) -> float:
        return float(self.times[-1] - self.times[0]) if len(self) > 1 else 0.0

    @property
    def frame_rate(self) -> float:
        """Median rate of the frames actually seen (dropped frames do not inflate it)."""
        seen = self.times[self.pixels > 0]
        if seen.size < 2:
            return 0.0
        step = float(np.median(np.diff(seen)))
        return 1.0 / step if step > 0 else 0.0

    def seen(self) -> RGBTrace:
        """Only the frames where the region had skin pixels."""
        keep = self.pixels > 0
        return RGBTrace(
            self.times[keep], self.rgb[keep], self.pixels[keep], self.motion[keep], self.name
        )

    def until(self, stop: float) -> RGBTrace:
        """The part of the trace up to `stop` seconds (to match another record's span)."""
        keep = self.times <= stop
        return RGBTrace(
            self.times[keep], self.rgb[keep], self.pixels[keep], self.motion[keep], self.name
        )

    def since(self, start: float) -> RGBTrace:
        """The part of the trace from `start` seconds on (streaming windows)."""
        keep = self.times >= start
        return RGBTrace(
            self.times[keep], self.rgb[keep], self.pixels[keep], self.motion[keep], self.name
        )


def trace_from_samples(
    times: list[float] | NDArray[np.float64],
    rgb: list[tuple[float, float, float]] | NDArray[np.float64],
    *,
    pixels: list[float] | NDArray[np.float64] | None = None,
    motion: list[float] | NDArray[np.float64] | None = None,
    name: str = "trace",
) -> RGBTrace:
    """Build a trace from plain sequences, sorting by time and dropping repeated timestamps."""
    t = np.asarray(times, dtype=np.float64).reshape(-1)
    c = np.asarray(rgb, dtype=np.float64).reshape(-1, 3)
    p = np.ones_like(t) if pixels is None else np.asarray(pixels, dtype=np.float64).reshape(-1)
    m = np.zeros_like(t) if motion is None else np.asarray(motion, dtype=np.float64).reshape(-1)
    if not (c.shape[0] == p.shape[0] == m.shape[0] == t.shape[0]):
        raise InputError(
            f"{name}: {t.shape[0]} times but {c.shape[0]} colours, {p.shape[0]} pixel counts, {m.shape[0]} motions"
        )
    order = np.argsort(t, kind="stable")
    t, c, p, m = t[order], c[order], p[order], m[order]
    if t.size > 1:
        keep = np.concatenate(([True], np.diff(t) > 0))
        t, c, p, m = t[keep], c[keep], p[keep], m[keep]
    return RGBTrace(t, c, p, m, name)


def pooled_trace(traces: Mapping[str, RGBTrace], names: tuple[str, ...]) -> RGBTrace | None:
    """Pixel-weighted mean colour of several regions per frame: all the skin as one region."""
    present = [traces[n] for n in names if n in traces and len(traces[n])]
    if not present:
        return None
    times = present[0].times
    if any(t.times.shape != times.shape or not np.array_equal(t.times, times) for t in present):
        return None
    weights = np.stack([t.pixels for t in present])
    total = weights.sum(axis=0)
    rgb = np.einsum("kn,knc->nc", weights, np.stack([t.rgb for t in present]))
    safe = np.where(total > 0, total, 1.0)
    motion = np.max(np.stack([t.motion for t in present]), axis=0)
    return trace_from_samples(times, rgb / safe[:, None], pixels=total, motion=motion, name="skin")


def read_rgb_csv(path: str | Path) -> RGBTrace:
    """Read a CSV with columns `time` (milliseconds), `R`, `G`, `B` (welltory's PPG.csv format)."""
    file = Path(path)
    if not file.is_file():
        raise MediaNotFoundError(f"{file}: no such file")
    try:
        with file.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            fields = {name.strip().lower(): name for name in reader.fieldnames or []}
            missing = [col for col in ("time", "r", "g", "b") if col not in fields]
            if missing:
                raise InputError(
                    f"{file}: needs columns time (ms), R, G, B; missing {', '.join(missing)}"
                )
            rows = [
                (
                    float(row[fields["time"]]),
                    float(row[fields["r"]]),
                    float(row[fields["g"]]),
                    float(row[fields["b"]]),
                )
                for row in reader
            ]
    except (ValueError, TypeError) as exc:
        raise InputError(f"{file}: a value is not a number ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{file}: not a text CSV ({exc})") from exc
    if len(rows) < 2:
        raise InputError(f"{file}: holds fewer than two samples")
    data = np.asarray(rows, dtype=np.float64)
    return trace_from_samples(data[:, 0] / 1000.0, data[:, 1:4], name=file.parent.name or file.stem)
