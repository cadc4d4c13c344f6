"""How long `unmask` takes to answer --help and argument errors, against a bare interpreter.

    uv run python benchmarks/startup.py [--runs N]

Each case runs N times in a fresh process (`python -m unmask.cli.main ...`); the table shows the
median wall time, its ratio to `python -c pass` and the difference, and the same for CPU time. Every command's --help is a
case (and each sub-command's), so a command whose parser starts importing numerical code shows
up here. The goal (issue 14) is --help and argument errors within 0.5 s of the bare interpreter.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time

from unmask.cli.main import COMMANDS, build_parser

BARE = ("python -c pass", ["-c", "pass"])


def subcommands(command: str) -> list[str]:
    """The sub-commands of `command`, read from its parser (building one is cheap)."""

    def children(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        found: dict[str, argparse.ArgumentParser] = {}
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                found.update(action.choices)
        return found

    return list(children(children(build_parser(command))[command]))


def cases() -> list[tuple[str, list[str]]]:
    unmask = ["-m", "unmask.cli.main"]
    found = [
        ("unmask --help", [*unmask, "--help"]),
        ("unmask detct (typo)", [*unmask, "detct"]),
        ("unmask detect (no FILE) --json", [*unmask, "detect", "--json"]),
        ("unmask verify --bogus", [*unmask, "verify", "--bogus"]),
    ]
    for command in COMMANDS:
        found.append((f"unmask {command} --help", [*unmask, command, "--help"]))
        for sub in subcommands(command):
            found.append((f"unmask {command} {sub} --help", [*unmask, command, sub, "--help"]))
    return found


def median_seconds(arguments: list[str], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of the child process; on a busy
    machine the CPU time is the steadier of the two."""
    times, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, *arguments], capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(times), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="runs per case (default 5)")
    runs = parser.parse_args().runs
    bare, bare_cpu = median_seconds(BARE[1], runs)
    print(
        f"{'case':<34} {'median s':>9} {'x bare':>7} {'- bare s':>9} {'cpu s':>7} {'- bare cpu':>11}"
    )
    print(f"{BARE[0]:<34} {bare:>9.3f} {1.0:>7.1f} {0.0:>9.3f} {bare_cpu:>7.3f} {0.0:>11.3f}")
    worst = 0.0
    for name, arguments in cases():
        seconds, cpu = median_seconds(arguments, runs)
        worst = max(worst, seconds - bare)
        print(
            f"{name:<34} {seconds:>9.3f} {seconds / bare:>7.1f} {seconds - bare:>9.3f} "
            f"{cpu:>7.3f} {cpu - bare_cpu:>11.3f}"
        )
    print(f"slowest case: {worst:.3f} s over the bare interpreter (goal: within 0.5 s)")


if __name__ == "__main__":
    main()
