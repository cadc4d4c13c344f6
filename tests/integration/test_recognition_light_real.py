"""Real ORL faces lit hard from one side (SIMULATED light, unmask.identity.relight): the
detector still finds every face and unmask's descriptor still names the person, against a
gallery of ten real people (benchmarks/recognition_light.py measures the whole set)."""

from __future__ import annotations

import numpy as np

from tests.shared import shared_path
from unmask.face import FaceAnalyzer
from unmask.identity.embedder import embed_face
from unmask.identity.lighting import side_asymmetry
from unmask.identity.relight import relight
from unmask.media import read_image

GALLERY_PEOPLE = 10
PROBES = [("s2", "4", 80.0), ("s5", "7", -80.0), ("s7", "3", 80.0), ("s9", "6", -80.0)]


def test_side_lit_faces_are_found_and_named():
    orl = shared_path("faces", "orl")
    analyzer = FaceAnalyzer(iris=False)

    def largest(image):
        faces = analyzer.analyze(image)
        assert faces, "face missed"
        return max(faces, key=lambda f: f.box.area)

    names, vectors = [], []
    for number in range(1, GALLERY_PEOPLE + 1):
        image = read_image(orl / f"s{number}" / "1.pgm").image
        face = largest(image)
        names.append(f"s{number}")
        vectors.append(embed_face(image, face.box, face.mesh))
    gallery = np.stack(vectors)
    for person, picture, azimuth in PROBES:
        image = read_image(orl / person / f"{picture}.pgm").image
        lit = relight(image, largest(image).mesh, azimuth)
        face = largest(lit)
        assert side_asymmetry(lit, face.mesh) > side_asymmetry(image, face.mesh) + 0.1
        probe = embed_face(lit, face.box, face.mesh)
        assert names[int(np.argmin(np.linalg.norm(gallery - probe, axis=1)))] == person
