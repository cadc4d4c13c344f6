"""One CLI convention: folders expand to their media, old flag spellings warn and still work,
detect --landmarks, liveness --report, evidence in words."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from unmask.cli.main import COMMANDS, build_parser, main
from unmask.liveness.evidence import evidence_summary, evidence_text


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture
def folder(portrait_files, tmp_path: Path) -> Path:
    root = tmp_path / "people"
    (root / "nested").mkdir(parents=True)
    shutil.copy(portrait_files["eileen_collins"], root / "b.png")
    shutil.copy(portrait_files["grace_hopper"], root / "nested" / "a.png")
    (root / "notes.txt").write_text("not media")
    return root


def test_a_folder_expands_to_its_media_with_per_file_results(capsys, folder):
    code, document = run_json(capsys, "detect", str(folder), "--no-mesh")
    assert code == 0
    assert [entry["file"] for entry in document["results"]] == [
        str(folder / "b.png"),
        str(folder / "nested" / "a.png"),
    ]


def test_an_empty_folder_is_reported_not_skipped(capsys, folder, tmp_path):
    (tmp_path / "empty").mkdir()
    code, document = run_json(capsys, "detect", str(folder / "b.png"), str(tmp_path / "empty"))
    assert code == 3
    assert document["results"][1]["error"] == "folder holds no images or videos"


def test_landmarks_hold_keypoints_mesh_and_iris(capsys, portrait_files):
    code, document = run_json(capsys, "detect", str(portrait_files["grace_hopper"]), "--landmarks")
    face = document["results"][0]["faces"][0]
    assert code == 0
    assert len(face["keypoints"]) == 6 and len(face["keypoints"][0]) == 2
    assert len(face["mesh"]) == 468 and len(face["mesh"][0]) == 3
    assert [len(ring) for ring in face["iris"]] == [5, 5]
    code, plain = run_json(capsys, "detect", str(portrait_files["grace_hopper"]))
    assert "mesh" not in plain["results"][0]["faces"][0]


@pytest.mark.parametrize(
    ("old", "new", "dest", "value"),
    [
        (["liveness", "x.jpg", "--level", "high"], "--liveness LEVEL", "liveness", "high"),
        (["pad", "score", "--protocol", "p.csv", "--out", "s.csv", "--level", "low"], "--liveness LEVEL", "liveness", "low"),
        (["benchmark", "--protocol", "nuaa", "--root", "d", "--gallery", "g.sqlite"], "--db", "db", "g.sqlite"),
        (["benchmark", "--protocol", "nuaa", "--root", "d"], "--dataset KIND=ROOT", "root", "d"),
    ],
)  # fmt: skip
def test_old_spellings_warn_and_still_work(capsys, old, new, dest, value):
    args = build_parser(old[0]).parse_args(old)
    assert getattr(args, dest) == value
    assert f"is deprecated; use {new}" in capsys.readouterr().err


def test_every_flag_has_help():
    for command in COMMANDS:
        parser = build_parser(command)
        stack = [parser]
        while stack:
            current = stack.pop()
            for action in current._actions:
                if action.choices and isinstance(action.choices, dict):
                    stack.extend(action.choices.values())
                elif action.option_strings or action.dest not in ("command", "action"):
                    assert action.help, f"{current.prog}: {action.option_strings or action.dest}"


def test_liveness_report_writes_the_evidence_page(capsys, portrait_files, tmp_path):
    code, document = run_json(
        capsys, "liveness", str(portrait_files["grace_hopper"]), "--report", str(tmp_path / "r")
    )
    page = (tmp_path / "r" / "report.html").read_text()
    assert code == 0 and document["report"] == str(tmp_path / "r" / "report.html")
    assert 'alt="per-cue scores"' in page
    assert "Decided" in page or "No single cue decided" in page


def test_evidence_reads_as_words_with_units():
    assert evidence_text("canthus_excess_c", 0.55) == "canthus excess 0.55 °C"
    assert evidence_text("gaze_range_eye_widths", 0.25) == "gaze range 0.25 eye widths"
    assert evidence_text("ear_min", 0.2) == "eye aspect ratio, closed 0.2"
    assert evidence_summary({"blinks": 2, "samples_c": [1.0, 2.0]}) == "blinks 2"


def test_enrolling_folders_goes_on_past_a_sub_folder_whose_only_image_is_broken(
    capsys, portrait_files, tmp_path
):
    (tmp_path / "people" / "grace").mkdir(parents=True)
    (tmp_path / "people" / "broken").mkdir()
    shutil.copy(portrait_files["grace_hopper"], tmp_path / "people" / "grace" / "a.png")
    (tmp_path / "people" / "broken" / "b.png").write_bytes(b"not a png")
    db = str(tmp_path / "g.sqlite")
    code, document = run_json(
        capsys, "enroll", "--db", db, "--from-folders", str(tmp_path / "people")
    )
    assert code == 4
    assert document["enrolled"] == [{"id": "grace", "templates": 1}]
    assert [entry["error"] is None for entry in document["files"]] == [False, True]
