"""Identities for the lab: photos found in a folder, or the public-domain faces in our deps.

Each photo is located once (face mesh) and framed later per presentation, so a clip's framing
can vary with its seed without running the face models again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from unmask.errors import InputError, NoFaceError
from unmask.lab.layout import FaceLayout, layout_from_mesh
from unmask.media import frame_from_array, read_image

IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".bmp", ".pgm", ".ppm", ".tif", ".tiff", ".webp"}
)


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


def folder_photos(folder: Path) -> list[tuple[str, NDArray[np.uint8], str]]:
    """One identity per sub-folder, or per image file directly in `folder`, in sorted order."""
    if not folder.is_dir():
        raise InputError(f"{folder}: --faces must be a folder of photos")
    photos = []
    for entry in sorted(folder.iterdir()):
        files = sorted(entry.iterdir()) if entry.is_dir() else [entry]
        for file in files:
            if file.is_file() and file.suffix.lower() in IMAGE_SUFFIXES:
                identity = entry.name if entry.is_dir() else entry.stem
                photos.append((identity, read_image(file).image, str(file)))
    if not photos:
        raise InputError(f"{folder}: holds no photos ({', '.join(sorted(IMAGE_SUFFIXES))})")
    return photos


def load_identities(folder: Path | None) -> tuple[dict[str, list[FacePhoto]], list[str]]:
    """Located photos per identity, and one line per photo that was skipped (no face)."""
    raw = default_photos() if folder is None else folder_photos(folder)
    identities: dict[str, list[FacePhoto]] = {}
    skipped = []
    for identity, image, source in raw:
        try:
            layout = locate(image, source)
        except NoFaceError as exc:
            skipped.append(str(exc))
            continue
        identities.setdefault(identity, []).append(FacePhoto(identity, image, layout, source))
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
