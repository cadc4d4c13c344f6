"""Cost of the live stream's work per frame (SIMULATED lab clip). Prints a table.

    uv run python benchmarks/live.py [--seconds 10 --fps 15 --size 320x240]

A LiveSession (unmask/liveness/live.py) is fed a bona fide lab presentation frame by frame, as
the WebSocket feeds it, with and without a challenge; the table gives the wall time of a push
that re-scores the cues and of one that does not, the verdict at the end, and the frame rate
the server keeps up with on this machine (frames beyond it are dropped, never queued).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from unmask.lab import load_identities, render_presentation
from unmask.liveness.challenge import ChallengeIssuer
from unmask.liveness.engine import LivenessEngine
from unmask.liveness.live import LiveSession
from unmask.types import Frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--fps", type=float, default=15.0)
    parser.add_argument("--size", default="320x240")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    identities, _ = load_identities(None)
    hopper = identities["grace_hopper"][0]
    challenge = ChallengeIssuer(b"benchmark-secret-0123456789").new(
        kinds=("pose", "expression", "flash"), seconds=6.0, rng=np.random.default_rng(5)
    )
    clip = render_presentation(
        "bona_fide",
        hopper,
        hopper,
        seconds=args.seconds + 0.5,
        fps=args.fps,
        size=(width, height),
        seed=5,
        challenge=challenge,
    )
    frames = [
        Frame(f, i, float(t)) for i, (f, t) in enumerate(zip(clip.frames, clip.times, strict=True))
    ]
    engine = LivenessEngine()
    engine.analyzer.analyze(frames[0])  # models loaded before timing
    print(f"SIMULATED: lab bona fide clip, {width}x{height}, {args.fps:g} fps, {args.seconds:g} s")
    print(
        f"{'session':<16} {'frame (ms)':>11} {'with cues (ms)':>15} {'finish (s)':>11} {'keeps up (fps)':>15}  verdict"
    )
    for name, given in (("watch", None), ("challenge+flash", challenge)):
        session = LiveSession(engine, challenge=given, seconds=args.seconds)
        plain, rescored = [], []
        for frame in frames:
            before = session.next_cues
            start = time.perf_counter()
            update = session.push(frame, given.emitted(frame.timestamp) if given else None)
            spent = time.perf_counter() - start
            (rescored if session.next_cues != before else plain).append(spent)
            if update is not None and update.done:
                break
        start = time.perf_counter()
        document = session.finish().document(engine)
        finish = time.perf_counter() - start
        per_second = np.median(plain) * args.fps + np.median(rescored) / session.cue_every_s
        print(
            f"{name:<16} {1000 * np.median(plain):>11.1f} {1000 * np.median(rescored):>15.0f} "
            f"{finish:>11.2f} {args.fps / max(per_second, 1e-9):>15.1f}  {document['decision']}"
        )


if __name__ == "__main__":
    main()
