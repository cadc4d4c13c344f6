"""Fuzz: malformed stills and videos through the CLI entry point, in-process and as programs.

The corpus (tests/malformed.py) is made by the test: decompression bombs, broken Netpbm
headers, truncations and byte flips of valid files. Every run must end with a documented exit
code and one JSON document, never an exception: an uncaught one fails the test here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.malformed import write_corpus
from unmask.cli.main import main
from unmask.errors import CorruptMediaError, NoFaceError
from unmask.identity import Gallery, Template

# The media exit codes the README documents: ok, not found, corrupt or unsupported, no face,
# several faces.
MEDIA_EXIT_CODES = {0, 3, CorruptMediaError.exit_code, NoFaceError.exit_code, 6}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_corpus(tmp_path_factory.mktemp("malformed"), per_file=8, seed=0)


@pytest.fixture(scope="module")
def gallery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fuzz-gallery") / "g.sqlite"
    vector = np.random.default_rng(0).normal(0, 0.09, 128).astype(np.float32)
    with Gallery(path, create=True) as store:
        store.enroll("someone", [Template(vector, "x")])
    return path


def run_json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, dict]:
    code = main([*argv, "--json"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    errors = [line for line in captured.err.splitlines() if line.startswith("unmask: error:")]
    assert len(errors) <= 1
    return code, json.loads(captured.out)


def test_corpus_is_large_enough_to_mean_something(corpus: list[Path]) -> None:
    assert len(corpus) >= 110
    assert sum(1 for path in corpus if path.name.startswith("bomb-")) == 15


def test_detect_gives_a_documented_code_for_every_malformed_file(capsys, corpus) -> None:
    for path in corpus:
        code, document = run_json(capsys, ["detect", str(path)])
        assert code in MEDIA_EXIT_CODES, path.name
        entry = document["results"][0] if code == 0 else document  # a lone failure: its error
        if path.name.startswith(("bomb-", "negative-", "netpbm-", "empty")):
            assert code == CorruptMediaError.exit_code, path.name
        if code:
            assert entry["error_type"] in ("CorruptMediaError", "UnsupportedMediaError"), path.name


def test_identify_pulse_and_liveness_survive_the_corpus(capsys, corpus, gallery) -> None:
    videos = [p for p in corpus if p.suffix in (".avi", ".mp4", ".mkv")]
    stills = [p for p in corpus if p not in videos]
    chosen = stills[::6] + videos[::3]
    for path in chosen:
        code, document = run_json(capsys, ["identify", "--db", str(gallery), str(path)])
        assert code in MEDIA_EXIT_CODES, path.name
        code, document = run_json(capsys, ["pulse", str(path)])
        assert code in MEDIA_EXIT_CODES, path.name
        if code:
            assert document["exit_code"] == code
    for path in chosen[::6]:
        code, document = run_json(capsys, ["liveness", "--max-seconds", "2", str(path)])
        assert code in MEDIA_EXIT_CODES, path.name


def test_a_few_as_real_programs(corpus: list[Path]) -> None:
    for name in ("bomb-65535.png", "netpbm-1.pgm", "flip5-mjpeg.avi"):
        path = next(p for p in corpus if p.name == name)
        result = subprocess.run(
            [sys.executable, "-m", "unmask.cli.main", "detect", str(path)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == CorruptMediaError.exit_code, name
        assert "Traceback" not in result.stderr
        assert f"unmask: error: {path}: " in result.stderr
