"""Plain JSON values from what unmask computes, for the CLI's documents and the service's stream."""

from __future__ import annotations

import math
import sys
from typing import Any


def json_ready(value: Any) -> Any:
    """Turn numpy scalars/arrays and non-finite floats into plain JSON values.

    numpy is looked up, not imported: if nothing loaded it, no value can be one of its types,
    and `unmask --help` stays free of it.
    """
    np = sys.modules.get("numpy")
    if isinstance(value, dict):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(item) for item in value]
    if np is not None and isinstance(value, np.ndarray):
        return json_ready(value.tolist())
    if np is not None and isinstance(value, np.generic):
        return json_ready(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
