"""The attack lab on the real shared data: welltory PPG templates, and a --faces folder of real
photos (one identity per sub-folder). Skipped when ../shared/data is absent."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from tests.shared import shared_path
from unmask.lab import generate
from unmask.lab.waveform import make_pulse, welltory_library

pytestmark = pytest.mark.integration


def test_welltory_gives_real_beat_shapes_and_rr_series() -> None:
    shared_path("pulse", "welltory")
    library = welltory_library()
    assert len(library) >= 10
    for name, rr, shape in library:
        assert 0.4 < float(np.median(rr)) < 1.5, name  # 40-150 bpm resting recordings
        peak = int(np.argmax(shape))
        assert peak < 0.6 * len(shape), name  # systolic upstroke early in the beat
    pulse = make_pulse(
        np.random.default_rng(0), 70.0, 20.0, 40.0, 0.25,
        {"notch_depth": 0.3, "diastolic_ratio": 0.4, "systolic_phase": 0.18},
    )  # fmt: skip
    assert pulse.source.startswith("welltory/")
    assert pulse.rate(0, 20) == pytest.approx(70.0, rel=0.1)


def test_generate_from_a_folder_of_real_identities(tmp_path: Path) -> None:
    faces = shared_path("faces", "face_recognition", "knn_examples", "train")
    protocol = generate(
        tmp_path, faces=faces, species=("bona_fide", "mask_silicone"), clips=2,
        seconds=0.4, fps=10, size=(160, 120), seed=2,
    )  # fmt: skip
    with protocol.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    folders = {p.name for p in faces.iterdir() if p.is_dir()}
    assert len(rows) == 4
    for row in rows:
        assert row["subject"] in folders and row["target"] in folders
        assert (tmp_path / row["path"]).stat().st_size > 0
        if row["label"] == "mask_silicone":
            assert row["subject"] != row["target"]
    # Real photos and more than two identities: splits are subject-disjoint.
    assert {row["split"] for row in rows} <= {"train", "dev", "test"}
