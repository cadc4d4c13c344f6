"""Hatchling build hook: put the MediaPipe face models into every wheel unmask builds.

Why the models are fetched at build time is explained in `face_models.py` beside this file.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

sys.path.insert(0, str(Path(__file__).parent))

from face_models import prepared_models


class FaceModelsHook(BuildHookInterface):  # type: ignore[misc]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        files = prepared_models()
        key = "force_include_editable" if version == "editable" else "force_include"
        build_data.setdefault(key, {}).update(files)
