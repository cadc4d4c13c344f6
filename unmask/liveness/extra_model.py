"""Extra models: a single-image PAD network a deployment trusts, plugged in as one more cue.

A network alone is not enough to run it: how the face is cropped, scaled and normalised, and
which output means "bona fide", live in its authors' code, not in the ONNX file. So every
`NAME.onnx` comes with a sidecar `NAME.json` beside it that says so (docs/plugins.md). The
sidecar is checked against the network when loading, and every mismatch is a ModelError: a
wrong channel order or crop would not crash, it would silently give worse scores, which is
worse than refusing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np
from numpy.typing import NDArray

from unmask.errors import ModelError
from unmask.liveness.channels import median_cue
from unmask.types import Box, CueScore, Face, Frame

SIDECAR_KIND = "unmask.extra-model"
SIDECAR_VERSION = 1
CUE_PREFIX = "extra:"
SIDECAR_FIELDS = {
    "kind",
    "version",
    "name",
    "input_name",
    "crop_scale",
    "input_size",
    "channel_order",
    "scale",
    "mean",
    "std",
    "layout",
    "bona_fide_index",
    "softmax",
}


@dataclass(frozen=True)
class Preprocessing:
    """How the network wants its input, as the sidecar states it."""

    crop_scale: float
    height: int
    width: int
    channel_order: Literal["RGB", "BGR"]
    scale: float
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    layout: Literal["NCHW", "NHWC"]
    bona_fide_index: int
    softmax: bool

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> Preprocessing:
        """Every field checked; an unknown or missing one names itself in the error."""
        unknown = sorted(set(data) - SIDECAR_FIELDS)
        if unknown:
            raise ModelError(f"{where}: unknown sidecar field(s) {unknown}; see docs/plugins.md")
        try:
            height, width = (int(v) for v in data["input_size"])
            spec = cls(
                crop_scale=float(data["crop_scale"]),
                height=height,
                width=width,
                channel_order=data["channel_order"],
                scale=float(data.get("scale", 1.0)),
                mean=_triple(data.get("mean", [0.0, 0.0, 0.0])),
                std=_triple(data.get("std", [1.0, 1.0, 1.0])),
                layout=data["layout"],
                bona_fide_index=int(data["bona_fide_index"]),
                softmax=bool(data["softmax"]),
            )
        except KeyError as exc:
            raise ModelError(
                f"{where}: sidecar lacks {exc.args[0]!r}; see docs/plugins.md"
            ) from exc
        except (TypeError, ValueError) as exc:
            raise ModelError(f"{where}: sidecar field has a wrong type or length ({exc})") from exc
        if spec.channel_order not in ("RGB", "BGR"):
            raise ModelError(f"{where}: channel_order must be RGB or BGR")
        if spec.layout not in ("NCHW", "NHWC"):
            raise ModelError(f"{where}: layout must be NCHW or NHWC")
        if spec.crop_scale <= 0 or spec.height < 1 or spec.width < 1 or min(spec.std) <= 0:
            raise ModelError(f"{where}: crop_scale, input_size and std must be positive")
        if spec.bona_fide_index < 0:
            raise ModelError(f"{where}: bona_fide_index must be 0 or more")
        return spec

    def as_dict(self) -> dict[str, Any]:
        return {
            "crop_scale": self.crop_scale,
            "input_size": [self.height, self.width],
            "channel_order": self.channel_order,
            "scale": self.scale,
            "mean": list(self.mean),
            "std": list(self.std),
            "layout": self.layout,
            "bona_fide_index": self.bona_fide_index,
            "softmax": self.softmax,
        }

    def input_shape(self) -> tuple[int, int, int]:
        return (
            (3, self.height, self.width) if self.layout == "NCHW" else (self.height, self.width, 3)
        )


def _triple(values: Any) -> tuple[float, float, float]:
    a, b, c = (float(v) for v in values)
    return (a, b, c)


def sidecar_path(model_path: str | Path) -> Path:
    """`NAME.onnx` -> `NAME.json` in the same folder."""
    return Path(model_path).with_suffix(".json")


def scaled_crop_box(box: Box, scale: float, height: int, width: int) -> tuple[int, int, int, int]:
    """The enlarged box (left, top, right, bottom, inclusive) as Silent-Face-Anti-Spoofing
    computes it: enlarged about its centre, never beyond the image, shifted back inside.

    A different rule (padding, clipping without shifting) moves the face inside the crop, which
    these networks were never trained to see; keeping their rule keeps their scores.
    """
    scale = min((height - 1) / box.h, (width - 1) / box.w, scale)
    new_w, new_h = box.w * scale, box.h * scale
    cx, cy = box.x + box.w / 2, box.y + box.h / 2
    left, top = cx - new_w / 2, cy - new_h / 2
    right, bottom = cx + new_w / 2, cy + new_h / 2
    if left < 0:
        right -= left
        left = 0
    if top < 0:
        bottom -= top
        top = 0
    if right > width - 1:
        left -= right - width + 1
        right = width - 1
    if bottom > height - 1:
        top -= bottom - height + 1
        bottom = height - 1
    return int(left), int(top), int(right), int(bottom)


class ExtraModel:
    """One ONNX PAD network with its sidecar; `score(image, box)` is P(bona fide)."""

    def __init__(self, path: Path, name: str, spec: Preprocessing, sha256: str, session: Any):
        self.path = path
        self.name = name
        self.spec = spec
        self.sha256 = sha256
        self.session = session
        self.input_name: str = session.get_inputs()[0].name

    @property
    def cue(self) -> str:
        return CUE_PREFIX + self.name

    @property
    def identity(self) -> dict[str, Any]:
        """What a calibrated PAD model records, to refuse later a different network or recipe."""
        return {"name": self.name, "sha256": self.sha256, "preprocessing": self.spec.as_dict()}

    @classmethod
    def load(cls, path: str | Path) -> ExtraModel:
        """Read `path` (ONNX) and its sidecar; ModelError on anything missing or inconsistent."""
        model_path = Path(path)
        if not model_path.is_file():
            raise ModelError(f"extra model not found: {model_path}")
        side = sidecar_path(model_path)
        if not side.is_file():
            raise ModelError(
                f"{model_path}: no sidecar {side.name} beside it (crop, input and output "
                "conventions; see docs/plugins.md)"
            )
        try:
            document = json.loads(side.read_text())
        except (OSError, ValueError) as exc:
            raise ModelError(f"{side}: not readable JSON ({exc})") from exc
        if not isinstance(document, dict) or document.get("kind") != SIDECAR_KIND:
            raise ModelError(f"{side}: not an extra-model sidecar (kind must be {SIDECAR_KIND!r})")
        if document.get("version") != SIDECAR_VERSION:
            raise ModelError(
                f"{side}: sidecar version {document.get('version')!r}, this unmask reads "
                f"{SIDECAR_VERSION}"
            )
        spec = Preprocessing.from_dict(document, str(side))
        name = str(document.get("name") or model_path.stem)
        data = model_path.read_bytes()
        session = _open_session(data, model_path)
        model = cls(model_path, name, spec, hashlib.sha256(data).hexdigest(), session)
        model._check_against_network(document.get("input_name"))
        return model

    def _check_against_network(self, input_name: Any) -> None:
        """Input rank, static sizes, and the output length the bona fide index points into."""
        inputs = self.session.get_inputs()
        if input_name is not None:
            names = [i.name for i in inputs]
            if input_name not in names:
                raise ModelError(f"{self.path}: no input named {input_name!r} (has {names})")
            self.input_name = str(input_name)
        elif len(inputs) != 1:
            raise ModelError(f"{self.path}: {len(inputs)} inputs; name one with input_name")
        shape = next(i.shape for i in inputs if i.name == self.input_name)
        wanted = self.spec.input_shape()
        if len(shape) != 4 or any(
            isinstance(got, int) and got != want
            for got, want in zip(shape[1:], wanted, strict=True)
        ):
            raise ModelError(
                f"{self.path}: network input is {shape}, the sidecar ({self.spec.layout}, "
                f"input_size {[self.spec.height, self.spec.width]}) describes N x "
                f"{' x '.join(map(str, wanted))}"
            )
        probe = self.run(np.zeros((1, *wanted), dtype=np.float32))
        if self.spec.bona_fide_index >= probe.shape[1]:
            raise ModelError(
                f"{self.path}: bona_fide_index {self.spec.bona_fide_index} but the network has "
                f"{probe.shape[1]} output(s)"
            )

    def run(self, batch: NDArray[np.float32]) -> NDArray[np.float64]:
        """Raw first output as (N, K)."""
        try:
            output = self.session.run(None, {self.input_name: batch})[0]
        except Exception as exc:  # onnxruntime raises its own exception types, none shared
            raise ModelError(f"{self.path}: the network failed on its input ({exc})") from exc
        return np.asarray(output, dtype=np.float64).reshape(len(batch), -1)

    def tensor(self, image: NDArray[np.uint8], box: Box) -> NDArray[np.float32]:
        """The network's input for one face of an RGB image (one item, no batch axis)."""
        spec = self.spec
        height, width = image.shape[:2]
        left, top, right, bottom = scaled_crop_box(box, spec.crop_scale, height, width)
        crop = image[top : bottom + 1, left : right + 1]
        if spec.channel_order == "BGR":
            crop = crop[..., ::-1]
        resized = cv2.resize(np.ascontiguousarray(crop), (spec.width, spec.height))
        mean = np.array(spec.mean, dtype=np.float32)
        std = np.array(spec.std, dtype=np.float32)
        pixels = (resized.astype(np.float32) * np.float32(spec.scale) - mean) / std
        out = pixels.transpose(2, 0, 1) if spec.layout == "NCHW" else pixels
        return np.ascontiguousarray(out, dtype=np.float32)

    def probability(self, image: NDArray[np.uint8], box: Box) -> float:
        """P(bona fide) for one face: softmax of the outputs if the sidecar says so, else as is."""
        if box.w <= 0 or box.h <= 0:
            raise ModelError(f"{self.name}: face box has no area ({box.as_list()})")
        raw = self.run(self.tensor(image, box)[None].astype(np.float32))[0]
        if self.spec.softmax:
            shifted = np.exp(raw - raw.max())
            raw = shifted / shifted.sum()
        value = float(raw[self.spec.bona_fide_index])
        if not 0.0 <= value <= 1.0:
            raise ModelError(
                f"{self.name}: output {value:.3g} is not a probability; set softmax true in "
                f"{sidecar_path(self.path).name} if the network gives logits"
            )
        return value


def _open_session(data: bytes, path: Path) -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    try:
        return onnxruntime.InferenceSession(
            data, sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises its own exception types, none shared
        raise ModelError(f"{path}: not a readable ONNX model ({exc})") from exc


def load_extra_models(paths: Sequence[str | Path]) -> list[ExtraModel]:
    """Load every model; two with one cue name would overwrite each other, so that is refused."""
    models = [ExtraModel.load(path) for path in paths]
    names = [m.name for m in models]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ModelError(f"extra models share the name(s) {twice}; give each a sidecar name")
    return models


def extra_cue(views: Sequence[tuple[Frame, Face | Box]], model: ExtraModel) -> CueScore:
    """The model's median P(bona fide) over a track's best frames."""
    identity = {"model": model.name, "sha256": model.sha256[:12]}
    if not views:
        return CueScore(model.cue, None, reason="no face frame to score", evidence=identity)
    scores = []
    for frame, face in views:
        box = face.box if isinstance(face, Face) else face
        p = model.probability(frame.image, box)
        scores.append(
            CueScore(
                model.cue,
                p,
                confidence=round(abs(2.0 * p - 1.0), 4),
                evidence={**identity, "p_bona_fide": round(p, 4)},
            )
        )
    return median_cue(model.cue, scores)
