"""`read_protocol(kind_or_path, root)`: one entry point for every protocol unmask can read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from unmask.errors import ProtocolError
from unmask.evaluation.protocols.base import Protocol, read_protocol_csv
from unmask.evaluation.protocols.local import (
    read_deepface_pairs,
    read_nuaa,
    read_orl,
    read_silent_face,
    read_siw_mv2_demo,
)
from unmask.evaluation.protocols.published import (
    read_3dmad,
    read_celeba_spoof,
    read_hkbu_mars,
    read_oulu_npu,
    read_replay_attack,
    read_siw_m,
    read_wmca,
)


def read_lab(root: Path) -> Protocol:
    """The attack lab's output folder: its `protocol.csv` is in the generic format (with every
    sampled render parameter, and `simulated`, as extra columns)."""
    return read_protocol_csv(Path(root) / "protocol.csv")


READERS: dict[str, Callable[[Path], Protocol]] = {
    "lab": read_lab,
    "nuaa": read_nuaa,
    "silent-face": read_silent_face,
    "siw-mv2-demo": read_siw_mv2_demo,
    "deepface": read_deepface_pairs,
    "orl": read_orl,
    "3dmad": read_3dmad,
    "hkbu-mars": read_hkbu_mars,
    "wmca": read_wmca,
    "oulu-npu": read_oulu_npu,
    "replay-attack": read_replay_attack,
    "siw-m": read_siw_m,
    "celeba-spoof": read_celeba_spoof,
}

#: Paths of the shared data folder name datasets as `pad/nuaa`, `faces/orl`: accept those too.
_ALIASES = {
    "pad/nuaa": "nuaa",
    "pad/silent-face": "silent-face",
    "pad/siw-mv2-demo": "siw-mv2-demo",
    "faces/deepface": "deepface",
    "faces/orl": "orl",
}


def protocol_kinds() -> list[str]:
    return ["csv", *READERS]


def read_protocol(kind_or_path: str | Path, root: str | Path | None = None) -> Protocol:
    """A protocol from a dataset kind (`"nuaa"`, `"oulu-npu"`, ...) and its root folder, or from
    a generic protocol CSV path (then `root` is ignored: paths are relative to the CSV).
    """
    text = str(kind_or_path)
    kind = _ALIASES.get(text.lower().strip("/"), text.lower())
    if kind in READERS:
        if root is None:
            raise ProtocolError(f"protocol kind {kind!r} needs the dataset's root folder")
        return READERS[kind](Path(root))
    if text.lower().endswith(".csv") or Path(text).is_file():
        return read_protocol_csv(text)
    raise ProtocolError(
        f"unknown protocol {text!r}: give a protocol CSV or one of {', '.join(protocol_kinds())}"
    )
