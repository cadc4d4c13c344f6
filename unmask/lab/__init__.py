"""Attack lab: labelled, SIMULATED bona fide and attack presentations from real face photos.

`generate` writes a protocol (videos, extra channels, protocol.csv, metadata.json);
`render_presentation` renders one clip to memory for tests, demos and training loops.
"""

from unmask.lab.faces import FacePhoto, load_identities
from unmask.lab.generate import SIMULATION_NOTE, generate
from unmask.lab.ranges import ATTACKS, RANGES, SPECIES
from unmask.lab.render import Presentation, iter_presentation, render_presentation

__all__ = [
    "ATTACKS",
    "RANGES",
    "SIMULATION_NOTE",
    "SPECIES",
    "FacePhoto",
    "Presentation",
    "generate",
    "iter_presentation",
    "load_identities",
    "render_presentation",
]
