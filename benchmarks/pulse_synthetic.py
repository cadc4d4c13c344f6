"""Where the pulse engine breaks, on simulated clips of a real photo (SIMULATED data).

scikit-image's astronaut photo (a real face) is tinted frame by frame with a pulse of known
rate (unmask.pulse.synthetic), then made harder one factor at a time: weaker pulse, more sensor
noise, head sway, lighting jumps, H.264 compression; presented as attacks (no pulse, pulse only
in the eye holes, a flickering light); and darkened to a dark skin tone. Each row gives the
rate unmask reports from all the skin pooled, its error against the simulated wave's true mean
rate, the SNR, and the pulse cue's decision (compressed rows pass the clip's bits per pixel to
the cue). Then streaming time to decision, and how often pure-noise traces pass as a rate.

    uv run python benchmarks/pulse_synthetic.py
"""

from __future__ import annotations

import sys
from dataclasses import replace

import numpy as np
import skimage.data

from unmask.face import FaceAnalyzer
from unmask.liveness.pulse import PulseStream, pulse_cue
from unmask.media import frame_from_array
from unmask.pulse import (
    SKIN_REGIONS,
    FaceTraceRecorder,
    estimate_pulse,
    pooled_trace,
    trace_from_samples,
)
from unmask.pulse.synthetic import ClipSpec, compress, mean_bpm, synthetic_clip
from unmask.types import Face

DARK_SKIN = np.array([0.5, 0.42, 0.38])
"""Per-channel scale that turns the photo's light skin into a dark brown one (skin about
(100, 60, 45) instead of (200, 145, 120)); the same mesh still fits since nothing moves."""

BASE = ClipSpec(bpm=72.0, seconds=12.0, fps=30.0, amplitude=0.003, noise=1.0)


def run_clip(
    image: np.ndarray, face: Face, spec: ClipSpec, bits_per_pixel: float | None = None
) -> str:
    mesh = np.asarray(face.mesh, dtype=np.float64)
    pairs = list(synthetic_clip(image, spec, mesh))
    frames = [frame for frame, _ in pairs]
    if bits_per_pixel is not None:
        frames = compress(frames, bits_per_pixel, spec.fps)
    recorder = FaceTraceRecorder()
    for frame, (_, moved) in zip(frames, pairs, strict=False):
        recorder.add_face(
            frame,
            replace(face, mesh=moved, timestamp=frame.timestamp),
        )
    traces = recorder.traces()
    skin = pooled_trace(traces, SKIN_REGIONS)
    estimate = estimate_pulse(skin, "pos") if skin is not None else None
    cue = pulse_cue(traces, face_size_px=face.box.w, bits_per_pixel=bits_per_pixel)
    rate = estimate.heart_rate_bpm if estimate else None
    truth = mean_bpm(np.arange(round(spec.seconds * spec.fps)) / spec.fps, spec.bpm, seed=spec.seed)
    error = f"{abs(rate - truth):5.2f}" if rate is not None else "    -"
    snr = f"{estimate.snr_db:5.1f}" if estimate and estimate.snr_db is not None else "    -"
    decision = (
        f"score {cue.score:.2f} conf {cue.confidence:.2f}"
        if cue.score is not None
        else f"inconclusive ({cue.reason})"
    )
    return f"{'-' if rate is None else f'{rate:.1f}':>6} {error} {snr}  {decision}"


def main() -> int:
    image = np.ascontiguousarray(skimage.data.astronaut()[0:300, 80:380])
    faces = FaceAnalyzer().analyze(frame_from_array(image))
    if not faces or faces[0].mesh is None:
        print("no face found in the photo")
        return 1
    face = faces[0]
    cases: list[tuple[str, ClipSpec, float | None]] = []
    for amplitude in (0.0003, 0.0005, 0.001, 0.002, 0.003, 0.01):
        cases.append(
            (f"amplitude {100 * amplitude:.2f}%", replace(BASE, amplitude=amplitude), None)
        )
    for noise in (0.5, 2.0, 5.0, 10.0):
        cases.append((f"noise std {noise:.1f}", replace(BASE, noise=noise), None))
    for motion in (2.0, 5.0, 10.0, 20.0):
        cases.append((f"sway +-{motion:.0f} px", replace(BASE, motion_px=motion), None))
    cases.append(("lighting +8% every 2 s", replace(BASE, jump_every_s=2.0), None))
    for bits in (2.0, 1.0, 0.5, 0.3, 0.1, 0.05, 0.01):
        cases.append((f"H.264 {bits:.2f} bit/pixel", BASE, bits))
    for bpm in (45.0, 120.0, 180.0):
        cases.append((f"rate {bpm:.0f} bpm", replace(BASE, bpm=bpm), None))
    cases.append(("short: 6 s", replace(BASE, seconds=6.0), None))
    cases.append(("attack: no pulse", replace(BASE, mode="none"), None))
    cases.append(("attack: eye holes only", replace(BASE, mode="eye_holes"), None))
    cases.append(
        ("attack: eye holes, weak 0.1%", replace(BASE, mode="eye_holes", amplitude=0.001), None)
    )
    cases.append(("attack: light flicker 72 bpm", replace(BASE, mode="flicker"), None))
    dark = np.clip(image * DARK_SKIN, 0, 255).astype(np.uint8)
    cases_dark = [
        (f"dark skin, amplitude {100 * amplitude:.2f}%", replace(BASE, amplitude=amplitude))
        for amplitude in (0.0005, 0.001, 0.003)
    ]
    print(
        f"base: {BASE.seconds:.0f} s, {BASE.fps:.0f} fps, pulse {100 * BASE.amplitude:.1f}% at {BASE.bpm:.0f} bpm, noise std {BASE.noise}, face {face.box.w:.0f} px"
    )
    print(f"{'case':<30} {'bpm':>6} {'err':>5} {'snr':>5}  pulse cue")
    for label, spec, bits in cases:
        print(f"{label:<30} {run_clip(image, face, spec, bits)}")
    for label, spec in cases_dark:
        print(f"{label:<30} {run_clip(dark, face, spec)}")
    print("\nstreaming (PulseStream, evaluated once a second): time to decision")
    for label, spec in (
        ("bona fide 0.3%", replace(BASE, seconds=30.0)),
        ("bona fide 0.1%", replace(BASE, seconds=30.0, amplitude=0.001)),
        ("attack: eye holes", replace(BASE, seconds=30.0, mode="eye_holes")),
        ("attack: no pulse", replace(BASE, seconds=30.0, mode="none")),
    ):
        stream = PulseStream()
        for frame, moved in synthetic_clip(image, spec, np.asarray(face.mesh, dtype=np.float64)):
            stream.update(
                frame,
                replace(face, mesh=moved, timestamp=frame.timestamp),
            )
            if stream.decided:
                break
        latest = stream.latest
        said = (
            "-"
            if latest is None
            else (
                f"score {latest.score:.2f}"
                if latest.score is not None
                else f"inconclusive ({latest.reason})"
            )
        )
        after = (
            "not decided" if stream.decided_after_s is None else f"{stream.decided_after_s:.1f} s"
        )
        print(f"  {label:<20} {after:>12}  {said}")
    rng = np.random.default_rng(7)
    print("\npure noise traces (method pos): confident answers")
    for seconds in (6.0, 10.0, 20.0, 60.0):
        passed = 0
        trials = 200
        for _ in range(trials):
            times = np.arange(0.0, seconds + 0.05, 1.0 / 30.0)
            rgb = (
                150.0
                + rng.normal(0.0, 1.0, (times.size, 3))
                + np.cumsum(rng.normal(0.0, 0.05, (times.size, 3)), axis=0)
            )
            passed += estimate_pulse(trace_from_samples(times, rgb), "pos").reliable
        print(f"  {seconds:4.0f} s: {passed}/{trials}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
