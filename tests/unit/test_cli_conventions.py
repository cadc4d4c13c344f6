"""The CLI's shell around every command: cheap start-up, the JSON error contract for argument
errors, quiet exit under a closed pipe."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from unmask.cli.main import COMMANDS, main

HEAVY = ("numpy", "cv2", "av", "scipy", "matplotlib", "PIL")

PROBE = """
import sys
from unmask.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(sorted(name for name in {heavy!r} if name in sys.modules), file=sys.stderr)
"""


def loaded_after(*argv: str) -> list[str]:
    """Heavy libraries loaded by running `unmask ARGV` in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *argv],
        capture_output=True,
        text=True,
        check=False,
    )
    return json.loads(done.stderr.strip().splitlines()[-1].replace("'", '"'))


@pytest.mark.parametrize(
    "argv",
    [
        ("--help",),
        ("detct",),
        ("detect", "--help"),
        ("identify", "--bogus"),
        ("verify", "--json"),
        ("gallery", "list", "--help"),
        ("scan", "--help"),
    ],
)
def test_help_and_argument_errors_load_no_numerical_library(argv):
    assert loaded_after(*argv) == []


def test_every_command_is_listed_without_importing_it(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    listing = capsys.readouterr().out
    assert all(name in listing for name in COMMANDS)


@pytest.mark.parametrize(
    "argv", [["detct", "--json"], ["detect", "--json"], ["verify", "--db", "g", "--json", "--x"]]
)
def test_argument_errors_with_json_print_the_error_document(capsys, argv):
    assert main(argv) == 2
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["exit_code"] == 2 and document["error_type"] == "UsageError"
    assert document["error"] and "usage:" in captured.err


def test_argument_errors_without_json_leave_stdout_empty(capsys):
    assert main(["detect"]) == 2
    assert capsys.readouterr().out == ""


CLOSED_PIPE = """
import io, sys
class Closed(io.TextIOBase):
    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")
    def fileno(self):
        return 1
sys.stdout = Closed()
from unmask.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize(("argv", "code"), [(["--help"], 0), (["detect", "--json"], 141)])
def test_a_closed_pipe_ends_quietly(argv, code):
    done = subprocess.run(
        [sys.executable, "-c", CLOSED_PIPE, *argv], capture_output=True, text=True, check=False
    )
    assert done.returncode == code
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
