"""Public-domain faces that ship inside our dependencies, so a fresh clone can run end to end.

scikit-image's `astronaut` is Eileen Collins (NASA) and matplotlib's sample `grace_hopper.jpg`
is Grace Hopper (US Navy): two identities, enough for a wearer and a target. scikit-image is
the optional `demo` extra (60 MB for one portrait), so its absence is said plainly.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from unmask.errors import InputError
from unmask.media import read_image


def bundled_faces() -> dict[str, NDArray[np.uint8]]:
    """Name -> RGB uint8 portrait."""
    from matplotlib import cbook

    try:
        from skimage import data
    except ImportError as exc:
        raise InputError(
            "the bundled second portrait comes from scikit-image, which is not installed: "
            "pip install 'unmask[demo]'"
        ) from exc
    hopper = read_image(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)).image
    return {"eileen_collins": np.ascontiguousarray(data.astronaut()), "grace_hopper": hopper}
