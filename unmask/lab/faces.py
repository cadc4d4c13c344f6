"""Identities for the lab: photos found in a folder, the permissively licensed face sets of the
shared data, or the two public-domain faces in our dependencies.

Each photo is located once (face mesh) and framed later per presentation, so a clip's framing
can vary with its seed without running the face models again. A folder of hundreds of people is
catalogued without running the face models; a photo is located when a clip first needs it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from unmask.data import shared_data_dir
from unmask.errors import InputError, NoFaceError
from unmask.lab.layout import FaceLayout, layout_from_mesh
from unmask.media import frame_from_array, read_image

IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".bmp", ".pgm", ".ppm", ".tif", ".tiff", ".webp"}
)
# The shared data's face sets whose licences allow rendering and training (see its README):
# 100 portraits of varied skin tone, age and camera (CC0), 102 studio-lit adults, neutral and
# smiling, and 40 more from the same lab's Canada set (CC BY 4.0, DeBruine & Jones 2017):
# 242 people.
SHARED_FACE_SETS = ("interfaces", "frl-london", "frl-canada")
# "<person>_<number>" file names: the person prefix names the identity across sub-folders.
NUMBERED = re.compile(r"^(?P<person>.+)_\d+$")


@dataclass(frozen=True, eq=False)
class FacePhoto:
    """One photo of one identity with its face located."""

    identity: str
    image: NDArray[np.uint8]
    layout: FaceLayout
    source: str


def locate(image: NDArray[np.uint8], source: str) -> FaceLayout:
    """The largest face's layout, from the 468-point mesh of the face stage."""
    from unmask.face import FaceAnalyzer  # the face models load lazily: only real photos need them

    faces = [
        f
        for f in FaceAnalyzer(mesh=True, iris=False).analyze(frame_from_array(image))
        if f.mesh is not None
    ]
    if not faces:
        raise NoFaceError(f"{source}: no face found for the lab to animate")
    best = max(faces, key=lambda face: face.box.area)
    assert best.mesh is not None
    return layout_from_mesh(best.mesh)


def default_photos() -> list[tuple[str, NDArray[np.uint8], str]]:
    """Two public-domain portraits shipped inside dependencies (NASA's Eileen Collins in
    scikit-image, the US Navy's Grace Hopper in matplotlib): enough for a wearer and a target."""
    import matplotlib.cbook
    from PIL import Image
    from skimage import data

    path = matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    with Image.open(str(path)) as handle:
        hopper = np.asarray(handle.convert("RGB"))
    return [
        ("eileen_collins", np.ascontiguousarray(data.astronaut()), "skimage.data.astronaut"),
        ("grace_hopper", np.ascontiguousarray(hopper), "matplotlib sample_data/grace_hopper.jpg"),
    ]


def folder_files(folder: Path) -> list[tuple[str, Path]]:
    """(identity, file) for each photo: one identity per sub-folder, or per image file directly
    in `folder`. When the sub-folders are conditions rather than people (the same
    `<person>_<number>` names recur in several, as `neutral/001_03.jpg` and
    `smiling/001_08.jpg`), the person prefix is the identity."""
    if not folder.is_dir():
        raise InputError(f"{folder}: --faces must be a folder of photos")
    found = []
    for entry in sorted(folder.iterdir()):
        files = sorted(entry.iterdir()) if entry.is_dir() else [entry]
        for file in files:
            if file.is_file() and file.suffix.lower() in IMAGE_SUFFIXES:
                found.append((entry.name if entry.is_dir() else file.stem, file))
    if not found:
        raise InputError(f"{folder}: holds no photos ({', '.join(sorted(IMAGE_SUFFIXES))})")
    people: dict[str, set[str]] = {}
    for folder_name, file in found:
        match = NUMBERED.match(file.stem)
        if match and file.parent != folder:
            people.setdefault(match["person"], set()).add(folder_name)
    folders = {name for name, file in found if file.parent != folder}
    conditions = len(people) > len(folders) > 1 and any(len(f) > 1 for f in people.values())
    if not conditions:
        return found
    return [
        ((match["person"] if (match := NUMBERED.match(file.stem)) else name), file)
        for name, file in found
    ]


def folder_photos(folder: Path) -> list[tuple[str, NDArray[np.uint8], str]]:
    """(identity, RGB image, source) per photo, read now (see `folder_files` for identities)."""
    return [
        (identity, read_image(file).image, str(file)) for identity, file in folder_files(folder)
    ]


def pixels(source: Path | NDArray[np.uint8]) -> NDArray[np.uint8]:
    """An RGB image from a file, or the image itself when it is already in memory."""
    return read_image(source).image if isinstance(source, Path) else source


def is_greyscale(image: NDArray[np.uint8]) -> bool:
    """A black-and-white photo (saved as RGB or not): its channels differ by under 2 DN."""
    sample = image[::4, ::4].astype(np.int16)
    if sample.ndim < 3 or sample.shape[2] < 3:
        return True
    spread = np.abs(sample[..., 0] - sample[..., 1]) + np.abs(sample[..., 1] - sample[..., 2])
    return float(spread.mean()) < 2.0


@dataclass(eq=False)
class PhotoFile:
    """A photo of one identity, located on first use so that a catalogue of hundreds of
    people costs nothing until a clip needs one of them."""

    identity: str
    source: str
    read: Callable[[], NDArray[np.uint8]]
    located: FacePhoto | None = None
    failure: str | None = None

    def photo(self) -> FacePhoto | None:
        """The located photo, or None when it holds no usable face (reason in `failure`)."""
        if self.located is None and self.failure is None:
            image = self.read()
            if is_greyscale(image):
                self.failure = f"{self.source}: greyscale, no skin colour for a pulse"
                return None
            try:
                self.located = FacePhoto(
                    self.identity, image, locate(image, self.source), self.source
                )
            except NoFaceError as exc:
                self.failure = str(exc)
        return self.located


def shared_face_folders() -> list[Path]:
    """The permissively licensed face sets of the shared data that are present."""
    root = shared_data_dir()
    if root is None:
        return []
    return [root / "faces" / name for name in SHARED_FACE_SETS if (root / "faces" / name).is_dir()]


def catalogue(folder: Path | None) -> dict[str, list[PhotoFile]]:
    """Photos per identity, not yet located: `folder`, else the shared face sets when present
    (identities prefixed by their set), else the two bundled portraits."""
    files: list[PhotoFile] = []
    if folder is not None:
        files = [
            PhotoFile(identity, str(file), partial(pixels, file))
            for identity, file in folder_files(folder)
        ]
    else:
        for shared in shared_face_folders():
            files += [
                PhotoFile(f"{shared.name}_{identity}", str(file), partial(pixels, file))
                for identity, file in folder_files(shared)
            ]
    if not files:
        files = [
            PhotoFile(identity, source, partial(pixels, image))
            for identity, image, source in default_photos()
        ]
    identities: dict[str, list[PhotoFile]] = {}
    for entry in files:
        identities.setdefault(entry.identity, []).append(entry)
    return identities


def load_identities(folder: Path | None) -> tuple[dict[str, list[FacePhoto]], list[str]]:
    """Located photos per identity, and one line per photo that was skipped (no face).

    None means the two bundled portraits, whatever data is around, so code and tests that name
    them keep working; `catalogue` is the lazy view that prefers the shared face sets."""
    raw = default_photos() if folder is None else folder_photos(folder)
    identities: dict[str, list[FacePhoto]] = {}
    skipped = []
    for identity, image, source in raw:
        entry = PhotoFile(identity, source, partial(pixels, image))
        photo = entry.photo()
        if photo is None:
            skipped.append(str(entry.failure))
            continue
        identities.setdefault(identity, []).append(photo)
    if not identities:
        raise NoFaceError("no photo with a usable face: " + "; ".join(skipped[:3]))
    return identities, skipped


def frame_photo(
    photo: FacePhoto, size: tuple[int, int], rng: np.random.Generator
) -> tuple[NDArray[np.float32], FaceLayout]:
    """The photo upright and scaled so the face sits where a kiosk camera sees it: eyes level,
    eye distance about a fifth of the frame width, eye line 40-45 % down. Returns RGB in [0, 1]."""
    width, height = size
    layout = photo.layout
    target_d = min(width * rng.uniform(0.17, 0.22), height * 0.26)
    scale = target_d / layout.interocular
    angle = -layout.roll + rng.normal(0.0, np.deg2rad(1.5))
    centre = layout.eye_centres.mean(axis=0).astype(np.float64)
    cos, sin = np.cos(angle) * scale, np.sin(angle) * scale
    dest = np.array([width * rng.uniform(0.47, 0.53), height * rng.uniform(0.38, 0.45)])
    affine = np.array([[cos, -sin, 0.0], [sin, cos, 0.0]])
    affine[:, 2] = dest - affine[:, :2] @ centre
    source = photo.image.astype(np.float32) / np.float32(255.0)
    if scale < 0.7:  # band-limit before shrinking so hair and fabric do not alias
        source = np.asarray(cv2.GaussianBlur(source, (0, 0), 0.5 / scale), dtype=np.float32)
    image = cv2.warpAffine(
        source, affine, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
    )
    return np.asarray(image, dtype=np.float32), layout.transformed(affine)
