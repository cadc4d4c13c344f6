"""Package namespaces whose names load on first use.

`import unmask` and every submodule import run their package's `__init__`; keeping those cheap
is what keeps a CLI call like `unmask verify` from paying for plotting and statistics code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` resolving each exported name from its module when first asked."""

    def resolve(name: str) -> Any:
        if name in exports:
            return getattr(import_module(exports[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return resolve
