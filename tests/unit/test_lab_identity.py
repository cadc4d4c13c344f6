"""Identity check: an attack presentation must look like its target to a recogniser without PAD
(the dlib ResNet of unmask.identity), else the lab would test PAD against attacks that a
recogniser alone already rejects. benchmarks/lab.py identity reports the share over more clips."""

from __future__ import annotations

import numpy as np
import pytest

from unmask.lab import load_identities, render_presentation
from unmask.media import frame_from_array

identity = pytest.importorskip("unmask.identity")
face = pytest.importorskip("unmask.face")


def embedding(image: np.ndarray) -> np.ndarray:
    faces = face.FaceAnalyzer(mesh=False, iris=False).analyze(frame_from_array(image))
    assert faces, "no face found in the presentation"
    best = max(faces, key=lambda f: f.box.area)
    return np.asarray(identity.embed_face(image, best.box))


@pytest.mark.parametrize("species", ["print", "replay", "mask_rigid", "mask_silicone"])
def test_attacks_match_their_target_not_their_wearer(species: str) -> None:
    people, _ = load_identities(None)
    wearer, target = people["grace_hopper"][0], people["eileen_collins"][0]
    clip = render_presentation(species, wearer, target, seconds=0.3, fps=10, seed=31)
    probe = embedding(clip.frames[1])
    to_target = float(np.linalg.norm(probe - embedding(target.image)))
    to_wearer = float(np.linalg.norm(probe - embedding(wearer.image)))
    assert to_target <= identity.threshold_for_fmr(identity.DEFAULT_FMR)
    assert to_target < to_wearer
