"""`generate` and `unmask lab generate`: protocol format, impersonation, byte-for-byte reruns."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from unmask.cli.main import main
from unmask.errors import InputError
from unmask.lab.generate import plan
from unmask.lab.synthetic import synthetic_photo
from unmask.media import read_video

SMALL = ["--seconds", "0.4", "--fps", "10", "--size", "96x80"]


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_attacks_impersonate_another_identity() -> None:
    people = {name: [synthetic_photo(name, (96, 80), seed=i)] for i, name in enumerate("abc")}
    jobs = plan(people, ["bona_fide", "print", "mask_silicone"], clips=6, seed=1)
    for job in jobs:
        if job.species == "bona_fide":
            assert job.subject.identity == job.target.identity
        else:
            assert job.subject.identity != job.target.identity
    # Three identities: splits are subject-disjoint.
    split_of = {}
    for job in jobs:
        assert split_of.setdefault(job.subject.identity, job.split) == job.split
    assert len({job.target.identity for job in jobs}) > 1


def test_attacks_need_two_identities() -> None:
    alone = {"a": [synthetic_photo("a", (96, 80))]}
    assert plan(alone, ["bona_fide"], clips=2, seed=0)
    with pytest.raises(InputError):
        plan(alone, ["print"], clips=1, seed=0)


def test_cli_writes_a_reproducible_labelled_simulated_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "lab",
        "generate",
        "--species",
        "bona_fide,mask_rigid",
        "--channels",
        "rgb,thermal,depth",
    ]
    args += [*SMALL, "--codec", "lossless", "--seed", "5", "--json"]
    assert main([*args, "--out", str(tmp_path / "one")]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["simulation"] is True
    assert document["per_species"] == {"bona_fide": 1, "mask_rigid": 1}
    assert main([*args, "--out", str(tmp_path / "two")]) == 0
    capsys.readouterr()
    assert digests(tmp_path / "one") == digests(tmp_path / "two")

    folder = tmp_path / "one"
    with (folder / "protocol.csv").open(newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        header = reader.fieldnames or []
    assert header[:5] == ["path", "label", "subject", "target", "split"]
    assert {"seed", "hr_bpm", "pulse_amplitude", "skin_ita_deg", "codec", "noise_dn"} <= set(header)
    for row in rows:
        assert row["simulated"] == "1"
        assert 40 <= float(row["hr_bpm"]) <= 130  # both species have a living wearer
        frames = list(read_video(folder / row["path"]))
        assert len(frames) == 4 and frames[0].image.shape == (80, 96, 3)
        thermal = np.load(folder / row["thermal_path"])
        assert thermal["frames"].shape == (4, 20, 24) and thermal["frames"].dtype == np.float16
        assert str(thermal["unit"]) == "degC"
    rigid = next(row for row in rows if row["label"] == "mask_rigid")
    assert rigid["subject"] != rigid["target"]
    assert rigid["eye_hole_width"] and not rigid["halftone_depth"]
    metadata = json.loads((folder / "metadata.json").read_text())
    assert metadata["simulation"] is True and "SIMULATED" in metadata["note"]
    assert metadata["ranges"]["hr_bpm"]["low"] == 45


def test_cli_text_says_simulated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "lab",
            "generate",
            "--species",
            "print",
            *SMALL,
            "--out",
            str(tmp_path),
            "--codec",
            "mjpeg",
        ]
    )
    assert code == 0
    assert "SIMULATED" in capsys.readouterr().out
    assert (tmp_path / "print").is_dir()


@pytest.mark.parametrize(
    "extra",
    [
        ["--species", "hologram"],
        ["--channels", "rgb,xray"],
        ["--clips", "0"],
        ["--crf", "99"],
        ["--seconds", "0"],
    ],
)
def test_cli_refuses_bad_requests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str]
) -> None:
    code = main(["lab", "generate", "--out", str(tmp_path), *SMALL, *extra])
    assert code == 2
    assert capsys.readouterr().err.startswith("unmask: error:")


def test_cli_refuses_a_faces_folder_with_one_identity_for_attacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from PIL import Image

    faces = tmp_path / "faces"
    faces.mkdir()
    Image.fromarray(synthetic_photo("solo", (320, 240)).image).save(faces / "solo.png")
    code = main(
        [
            "lab",
            "generate",
            "--faces",
            str(faces),
            "--out",
            str(tmp_path / "out"),
            *SMALL,
            "--species",
            "print",
        ]
    )
    assert code != 0
    assert "unmask: error:" in capsys.readouterr().err


def test_every_sampled_parameter_is_documented_with_its_range() -> None:
    from unmask.data import REPO_ROOT
    from unmask.lab import RANGES

    docs = (REPO_ROOT / "docs" / "lab.md").read_text()
    for name, spread in RANGES.items():
        assert f"| `{name}` | {spread.low:g} – {spread.high:g} |" in docs, name
