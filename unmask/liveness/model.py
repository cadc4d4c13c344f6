"""The PAD model file: the surface and recapture classifiers, the fusion, and their provenance.

A model is a folder with `pad.json` (format version, provenance, fusion and levels),
`surface.npz` (the trained surface classifier) and `recapture.npz` (the recapture classifier,
scripts/train_recapture.py). The package ships one made by `unmask pad train`; `pad.json`
records the data and the command, so anyone can rebuild it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from unmask.errors import ModelError
from unmask.liveness.fusion import FusionModel
from unmask.liveness.recapture import RecaptureModel
from unmask.liveness.surface import SurfaceModel

FORMAT_VERSION = 1
MODELS_DIR = Path(__file__).resolve().parent / "models"
DEFAULT_MODEL_DIR = MODELS_DIR / "default"
#: The shipped model's file digests, written by scripts/build_default_model.sh: a copy whose
#: thresholds were edited (or a damaged install) is refused rather than trusted.
SHIPPED_DIGESTS = MODELS_DIR / "default.sha256.json"
RECAPTURE_FILE = "recapture.npz"


@dataclass
class PadModel:
    surface: SurfaceModel | None
    fusion: FusionModel
    provenance: dict[str, Any] = field(default_factory=dict)
    recapture: RecaptureModel | None = None
    files: dict[str, str] = field(default_factory=dict)
    extra_models: list[dict[str, Any]] = field(default_factory=list)

    @property
    def identity(self) -> str:
        """sha256 of what decides: the fusion, levels and every model file's digest. Printed
        in verdicts so an audit can tell which model made a decision."""
        content = {
            "fusion": self.fusion.to_dict(),
            "files": dict(sorted(self.files.items())),
            "extra_models": self.extra_models,
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()

    def save(self, folder: str | Path) -> Path:
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        document: dict[str, Any] = {
            "kind": "unmask.pad",
            "format_version": FORMAT_VERSION,
            "provenance": self.provenance,
            "fusion": self.fusion.to_dict(),
            "surface": None,
            "extra_models": self.extra_models,
        }
        if self.surface is not None:
            surface_path = self.surface.save(target / "surface.npz")
            document["surface"] = {"file": surface_path.name, "sha256": digest(surface_path)}
            self.files["surface"] = document["surface"]["sha256"]
        if self.recapture is not None:
            recapture_path = self.recapture.save(target / RECAPTURE_FILE)
            document["recapture"] = {"file": recapture_path.name, "sha256": digest(recapture_path)}
            self.files["recapture"] = document["recapture"]["sha256"]
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
        surface = recapture = None
        files = {}
        if document.get("surface"):
            surface = SurfaceModel.load(member_file(header, document["surface"]))
            files["surface"] = document["surface"]["sha256"]
        if document.get("recapture"):
            recapture = RecaptureModel.load(member_file(header, document["recapture"]))
            files["recapture"] = document["recapture"]["sha256"]
        try:
            fusion = FusionModel.from_dict(document["fusion"])
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ModelError(f"{header}: damaged fusion section ({exc!r})") from exc
        return cls(
            surface=surface,
            fusion=fusion,
            provenance=dict(document.get("provenance", {})),
            files=files,
            extra_models=list(document.get("extra_models", [])),
            recapture=recapture,
        )


def check_extra_models(model: PadModel, given: Sequence[Any]) -> None:
    """An extra ONNX model's cue counts only where this PAD model was calibrated with that very
    file: an uncalibrated cue would be silently ignored, a different file silently trusted."""
    calibrated = {entry["name"]: entry for entry in model.extra_models}
    for extra in given:
        entry = calibrated.get(extra.identity["name"])
        if entry is None or extra.cue not in model.fusion.calibration:
            raise ModelError(
                f"extra model {extra.cue} was not calibrated into this PAD model; run `unmask pad "
                f"train ... --extra-model {extra.path}` and use that model with --model"
            )
        if entry.get("sha256") != extra.identity["sha256"]:
            raise ModelError(
                f"{extra.path}: not the file this PAD model was calibrated with (sha256 differs)"
            )


def member_file(header: Path, entry: Any) -> Path:
    """A file a model's pad.json names, checked: a plain name inside the model's folder (a
    name that climbs out of it is refused, never followed) whose sha256 matches."""
    if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
        raise ModelError(f"{header}: damaged file entry {entry!r}")
    name = entry["file"]
    if Path(name).name != name or name in ("", ".", ".."):
        raise ModelError(f"{header}: file name {name!r} leaves the model's folder; refused")
    path = header.parent / name
    if not path.is_file() or digest(path) != entry.get("sha256"):
        raise ModelError(f"{path}: missing or altered (checksum differs from pad.json)")
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def folder_digests(folder: Path) -> dict[str, str]:
    return {path.name: digest(path) for path in sorted(folder.iterdir()) if path.is_file()}


def seal_default_model() -> Path:
    """Record the shipped model's digests in the package (run by the build script)."""
    SHIPPED_DIGESTS.write_text(
        json.dumps(folder_digests(DEFAULT_MODEL_DIR), indent=2, sort_keys=True) + "\n"
    )
    return SHIPPED_DIGESTS


@cache
def default_model() -> PadModel:
    """The model shipped in the package, verified against the digests shipped beside it."""
    if not (DEFAULT_MODEL_DIR / "pad.json").is_file():
        raise ModelError(
            "no default PAD model is installed; build one with `unmask pad train` and pass --model"
        )
    try:
        expected = json.loads(SHIPPED_DIGESTS.read_text())
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"{SHIPPED_DIGESTS}: the shipped model's checksums are missing or unreadable; "
            "reinstall unmask or rebuild with scripts/build_default_model.sh"
        ) from exc
    found = folder_digests(DEFAULT_MODEL_DIR)
    altered = sorted(
        name for name in expected.keys() | found.keys() if expected.get(name) != found.get(name)
    )
    if altered:
        raise ModelError(
            f"the shipped PAD model differs from its recorded checksums ({', '.join(altered)}); "
            "reinstall unmask, or pass your own model with --model"
        )
    return PadModel.load(DEFAULT_MODEL_DIR)
