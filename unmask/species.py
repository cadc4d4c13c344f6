"""PAI species: the vocabulary the lab, the cues, the fusion and every protocol reader share.

APCER is reported per species (ISO/IEC 30107-3), so the names must agree across datasets for
results to be comparable; readers translate their own labels into these, and the rest of
unmask names the genuine class through `BONA_FIDE` rather than spelling it out.
"""

from __future__ import annotations

import re
from typing import Final

BONA_FIDE: Final = "bona_fide"

#: The species unmask knows by name. Other names are accepted (a lab may split "print" into
#: "print_glossy" and "print_matte"), but readers only ever emit these.
KNOWN_SPECIES: dict[str, str] = {
    BONA_FIDE: "a live, unaltered face (not an attack)",
    "print": "a printed photo (paper, poster, photo print), flat or curved",
    "replay": "a photo or video shown on a screen (phone, tablet, monitor)",
    "mask_rigid": "a rigid 3D mask or head replica (resin, plaster, 3D print, mannequin)",
    "mask_silicone": "a flexible silicone or latex mask",
    "mask_paper": "a paper or cloth mask (a print cut and worn)",
    "makeup": "cosmetic, impersonation or obfuscation makeup",
    "partial": "a partial attack: glasses, a cut-out over part of the face",
    "other": "an attack of an undocumented or unknown type",
}

_BONA_FIDE_ALIASES = frozenset({"bona_fide", "bonafide", "bona-fide", "live", "real", "genuine"})
_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")


def normalize_label(raw: str) -> str | None:
    """The canonical label for `raw`, or None when it cannot be a species name.

    Bona fide has several spellings in the wild ("live", "real", "genuine"); they all mean the
    same thing and must pool, so they collapse to `bona_fide`. Attack names are lower-cased.
    """
    label = raw.strip().lower().replace(" ", "_")
    if label in _BONA_FIDE_ALIASES:
        return BONA_FIDE
    return label if _NAME.match(label) else None


def is_known_label(label: str) -> bool:
    """A canonical label unmask knows, or a named variant of one (`print_glossy`): a folder
    called `prnt` is a typo to report, not a new species to invent."""
    return label in KNOWN_SPECIES or any(label.startswith(f"{name}_") for name in KNOWN_SPECIES)


def is_attack(label: str) -> bool:
    return label != BONA_FIDE
