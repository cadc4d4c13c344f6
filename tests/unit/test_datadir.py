"""The data folder: resolved from the argument, then UNMASK_HOME; secrets made once, private."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from unmask.datadir import resolve_data_dir, secret
from unmask.errors import InputError


def test_argument_wins_over_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNMASK_HOME", str(tmp_path / "env"))
    assert resolve_data_dir(tmp_path / "arg") == tmp_path / "arg"
    assert resolve_data_dir() == tmp_path / "env"


def test_secret_is_stable_private_and_shared_by_racing_callers(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        values = set(pool.map(lambda _: secret(tmp_path, "challenge"), range(16)))
    assert len(values) == 1
    assert len(values.pop()) == 32
    mode = stat.S_IMODE((tmp_path / "challenge.key").stat().st_mode)
    assert mode == 0o600
    assert secret(tmp_path, "other") != secret(tmp_path, "challenge")


def test_damaged_secret_is_refused_not_replaced(tmp_path: Path) -> None:
    (tmp_path / "mac.key").write_text("zz")
    with pytest.raises(InputError, match="damaged"):
        secret(tmp_path, "mac")
    assert (tmp_path / "mac.key").read_text() == "zz"


def test_data_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError):
        resolve_data_dir(tmp_path / "f")
