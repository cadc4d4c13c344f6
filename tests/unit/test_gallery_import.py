"""`unmask gallery import`: .npy with ids and parquet, and every bad input refused in one line
before the gallery is touched."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from unmask.cli.main import main
from unmask.errors import GalleryError, InputError, MediaNotFoundError
from unmask.identity import Gallery, identify


def matrix(rows: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 0.09, (rows, 128)).astype(np.float32)


def write_npy(folder: Path, vectors: np.ndarray, ids: list[str]) -> tuple[str, str]:
    np.save(folder / "v.npy", vectors)
    (folder / "ids.txt").write_text("\n".join(ids) + "\n")
    return str(folder / "v.npy"), str(folder / "ids.txt")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out if code == 0 else captured.err


def test_npy_import_creates_then_adds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "g.sqlite")
    vectors, ids = write_npy(tmp_path, matrix(6), ["ada", "ada", "bob", "bob", "cy", "dee"])
    code, out = run(capsys, "gallery", "import", "--db", db, vectors, "--ids", ids, "--json")
    assert code == GalleryError.exit_code and "no gallery there" in out
    code, out = run(capsys, "gallery", "import", "--db", db, vectors, "--ids", ids, "--create")
    assert code == 0 and "imported 6 templates of 4 identities" in out
    more, more_ids = write_npy(tmp_path, matrix(2, seed=1), ["ada", "eve"])
    code, out = run(capsys, "gallery", "import", "--db", db, more, "--ids", more_ids, "--json")
    assert code == 0 and json.loads(out)["imported"] == {
        "templates": 2,
        "identities": 2,
        "total": 8,
    }
    with Gallery(db) as gallery:
        assert {r.name: r.templates for r in gallery.identities()}["ada"] == 3
        assert identify(matrix(6)[2], gallery, top=1)[0].identity == "bob"
        assert gallery.check().ok


def test_parquet_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    vectors = matrix(3)
    table = pa.table(
        {"id": ["ada", "bob", "bob"], "vector": [list(map(float, v)) for v in vectors]}
    )
    pq.write_table(table, tmp_path / "t.parquet")
    db = str(tmp_path / "g.sqlite")
    code, out = run(
        capsys, "gallery", "import", "--db", db, str(tmp_path / "t.parquet"), "--create"
    )
    assert code == 0 and "imported 3 templates of 2 identities" in out
    with Gallery(db) as gallery:
        assert identify(vectors[0], gallery, top=1)[0].distance == 0.0
    pq.write_table(pa.table({"name": ["x"]}), tmp_path / "bad.parquet")
    code, err = run(capsys, "gallery", "import", "--db", db, str(tmp_path / "bad.parquet"))
    assert code == InputError.exit_code and "missing column(s) ['id', 'vector']" in err
    short = pa.table({"id": ["x"], "vector": [[0.1] * 127]})
    pq.write_table(short, tmp_path / "short.parquet")
    code, err = run(capsys, "gallery", "import", "--db", db, str(tmp_path / "short.parquet"))
    assert code == InputError.exit_code and "128 numbers a row" in err


def test_parquet_without_pyarrow_names_the_extra(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "t.parquet").write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    code, err = run(
        capsys, "gallery", "import", "--db", str(tmp_path / "g"), str(tmp_path / "t.parquet")
    )
    assert code == InputError.exit_code and "unmask[parquet]" in err


BAD = {
    "float64": (matrix(2).astype(np.float64), ["a", "b"], "dtype float64"),
    "shape": (matrix(2)[:, :127].copy(), ["a", "b"], "shape (2, 127)"),
    "nan": (
        np.where(np.arange(128) == 3, np.nan, matrix(2)).astype(np.float32),
        ["a", "b"],
        "non-finite",
    ),
    "count": (matrix(3), ["a", "b"], "3 vectors but 2 ids"),
    "empty id": (matrix(2), ["a", ""], "id 2 is empty"),
    "duplicate": (np.stack([matrix(1)[0]] * 2), ["a", "b"], "rows 1, 2 hold the same vector"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_npy_inputs_are_refused_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    db = tmp_path / "g.sqlite"
    good, good_ids = write_npy(tmp_path, matrix(1, seed=9), ["first"])
    assert (
        run(capsys, "gallery", "import", "--db", str(db), good, "--ids", good_ids, "--create")[0]
        == 0
    )
    before = db.read_bytes()
    vectors, ids, message = BAD[case]
    folder = tmp_path / "bad"
    folder.mkdir()
    path, id_path = write_npy(folder, vectors, ids)
    code, err = run(capsys, "gallery", "import", "--db", str(db), path, "--ids", id_path)
    assert code == InputError.exit_code and message in err and len(err.splitlines()) == 1
    assert db.read_bytes() == before


def test_missing_files_and_ids(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "g.sqlite")
    code, err = run(
        capsys, "gallery", "import", "--db", db, str(tmp_path / "none.npy"), "--ids", "x"
    )
    assert code == MediaNotFoundError.exit_code
    np.save(tmp_path / "v.npy", matrix(1))
    code, err = run(capsys, "gallery", "import", "--db", db, str(tmp_path / "v.npy"))
    assert code == InputError.exit_code and "needs --ids" in err
