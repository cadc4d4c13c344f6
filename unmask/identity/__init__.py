"""Identity: dlib ResNet descriptors, the gallery (SQLite or PostgreSQL), 1:1 verify and 1:N
identify."""

from typing import TYPE_CHECKING

from unmask.lazy import lazy_exports

if TYPE_CHECKING:
    from unmask.identity.embedder import embed_face as embed_face
    from unmask.identity.galleries import open_gallery as open_gallery
    from unmask.identity.galleries import rotate_template_key as rotate_template_key
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
    "open_gallery": "unmask.identity.galleries",
    "rotate_template_key": "unmask.identity.galleries",
    "threshold_for_fmr": "unmask.identity.thresholds",
    "verify": "unmask.identity.matching",
}

__getattr__ = lazy_exports(__name__, EXPORTS)

__all__ = sorted(EXPORTS)
