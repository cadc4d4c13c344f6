"""Attack lab: labelled, SIMULATED bona fide and attack presentations from real face photos.

`generate` writes a protocol (videos, extra channels, protocol.csv, metadata.json);
`render_presentation` renders one clip to memory for tests, demos and training loops.
"""

from typing import TYPE_CHECKING

from unmask.lazy import lazy_exports

if TYPE_CHECKING:
    from unmask.lab.faces import FacePhoto as FacePhoto
    from unmask.lab.faces import load_identities as load_identities
    from unmask.lab.generate import generate as generate
    from unmask.lab.names import SIMULATION_NOTE as SIMULATION_NOTE
    from unmask.lab.names import SPECIES as SPECIES
    from unmask.lab.ranges import ATTACKS as ATTACKS
    from unmask.lab.ranges import RANGES as RANGES
    from unmask.lab.render import Presentation as Presentation
    from unmask.lab.render import iter_presentation as iter_presentation
    from unmask.lab.render import render_presentation as render_presentation

# Resolved on first use, so `unmask lab --help` pays for no rendering code.
EXPORTS = {
    "ATTACKS": "unmask.lab.ranges",
    "FacePhoto": "unmask.lab.faces",
    "Presentation": "unmask.lab.render",
    "RANGES": "unmask.lab.ranges",
    "SIMULATION_NOTE": "unmask.lab.names",
    "SPECIES": "unmask.lab.names",
    "generate": "unmask.lab.generate",
    "iter_presentation": "unmask.lab.render",
    "load_identities": "unmask.lab.faces",
    "render_presentation": "unmask.lab.render",
}

__getattr__ = lazy_exports(__name__, EXPORTS)

__all__ = sorted(EXPORTS)
