"""Recognition scores for a benchmark: each presentation's main face against its target's
reference templates, with unmask's recogniser (dlib descriptors).

This is what makes the whole-system IAPAR measurable: an impostor attack succeeds when it
passes PAD *and* the recogniser takes it for the target. The references come either from a
gallery file (its identity names are the protocol's targets) or, for an attack-lab protocol,
from the very photos the lab built each target's attacks from (`photo_target`): the attacker
had the enrolment photo, the worst case for the recogniser.

Convention: `match_score = -distance` (Euclidean distance to the target's closest template),
so higher means more similar, as the evaluation expects, and unmask's verification threshold
at a target FMR is `-threshold_for_fmr(fmr)`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from unmask.errors import NoFaceError
from unmask.evaluation.protocols.base import Protocol, ProtocolEntry
from unmask.identity.embedder import distances, embed_face
from unmask.identity.galleries import open_gallery
from unmask.identity.probes import Probe, ProbeMaker
from unmask.identity.thresholds import DEFAULT_FMR, threshold_for_fmr

PHOTO_COLUMN = "photo_target"


@dataclass(frozen=True, eq=False)
class References:
    """Templates per identity (each an (n, 128) array), and why some targets have none."""

    templates: dict[str, NDArray[np.float32]]
    source: str
    unresolved: tuple[str, ...] = ()

    def summary(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "identities": sorted(self.templates),
            "templates": int(sum(len(t) for t in self.templates.values())),
            "unresolved": list(self.unresolved),
        }


def match_threshold(fmr: float = DEFAULT_FMR) -> float:
    """unmask's verification threshold at `fmr`, on the match_score scale (-distance)."""
    return -threshold_for_fmr(fmr)


def gallery_references(path: str | Path, data_dir: str | Path | None = None) -> References:
    """Every identity of an unmask gallery file, with all its templates (seals checked with
    the key of `data_dir`)."""
    with open_gallery(path, data_dir=data_dir) as gallery:
        gallery.require_templates()
        embeddings, owners, names = gallery.matrix()
    templates = {name: embeddings[owners == index] for index, name in enumerate(names)}
    return References(templates, source=f"gallery {path}")


def lab_references(protocol: Protocol) -> References | None:
    """Templates from the photos an attack-lab protocol names in `photo_target`; None when the
    protocol has no such column (not a lab protocol)."""
    pairs = sorted(
        {
            (entry.target, entry.extra[PHOTO_COLUMN])
            for entry in protocol
            if entry.target and entry.extra.get(PHOTO_COLUMN)
        }
    )
    if not pairs:
        return None
    finder = _PhotoFinder(protocol.root)
    vectors: dict[str, list[NDArray[np.float32]]] = {}
    unresolved = []
    for target, name in pairs:
        image = finder.image(name)
        if image is None:
            unresolved.append(f"{target}: reference photo {name} not found")
            continue
        embedding = embed_photo(image)
        if embedding is None:
            unresolved.append(f"{target}: no face in reference photo {name}")
            continue
        vectors.setdefault(target, []).append(embedding)
    templates = {target: np.stack(found) for target, found in vectors.items()}
    return References(
        templates, source=f"attack-lab target photos ({PHOTO_COLUMN})", unresolved=tuple(unresolved)
    )


class _PhotoFinder:
    """A lab photo by file name: in the protocol folder, at the path the lab's metadata.json
    recorded, or among the public-domain portraits the lab uses when given no faces folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        metadata = root / "metadata.json"
        self.sources: list[str] | None = (
            [str(s) for s in json.loads(metadata.read_text()).get("faces", [])]
            if metadata.is_file()
            else None
        )
        self.defaults: dict[str, tuple[str, NDArray[np.uint8]]] | None = None

    def image(self, name: str) -> NDArray[np.uint8] | None:
        from unmask.media import read_image

        local = self.root / name
        if local.is_file():
            return read_image(local).image
        recorded = [s for s in self.sources or [] if Path(s).name == name]
        for source in recorded:
            if Path(source).is_file():
                return read_image(source).image
        default = self.default(name)
        if default is None or (self.sources is not None and default[0] not in recorded):
            return None
        return default[1]

    def default(self, name: str) -> tuple[str, NDArray[np.uint8]] | None:
        if self.defaults is None:
            from unmask.lab.faces import default_photos

            self.defaults = {
                Path(source).name: (source, image) for _, image, source in default_photos()
            }
        return self.defaults.get(name)


def embed_photo(image: NDArray[np.uint8]) -> NDArray[np.float32] | None:
    """The descriptor of the largest face in a reference photo (None: no face)."""
    from unmask.face import FaceAnalyzer
    from unmask.media import frame_from_array

    frame = frame_from_array(image)
    faces = FaceAnalyzer(iris=False).analyze(frame)
    if not faces:
        return None
    largest = max(faces, key=lambda face: face.box.area)
    return embed_face(frame.image, largest.box, largest.mesh)


@cache
def probe_maker(max_seconds: float | None) -> ProbeMaker:
    """One recogniser per process and video bound: its models load once."""
    return ProbeMaker(max_seconds=max_seconds)


def main_probe(probes: list[Probe]) -> Probe:
    """The face the presentation is about: the longest-seen track, then the largest face (as
    the PAD engine picks its main face)."""
    return max(
        probes,
        key=lambda p: ((p.last_seen or 0.0) - (p.first_seen or 0.0), p.face.box.area),
    )


@dataclass(frozen=True, eq=False)
class TargetMatcher:
    """Picklable: an entry -> match_score of its main face against its target's templates
    (None when the target has no reference; NoFaceError when the recogniser finds no face)."""

    references: References
    max_seconds: float | None

    def __call__(self, entry: ProtocolEntry) -> float | None:
        templates = self.references.templates.get(entry.target or "")
        if templates is None:
            return None
        probes = probe_maker(self.max_seconds).probes(entry.path)
        if not probes:
            raise NoFaceError(f"{entry.path}: no face found for recognition")
        return -float(distances(main_probe(probes).embedding, templates).min())
