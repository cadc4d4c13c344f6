"""`unmask pad adapt`: move a PAD model to a site's camera with that camera's bona fide
captures alone.

Attack captures from a given site are rare; living faces walk past the camera all day. A few
minutes of them say how this camera shifts each cue (see `FusionModel.adapted`). Part of the
captures is held out, by person folder, so the report says what the adaptation did for faces
it did not see.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from unmask.errors import InputError
from unmask.evaluation.protocols.base import ProtocolEntry
from unmask.evaluation.protocols.walk import media_files
from unmask.liveness.fusion import FusionModel
from unmask.liveness.levels import LEVEL_NAMES
from unmask.liveness.model import DEFAULT_MODEL_DIR, RECAPTURE_FILE, PadModel
from unmask.liveness.training import Observed, ObserveJob, with_surface
from unmask.parallel import parallel_map
from unmask.species import BONA_FIDE
from unmask.types import CueScore


def site_entries(folder: Path) -> list[ProtocolEntry]:
    """Every image and video under `folder`; the person is the sub-folder a file sits in
    (files directly in `folder` each count as their own person)."""
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder of bona fide captures")
    entries = [
        ProtocolEntry(
            path=path,
            label=BONA_FIDE,
            subject=path.parent.name if path.parent != folder else path.name,
        )
        for path in media_files(folder)
    ]
    if not entries:
        raise InputError(f"{folder}: no images or videos found")
    return entries


def held_out(subject: str, seed: int, share: float) -> bool:
    key = f"{seed}:{subject}".encode()
    return int(hashlib.sha256(key).hexdigest()[:8], 16) / 0xFFFFFFFF < share


def refusal_rates(
    fusion: FusionModel, presentations: Sequence[dict[str, CueScore]]
) -> dict[str, float | None]:
    """BPCER per level: the share of these living faces not accepted."""
    if not presentations:
        return dict.fromkeys(LEVEL_NAMES)
    return {
        level: sum(fusion.decide(cues, level)[0] != BONA_FIDE for cues in presentations)
        / len(presentations)
        for level in LEVEL_NAMES
    }


def adapt_model(
    model: PadModel,
    folder: Path,
    *,
    model_path: str | None = None,
    test_share: float = 0.3,
    seed: int = 0,
    workers: int | None = None,
    max_seconds: float | None = None,
    progress: bool = True,
) -> tuple[PadModel, dict[str, Any]]:
    """The adapted model and a report: per-cue shifts, and BPCER per level before and after
    on the held-out part of the site's captures."""
    entries = site_entries(folder)
    home = Path(model_path) if model_path else DEFAULT_MODEL_DIR
    recapture = str(home / RECAPTURE_FILE) if model.recapture is not None else None
    observed: list[Observed] = parallel_map(
        ObserveJob(str(folder), max_seconds, model_path, recapture=recapture),
        entries,
        workers=workers,
        description="observing site captures",
        progress=progress,
    )
    usable = [
        (with_surface(o, model.surface), held_out(e.subject or "", seed, test_share))
        for o, e in zip(observed, entries, strict=True)
        if o.error is None
    ]
    fitting = [cues for cues, test in usable if not test]
    testing = [cues for cues, test in usable if test]
    if not fitting:
        raise InputError(f"{folder}: no face found in any capture to adapt on")
    fusion, shifts = model.fusion.adapted(fitting)
    provenance = {
        **model.provenance,
        "adapted": {
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "site_captures": len(fitting),
            "held_out_captures": len(testing),
            "base_model": model.identity,
            "shifts": shifts,
        },
    }
    report = {
        "captures": len(entries),
        "failures": {o.path: o.error for o in observed if o.error is not None},
        "adapted_on": len(fitting),
        "held_out": len(testing),
        "shifts": shifts,
        "bpcer_before": refusal_rates(model.fusion, testing),
        "bpcer_after": refusal_rates(fusion, testing),
    }
    adapted = PadModel(
        surface=model.surface,
        fusion=fusion,
        provenance=provenance,
        extra_models=model.extra_models,
        recapture=model.recapture,
    )
    return adapted, report
