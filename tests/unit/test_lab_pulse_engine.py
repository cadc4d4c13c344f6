"""The project's rPPG engine (unmask.pulse) on lab clips: it must find the labelled heart rate on
bona fide skin and no coherent pulse on mask and print skin.

Real photos (the bundled public-domain portraits) and the real face stage, so the engine sees
what it would see on a generated protocol. Lighting and motion nuisances are pinned low and the
pulse at the top of its range so a 10 s clip at 15 fps suffices; benchmarks/lab.py measures the engine on
fully sampled clips.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from unmask.lab import load_identities, render_presentation
from unmask.lab.store import write_video

pulse = pytest.importorskip("unmask.pulse")
liveness_pulse = pytest.importorskip("unmask.liveness.pulse")
video = pytest.importorskip("unmask.pulse.video")

SECONDS, FPS, SIZE = 10.0, 15.0, (320, 240)
CALM = {
    "head_rotation_deg": 0.3,
    "head_shift_iod": 0.0,
    "breath_sway_px": 0.2,
    "light_drift": 0.005,
    "light_gradient": 0.0,
    "flicker_amplitude": 0.0,
    "exposure_error": 0.0,
    "expression_gap_s": 100.0,
    "skin_darkening": 0.0,
    "pulse_amplitude": 0.004,
    "noise_dn": 1.0,
    "hr_bpm": 84.0,
}


def engine_rate(
    tmp_path: Path, species: str, seed: int, skip_eyes: bool
) -> tuple[float | None, float]:
    people, _ = load_identities(None)
    wearer, target = people["grace_hopper"][0], people["eileen_collins"][0]
    if species == "bona_fide":
        wearer = target
    clip = render_presentation(
        species, wearer, target, seconds=SECONDS, fps=FPS, size=SIZE, seed=seed, overrides=CALM
    )
    path = tmp_path / f"{species}.mkv"
    write_video(path, iter(clip.frames), FPS, "lossless", 0)
    tracks = video.face_track_traces(path)
    assert tracks, "the face stage lost the face"
    track = max(tracks, key=lambda t: t.frames)
    names = tuple(
        n for n in pulse.SKIN_REGIONS if n in track.traces and not (skip_eyes and "periocular" in n)
    )
    trace = liveness_pulse.pooled_trace(track.traces, names)
    assert trace is not None
    estimate = pulse.estimate_pulse(trace, "pos")
    return estimate.heart_rate_bpm, float(clip.params["hr_bpm"] or 0.0)


def test_engine_recovers_the_labelled_rate_of_most_bona_fide_clips(tmp_path: Path) -> None:
    # A property over several clips, not one lucky seed: with the parametric beats used when the
    # shared welltory data is absent, one clip in four may fall under the SNR gate, as real
    # resting recordings sometimes do.
    hits = 0
    for seed in (21, 22, 23, 24):
        found, truth = engine_rate(tmp_path, "bona_fide", seed=seed, skip_eyes=False)
        hits += found is not None and abs(found - truth) < 3.0
    assert hits >= 3


@pytest.mark.parametrize("species", ["mask_silicone", "print"])
def test_engine_finds_no_pulse_on_mask_or_print_skin(tmp_path: Path, species: str) -> None:
    found, truth = engine_rate(tmp_path, species, seed=21, skip_eyes=True)
    # Either the engine refuses, or what it reports is not the wearer's heart (prints have none).
    assert found is None or abs(found - truth) > 5.0
