"""The PAD model file: the surface classifier, the fusion, and where they came from.

A model is a folder with `pad.json` (format version, provenance, fusion and levels) and
`surface.npz` (the trained surface classifier). The package ships one made by
`unmask pad train`; `pad.json` records the data and the command, so anyone can rebuild it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from unmask.errors import ModelError
from unmask.liveness.fusion import FusionModel
from unmask.liveness.surface import SurfaceModel

FORMAT_VERSION = 1
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "models" / "default"


@dataclass
class PadModel:
    surface: SurfaceModel | None
    fusion: FusionModel
    provenance: dict[str, Any] = field(default_factory=dict)

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
        surface = None
        if document.get("surface"):
            surface_path = header.parent / document["surface"]["file"]
            if not surface_path.is_file() or digest(surface_path) != document["surface"]["sha256"]:
                raise ModelError(
                    f"{surface_path}: missing or altered (checksum differs from pad.json)"
                )
            surface = SurfaceModel.load(surface_path)
        return cls(
            surface=surface,
            fusion=FusionModel.from_dict(document["fusion"]),
            provenance=dict(document.get("provenance", {})),
        )


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
