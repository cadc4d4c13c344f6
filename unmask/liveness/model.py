"""The PAD model file: the surface and recapture classifiers, the fusion, and their provenance.

A model is a folder with `pad.json` (format version, provenance, fusion and levels),
`surface.npz` (the trained surface classifier) and `recapture.npz` (the recapture classifier,
scripts/train_recapture.py). The package ships one made by `unmask pad train`; `pad.json`
records the data and the command, so anyone can rebuild it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from unmask.errors import ModelError
from unmask.liveness.fusion import FusionModel
from unmask.liveness.recapture import RecaptureModel
from unmask.liveness.surface import SurfaceModel

FORMAT_VERSION = 1
RECAPTURE_FILE = "recapture.npz"
T = TypeVar("T")
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "models" / "default"


@dataclass
class PadModel:
    surface: SurfaceModel | None
    fusion: FusionModel
    provenance: dict[str, Any] = field(default_factory=dict)
    recapture: RecaptureModel | None = None

    def save(self, folder: str | Path) -> Path:
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        document: dict[str, Any] = {
            "kind": "unmask.pad",
            "format_version": FORMAT_VERSION,
            "provenance": self.provenance,
            "fusion": self.fusion.to_dict(),
            "surface": None,
        }
        if self.surface is not None:
            surface_path = self.surface.save(target / "surface.npz")
            document["surface"] = {"file": surface_path.name, "sha256": digest(surface_path)}
        if self.recapture is not None:
            recapture_path = self.recapture.save(target / RECAPTURE_FILE)
            document["recapture"] = {"file": recapture_path.name, "sha256": digest(recapture_path)}
        (target / "pad.json").write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
        return target

    @classmethod
    def load(cls, folder: str | Path) -> PadModel:
        target = Path(folder)
        header = target / "pad.json" if target.is_dir() else target
        try:
            document = json.loads(header.read_text())
        except FileNotFoundError as exc:
            raise ModelError(f"no PAD model at {folder} (expected a folder with pad.json)") from exc
        except (OSError, ValueError) as exc:
            raise ModelError(f"{header}: not a readable PAD model ({exc})") from exc
        if document.get("kind") != "unmask.pad":
            raise ModelError(f"{header}: not an unmask PAD model")
        if document.get("format_version") != FORMAT_VERSION:
            raise ModelError(
                f"{header}: PAD model format {document.get('format_version')}, this unmask reads "
                f"{FORMAT_VERSION}; retrain it with `unmask pad train`"
            )
        surface = checked(header.parent, document.get("surface"), SurfaceModel.load)
        recapture = checked(header.parent, document.get("recapture"), RecaptureModel.load)
        if "recapture" not in document and (header.parent / RECAPTURE_FILE).is_file():
            # A recapture model dropped beside a pad.json that predates it: used until the
            # fusion is recalibrated with it and pad.json names it.
            recapture = RecaptureModel.load(header.parent / RECAPTURE_FILE)
        return cls(
            surface=surface,
            fusion=FusionModel.from_dict(document["fusion"]),
            provenance=dict(document.get("provenance", {})),
            recapture=recapture,
        )


def checked(folder: Path, entry: dict[str, str] | None, load: Callable[[Path], T]) -> T | None:
    """The classifier a pad.json entry names, after checking its file against the checksum."""
    if not entry:
        return None
    path = folder / entry["file"]
    if not path.is_file() or digest(path) != entry["sha256"]:
        raise ModelError(f"{path}: missing or altered (checksum differs from pad.json)")
    return load(path)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@cache
def default_model() -> PadModel:
    """The model shipped in the package; a ModelError says how to build one if it is absent."""
    if not (DEFAULT_MODEL_DIR / "pad.json").is_file():
        raise ModelError(
            "no default PAD model is installed; build one with `unmask pad train` and pass --model"
        )
    return PadModel.load(DEFAULT_MODEL_DIR)
