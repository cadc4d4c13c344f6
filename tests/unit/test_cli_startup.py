"""Start-up stays cheap for every command: importing a command's module, its --help (and its
sub-commands' help) and an argument error load no numerical library, so they answer within a
few tens of milliseconds of a bare interpreter (measured by benchmarks/startup.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from benchmarks.startup import subcommands
from unmask.cli.main import COMMANDS
from unmask.lab_names import PRESET_MEANINGS

HEAVY = ("numpy", "cv2", "av", "scipy", "matplotlib", "PIL", "sklearn", "onnxruntime", "dlib")

# Runs each argv given as JSON through `unmask`, then reports which heavy modules got loaded.
PROBE = """
import importlib, json, sys
from unmask.cli.main import main
module, runs = sys.argv[1], json.loads(sys.argv[2])
importlib.import_module(module)
after_import = sorted(name for name in {heavy!r} if name in sys.modules)
for argv in runs:
    try:
        main(argv)
    except SystemExit:
        pass
print(json.dumps([after_import, sorted(name for name in {heavy!r} if name in sys.modules)]))
"""


def heavy_loaded(module: str, runs: list[list[str]]) -> tuple[list[str], list[str]]:
    """(heavy modules after importing `module`, after also running each argv) in a fresh
    interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), module, json.dumps(runs)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    after_import, after_runs = json.loads(done.stdout.strip().splitlines()[-1])
    return after_import, after_runs


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_command_s_module_help_and_argument_errors_load_no_numerical_library(command):
    runs = [[command, "--help"], [command, "--no-such-flag"], [command, "--no-such-flag", "--json"]]
    runs += [[command, sub, "--help"] for sub in subcommands(command)]
    after_import, after_runs = heavy_loaded(COMMANDS[command][0], runs)
    assert after_import == []
    assert after_runs == []


def test_the_probe_sees_a_numerical_import_and_the_sub_commands():
    after_import, _ = heavy_loaded("unmask.pulse.methods", [])
    assert "numpy" in after_import
    assert "generate" in subcommands("lab") and subcommands("detect") == []


def test_the_light_name_lists_match_what_they_name():
    from unmask.lab.ranges import PRESETS
    from unmask.pulse.methods import METHODS
    from unmask.pulse.names import METHOD_NAMES

    assert tuple(METHODS) == METHOD_NAMES
    assert {name: preset.meaning for name, preset in PRESETS.items()} == PRESET_MEANINGS
