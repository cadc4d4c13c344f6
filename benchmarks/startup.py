"""How long `unmask` takes to answer --help and argument errors, against a bare interpreter.

    uv run python benchmarks/startup.py [--runs N]

Each case runs N times in a fresh process (`python -m unmask.cli.main ...`); the table shows the
median wall time and its ratio to `python -c pass`. The goal (issue 14) is --help and argument
errors within 0.5 s of the bare interpreter.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

CASES = [
    ("python -c pass", ["-c", "pass"]),
    ("unmask --help", ["-m", "unmask.cli.main", "--help"]),
    ("unmask detct (typo)", ["-m", "unmask.cli.main", "detct"]),
    ("unmask detect (no FILE) --json", ["-m", "unmask.cli.main", "detect", "--json"]),
    ("unmask detect --help", ["-m", "unmask.cli.main", "detect", "--help"]),
    ("unmask identify --help", ["-m", "unmask.cli.main", "identify", "--help"]),
    ("unmask verify --bogus", ["-m", "unmask.cli.main", "verify", "--bogus"]),
    ("unmask liveness --help", ["-m", "unmask.cli.main", "liveness", "--help"]),
    ("unmask pulse --help", ["-m", "unmask.cli.main", "pulse", "--help"]),
    ("unmask lab --help", ["-m", "unmask.cli.main", "lab", "--help"]),
]


def median_seconds(arguments: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, *arguments], capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="runs per case (default 5)")
    runs = parser.parse_args().runs
    bare = median_seconds(CASES[0][1], runs)
    print(f"{'case':<34} {'median s':>9} {'x bare':>7} {'- bare s':>9}")
    for name, arguments in CASES:
        seconds = bare if arguments is CASES[0][1] else median_seconds(arguments, runs)
        print(f"{name:<34} {seconds:>9.3f} {seconds / bare:>7.1f} {seconds - bare:>9.3f}")


if __name__ == "__main__":
    main()
