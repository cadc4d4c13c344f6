"""The CLI contract: --json prints one document, errors are one stderr line and a code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from unmask.cli.main import main
from unmask.errors import (
    CorruptMediaError,
    EmptyGalleryError,
    IncompatibleGalleryError,
    MediaNotFoundError,
    MultipleFacesError,
    NoFaceError,
    UnknownIdentityError,
)


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = main([*argv, "--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out)


@pytest.fixture(scope="module")
def gallery(portrait_files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gallery") / "g.sqlite"
    for name, file in portrait_files.items():
        assert main(["enroll", "--db", str(path), "--id", name, str(file)]) == 0
    return path


def test_detect_reports_per_file_and_survives_a_bad_one(
    capsys, portrait_files, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff garbage")
    code, document = run_json(capsys, "detect", str(portrait_files["eileen_collins"]), str(broken))
    first, second = document["results"]
    assert first["error"] is None and len(first["faces"]) == 1
    face = first["faces"][0]
    assert set(face) >= {"box", "score", "pose", "quality", "track", "frame"}
    assert face["track"] is None and face["frame"] is None
    assert second["error"] and second["faces"] if "faces" in second else second["error"]
    assert code == CorruptMediaError.exit_code


def test_enrol_from_folders(capsys, portrait_files, tmp_path: Path) -> None:
    for name, file in portrait_files.items():
        (tmp_path / "people" / name).mkdir(parents=True)
        Image.open(file).save(tmp_path / "people" / name / "one.png")
    code, document = run_json(
        capsys,
        "enroll",
        "--db",
        str(tmp_path / "g.sqlite"),
        "--from-folders",
        str(tmp_path / "people"),
    )
    assert code == 0
    assert document["enrolled"] == [
        {"id": "eileen_collins", "templates": 1},
        {"id": "grace_hopper", "templates": 1},
    ]


def test_identify_ranks_candidates(capsys, gallery: Path, portraits, tmp_path: Path) -> None:
    probe = tmp_path / "probe.jpg"
    Image.fromarray(np.ascontiguousarray(portraits["grace_hopper"][:, ::-1])).save(
        probe, quality=70
    )
    code, document = run_json(capsys, "identify", "--db", str(gallery), str(probe), "--top", "2")
    assert code == 0
    candidates = document["results"][0]["faces"][0]["candidates"]
    assert [c["id"] for c in candidates] == ["grace_hopper", "eileen_collins"]
    assert candidates[0]["match"] and not candidates[1]["match"]
    assert candidates[0]["distance"] < candidates[1]["distance"]


def test_verify_contract(capsys, gallery: Path, portrait_files) -> None:
    code, document = run_json(
        capsys,
        "verify",
        "--db",
        str(gallery),
        "--id",
        "eileen_collins",
        str(portrait_files["eileen_collins"]),
    )
    assert code == 0
    assert set(document) >= {"id", "threshold", "fmr", "results"}
    (entry,) = document["results"]
    assert entry["match"] is True and entry["file"] == str(portrait_files["eileen_collins"])
    assert set(entry) >= {"file", "error", "match", "distance", "box"}
    code, document = run_json(
        capsys,
        "verify",
        "--db",
        str(gallery),
        "--id",
        "grace_hopper",
        str(portrait_files["eileen_collins"]),
        str(portrait_files["grace_hopper"]),
    )
    assert [entry["match"] for entry in document["results"]] == [False, True]


def test_gallery_list_rename_remove(capsys, portrait_files, tmp_path: Path) -> None:
    db = str(tmp_path / "g.sqlite")
    main(["enroll", "--db", db, "--id", "ada", str(portrait_files["eileen_collins"])])
    capsys.readouterr()
    assert (
        run_json(capsys, "gallery", "rename", "--db", db, "--id", "ada", "--to", "eileen")[0] == 0
    )
    assert run_json(capsys, "gallery", "list", "--db", db)[1] == {
        "identities": [{"id": "eileen", "templates": 1}]
    }
    assert (
        run_json(capsys, "gallery", "remove", "--db", db, "--id", "eileen")[1]["removed"][
            "templates"
        ]
        == 1
    )
    assert run_json(capsys, "gallery", "list", "--db", db)[1] == {"identities": []}


def two_faces(portraits, tmp_path: Path) -> Path:
    left = cv2.resize(portraits["eileen_collins"], (300, 300))
    right = cv2.resize(portraits["grace_hopper"], (300, 350))[:300]
    path = tmp_path / "pair.png"
    Image.fromarray(np.hstack([left, right])).save(path)
    return path


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("missing", MediaNotFoundError),
        ("noface", NoFaceError),
        ("twofaces", MultipleFacesError),
        ("unknown", UnknownIdentityError),
        ("empty", EmptyGalleryError),
        ("foreign", IncompatibleGalleryError),
    ],
)
def test_bad_input_gives_one_line_and_its_code(
    capsys, case, error, gallery, portraits, portrait_files, tmp_path: Path
) -> None:
    blank = tmp_path / "blank.png"
    Image.new("RGB", (200, 200), (120, 120, 120)).save(blank)
    empty = tmp_path / "empty.sqlite"
    from unmask.identity import Gallery

    Gallery(empty, create=True).close()
    foreign = tmp_path / "foreign.sqlite"
    foreign.write_text("hello " * 200)
    eileen = str(portrait_files["eileen_collins"])
    argv = {
        "missing": [
            "verify",
            "--db",
            str(gallery),
            "--id",
            "grace_hopper",
            str(tmp_path / "nope.jpg"),
        ],
        "noface": ["verify", "--db", str(gallery), "--id", "grace_hopper", str(blank)],
        "twofaces": [
            "enroll",
            "--db",
            str(tmp_path / "new.sqlite"),
            "--id",
            "x",
            str(two_faces(portraits, tmp_path)),
        ],
        "unknown": ["verify", "--db", str(gallery), "--id", "nobody", eileen],
        "empty": ["identify", "--db", str(empty), eileen],
        "foreign": ["gallery", "list", "--db", str(foreign)],
    }[case]
    code = main(argv)
    captured = capsys.readouterr()
    assert code == error.exit_code != 0
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("unmask: error: ")
    assert captured.out == ""
    if case == "twofaces":
        assert (
            not (tmp_path / "new.sqlite").exists()
            or main(["gallery", "list", "--db", str(tmp_path / "new.sqlite")]) != 0
        )


def test_entry_point_runs_as_a_program(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "unmask.cli.main",
            "verify",
            "--db",
            str(tmp_path / "g.sqlite"),
            "--id",
            "x",
            "y.jpg",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert json.loads(result.stdout)["error"]
    assert "Traceback" not in result.stderr
