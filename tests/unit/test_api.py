"""The Python API: arrays and PIL images wherever a path goes, one-call helpers whose results
serialise to JSON, and the package docstring's example run exactly as written."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil

import numpy as np
from PIL import Image

import unmask
from unmask.cli.output import dump_json
from unmask.face import FaceAnalyzer
from unmask.identity import ProbeMaker
from unmask.lab.store import write_video


def test_arrays_and_pil_images_go_wherever_a_path_goes(portraits, portrait_files):
    image = portraits["grace_hopper"]
    by_path = FaceAnalyzer().analyze(str(portrait_files["grace_hopper"]))
    by_array = FaceAnalyzer().analyze(image)
    by_pil = FaceAnalyzer().analyze(Image.fromarray(image))
    assert len(by_path) == len(by_array) == len(by_pil) == 1
    assert by_array[0].box == by_path[0].box == by_pil[0].box
    maker = ProbeMaker()
    assert np.allclose(
        maker.single(image).embedding, maker.single(portrait_files["grace_hopper"]).embedding
    )


def test_faces_and_results_serialise(portraits):
    face = FaceAnalyzer().analyze(portraits["eileen_collins"])[0]
    plain = dataclasses.asdict(face)
    assert json.loads(dump_json(plain))["box"]["w"] > 0


def test_verify_images_tells_people_apart(portraits):
    same = unmask.verify_images(portraits["grace_hopper"], portraits["grace_hopper"][:, ::-1])
    other = unmask.verify_images(portraits["grace_hopper"], portraits["eileen_collins"])
    assert same.match and not other.match
    assert json.loads(json.dumps(other.as_dict()))["distance"] > other.as_dict()["threshold"]


def test_check_liveness_of_a_still_array_is_a_typed_result(portraits):
    result = unmask.check_liveness(portraits["eileen_collins"])
    document = json.loads(dump_json(result.as_dict()))
    assert document["decision"] == result.decision in ("bona_fide", "attack", "inconclusive")
    assert set(document["cues"]) >= {"pulse", "motion", "surface"}
    assert json.loads(dump_json(dataclasses.asdict(result.verdict)))["level"] == "medium"


def test_the_package_example_runs_as_written(portrait_files, tmp_path, monkeypatch):
    example = re.search(r"on one screen.*?:\n\n(.*?)\n\nEvery error", unmask.__doc__ or "", re.S)
    assert example is not None
    code = "\n".join(line[4:] for line in example.group(1).splitlines())
    shutil.copy(portrait_files["grace_hopper"], tmp_path / "door.jpg")
    shutil.copy(portrait_files["grace_hopper"], tmp_path / "badge.jpg")
    still = np.asarray(Image.open(portrait_files["grace_hopper"]).convert("RGB").resize((320, 384)))
    write_video(tmp_path / "door.mp4", [still] * 15, 15.0, "h264", 18)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "unmask/__init__.py example", "exec"), {})
    assert os.path.exists("staff.sqlite")
