"""Feature code shared by the liveness cues: texture, frequency, colour, and mesh regions."""

from unmask.liveness.features.colour import colour_features, specular_features
from unmask.liveness.features.lbp import lbp_histograms
from unmask.liveness.features.spectrum import spectrum_features

__all__ = ["colour_features", "lbp_histograms", "spectrum_features", "specular_features"]
