"""Face models read from their installed PyPI package, and LiteRT's XNNPACK notice kept off
stderr."""

from __future__ import annotations

import os

from unmask import models


def test_the_face_models_are_read_from_the_installed_package() -> None:
    content = models.model_path(models.FACE_MODELS_PACKAGE, "face_landmark.tflite")
    assert content.read_bytes()[4:8] == b"TFL3"


def test_native_noise_is_dropped_and_other_native_lines_kept(capfd):
    with models.native_stderr_without("XNNPACK delegate"):
        os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n")
        os.write(2, b"ERROR: something real\n")
    assert capfd.readouterr().err == "ERROR: something real\n"
