"""Identity: dlib ResNet descriptors, the SQLite gallery, 1:1 verify and 1:N identify."""

from typing import TYPE_CHECKING

from unmask.lazy import lazy_exports

if TYPE_CHECKING:
    from unmask.identity.embedder import embed_face as embed_face
    from unmask.identity.gallery import Gallery as Gallery
    from unmask.identity.gallery import IdentityRecord as IdentityRecord
    from unmask.identity.gallery import Template as Template
    from unmask.identity.matching import Candidate as Candidate
    from unmask.identity.matching import identify as identify
    from unmask.identity.matching import verify as verify
    from unmask.identity.probes import Probe as Probe
    from unmask.identity.probes import ProbeMaker as ProbeMaker
    from unmask.identity.thresholds import DEFAULT_FMR as DEFAULT_FMR
    from unmask.identity.thresholds import threshold_for_fmr as threshold_for_fmr

# Resolved on first use, so a CLI command that only parses its arguments stays cheap.
EXPORTS = {
    "Candidate": "unmask.identity.matching",
    "DEFAULT_FMR": "unmask.identity.thresholds",
    "Gallery": "unmask.identity.gallery",
    "IdentityRecord": "unmask.identity.gallery",
    "Probe": "unmask.identity.probes",
    "ProbeMaker": "unmask.identity.probes",
    "Template": "unmask.identity.gallery",
    "embed_face": "unmask.identity.embedder",
    "identify": "unmask.identity.matching",
    "threshold_for_fmr": "unmask.identity.thresholds",
    "verify": "unmask.identity.matching",
}

__getattr__ = lazy_exports(__name__, EXPORTS)

__all__ = sorted(EXPORTS)
