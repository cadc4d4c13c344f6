"""Identity: dlib ResNet descriptors, the SQLite gallery, 1:1 verify and 1:N identify."""

from unmask.identity.embedder import embed_face
from unmask.identity.gallery import Gallery, IdentityRecord, Template
from unmask.identity.matching import Candidate, identify, verify
from unmask.identity.probes import Probe, ProbeMaker
from unmask.identity.thresholds import DEFAULT_FMR, threshold_for_fmr

__all__ = [
    "DEFAULT_FMR",
    "Candidate",
    "Gallery",
    "IdentityRecord",
    "Probe",
    "ProbeMaker",
    "Template",
    "embed_face",
    "identify",
    "threshold_for_fmr",
    "verify",
]
