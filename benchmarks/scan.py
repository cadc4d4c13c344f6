"""Scan cost and tracking quality on REAL footage (the shared data's hamilton and street_crowd).

    uv run python benchmarks/scan.py switches     # track id switches on the hand-labelled hamilton
    uv run python benchmarks/scan.py throughput [--seconds 10]   # seconds of video per CPU-second

`switches`: the face stage runs once over hamilton_clip.mp4; each tracker then assigns ids. At
every labelled frame (benchmarks/data/hamilton_tracks.json, how it was labelled is in the file)
each labelled box is matched to the tracked face with IoU >= 0.5. A switch is a person whose
matched track id differs from the one at their previous labelled appearance in the same shot;
a wrong join is a track id given to two labelled people; a cut join is a track id seen in two
shots.

`throughput`: each configuration is one `unmask scan` command in a fresh process; CPU seconds
are those of its whole process tree (worker processes, Ray's daemons and workers), start-up and
model loading included: the larger of the reaped children's rusage and a 0.2 s poll of the
tree in /proc (Ray's workers are not reaped by the command, so rusage misses them; the poll
misses at most the last 0.2 s of a process). Both are lower bounds. Faces per frame count every face
the face stage kept (tracked or not); the smallest track's face is the width of the best box of
the narrowest track. The machine is shared (2 cores): wall times are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from unmask.data import shared_data_dir

LABELS = Path(__file__).parent / "data" / "hamilton_tracks.json"


def video(name: str) -> Path:
    root = shared_data_dir()
    if root is None or not (root / "video" / name).exists():
        sys.exit(f"video/{name} not found in the shared data (set UNMASK_DATA)")
    return root / "video" / name


def switches() -> None:
    from unmask.face import FaceAnalyzer
    from unmask.face.tracker import IouTracker, ReidTracker
    from unmask.media import iter_frames
    from unmask.types import Box

    labels = json.loads(LABELS.read_text())
    shots = labels["shots"]
    analyzer = FaceAnalyzer(iris=False)
    frames = [
        (frame, analyzer.analyze(frame))
        for frame in iter_frames(video("hamilton_clip.mp4"), max_seconds=20)
    ]
    print(f"REAL data: {labels['video']}, {len(frames)} frames, {len(labels['frames'])} labelled")
    print("| tracker | tracks | switches | wrong joins | joins across a cut |")
    print("|---|---|---|---|---|")
    for name, tracker in (("IouTracker (before)", IouTracker()), ("ReidTracker", ReidTracker())):
        tagged = {f.index: tracker.update(faces, f.timestamp, f.image) for f, faces in frames}
        last: dict[str, tuple[int, int]] = {}
        people_of: dict[int, set[str]] = {}
        shots_of: dict[int, set[int]] = {}
        count = 0
        for index, people in labels["frames"].items():
            shot = next(i for i, (a, b) in enumerate(shots) if a <= int(index) <= b)
            for person in people:
                if person["person"] is None:
                    continue
                box = Box(*person["box"])
                best = max(tagged[int(index)], key=lambda f: f.box.iou(box), default=None)
                if best is None or best.box.iou(box) < 0.5 or best.track_id is None:
                    continue
                track = best.track_id
                people_of.setdefault(track, set()).add(person["person"])
                shots_of.setdefault(track, set()).add(shot)
                previous = last.get(person["person"])
                if previous is not None and previous[0] == shot and previous[1] != track:
                    count += 1
                last[person["person"]] = (shot, track)
        wrong = sum(len(p) > 1 for p in people_of.values())
        across = sum(len(s) > 1 for s in shots_of.values())
        print(f"| {name} | {len(tracker.tracks())} | {count} | {wrong} | {across} |")


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def tree_cpu(root: int, seen: dict[int, float], stop: threading.Event) -> None:
    """Poll the CPU seconds of `root` and its descendants into `seen` until `stop`."""
    tick = os.sysconf("SC_CLK_TCK")
    while not stop.wait(0.2):
        parents: dict[int, int] = {}
        times: dict[int, float] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
            times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
        tree, frontier = {root}, [root]
        while frontier:
            parent = frontier.pop()
            for pid, ppid in parents.items():
                if ppid == parent and pid not in tree:
                    tree.add(pid)
                    frontier.append(pid)
        for pid in tree & times.keys():
            seen[pid] = max(seen.get(pid, 0.0), times[pid])


def scan(files: list[Path], extra: list[str], seconds: float) -> tuple[dict, float, float, str]:
    with tempfile.TemporaryDirectory() as out:
        command = [
            sys.executable,
            "-m",
            "unmask.cli.main",
            "scan",
            *map(str, files),
            "--out",
            out,
            "--max-seconds",
            str(seconds),
            "--json",
            *extra,
        ]
        before, start = cpu_of_children(), time.perf_counter()
        seen: dict[int, float] = {}
        stop = threading.Event()
        with subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        ) as done:
            poller = threading.Thread(target=tree_cpu, args=(done.pid, seen, stop))
            poller.start()
            stdout, stderr = done.communicate()
            stop.set()
            poller.join()
        wall = time.perf_counter() - start
        cpu = max(cpu_of_children() - before, sum(seen.values()))
        if done.returncode != 0:
            sys.exit(f"{' '.join(command)} failed: {stderr.strip()[-500:]}")
        shown = " ".join(
            ["unmask scan", *[f.name for f in files], "--max-seconds", str(seconds), *extra]
        )
        return json.loads(stdout), cpu, wall, shown


def throughput(seconds: float, only: str | None) -> None:
    hamilton, crowd = video("hamilton_clip.mp4"), video("street_crowd.mp4")
    configs = [
        ([hamilton], []),
        ([hamilton], ["--small-faces"]),
        ([crowd], []),
        ([crowd], ["--small-faces"]),
        ([crowd], ["--tile", "128"]),
        ([crowd], ["--tile", "96"]),
        ([hamilton, crowd], []),
        ([hamilton, crowd], ["--workers", "2"]),
        ([hamilton, crowd], ["--ray", "local", "--workers", "2"]),
    ]
    print(f"REAL data: the first {seconds:g} s of each video (street_crowd is 4.2 s long)")
    print(
        "| command | video s | CPU s | video s per CPU s | wall s | faces per frame |"
        " smallest track's face px |"
    )
    print("|---|---|---|---|---|---|---|")
    for files, extra in configs:
        if only and only not in " ".join(extra):
            continue
        document, cpu, wall, shown = scan(files, extra, seconds)
        results = document["results"]
        video_s = sum(r["seconds"] for r in results)
        per_frame = ", ".join(
            f"{Path(r['file']).stem} {r['faces'] / max(r['frames'], 1):.2f}" for r in results
        )
        widths = [t["box"][2] for r in results for t in r["tracks"]]
        smallest = f"{min(widths):.0f}" if widths else "-"
        print(
            f"| `{shown}` | {video_s:.1f} | {cpu:.1f} | {video_s / cpu:.3f} | {wall:.1f} |"
            f" {per_frame} | {smallest} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["switches", "throughput"])
    parser.add_argument("--seconds", type=float, default=10.0, help="of each video (default 10)")
    parser.add_argument("--only", help="throughput: only configurations with this flag, e.g. --ray")
    args = parser.parse_args()
    switches() if args.what == "switches" else throughput(args.seconds, args.only)


if __name__ == "__main__":
    main()
