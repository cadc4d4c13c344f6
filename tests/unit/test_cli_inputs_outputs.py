"""Score files in the encodings people really save, and outputs that are never overwritten
without --force: each case one stderr line and its documented exit code."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from unmask.cli.main import main
from unmask.errors import InputError, ProtocolError
from unmask.evaluation import read_scores

ROWS = "path,label,score\na.jpg,bona_fide,0.9\nb.jpg,print,0.1\nc.jpg,café,0.2\n"


def one_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str]:
    code = main(argv)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("unmask: error: "), lines
    return code, lines[0]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "latin1",
            ROWS.replace("café", "print").encode() + "é,print,0.3\n".encode("latin-1"),
            "not UTF-8",
        ),
        ("utf16", ROWS.encode("utf-16"), "UTF-16"),
        (
            "binary",
            np.random.default_rng(0).integers(0, 256, 3000, dtype=np.uint8).tobytes(),
            "binary|not UTF-8",
        ),
        ("huge", f"path,label,score\n{'x' * 200_000},print,0.1\n".encode(), "field larger"),
        ("duplicate", b"path,label,score,score\na,print,0.1,0.9\n", "score appear"),
    ],
)
def test_unreadable_score_files_are_protocol_errors(
    tmp_path: Path, capsys, name: str, data: bytes, message: str
) -> None:
    path = tmp_path / f"{name}.csv"
    path.write_bytes(data)
    code, line = one_error(capsys, ["evaluate", "--scores", str(path), "--replicates", "0"])
    assert code == ProtocolError.exit_code
    assert re.search(message, line), line


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + ROWS.replace("café", "print").encode())
    assert list(read_scores(path).labels) == ["bona_fide", "print", "print"]


def test_outputs_are_refused_unless_forced(tmp_path: Path, capsys) -> None:
    scores = tmp_path / "scores.csv"
    scores.write_text(ROWS.replace("café", "print"))
    report = tmp_path / "report"
    assert (
        main(["evaluate", "--scores", str(scores), "--replicates", "0", "--report", str(report)])
        == 0
    )
    before = (report / "report.html").read_bytes()
    capsys.readouterr()
    again = ["evaluate", "--scores", str(scores), "--replicates", "0", "--report", str(report)]
    code, line = one_error(capsys, again)
    assert code == InputError.exit_code and "report.html: exists; pass --force" in line
    assert (report / "report.html").read_bytes() == before
    assert main([*again, "--force"]) == 0

    existing = tmp_path / "out.csv"
    existing.write_text("precious")
    code, line = one_error(
        capsys, ["pad", "score", "--protocol", str(tmp_path / "none.csv"), "--out", str(existing)]
    )
    assert code == InputError.exit_code and "pass --force" in line
    assert existing.read_text() == "precious"

    demo = tmp_path / "demo"
    demo.mkdir()
    (demo / "kept.txt").write_text("mine")
    code, line = one_error(capsys, ["demo", "--out", str(demo)])
    assert code == InputError.exit_code and "not empty" in line
