"""Reading and building RGB traces."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from unmask.errors import InputError, MediaNotFoundError
from unmask.pulse import read_rgb_csv, trace_from_samples


def test_reads_welltory_format(tmp_path: Path) -> None:
    path = tmp_path / "PPG.csv"
    path.write_text("time,R,G,B\n0,252.6,0.0,0.01\n39,252.5,0.0,0.01\n62,252.2,0.0,0.01\n")
    trace = read_rgb_csv(path)
    assert trace.times.tolist() == pytest.approx([0.0, 0.039, 0.062])
    assert trace.rgb.shape == (3, 3)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("t,R,G,B\n0,1,2,3\n1,1,2,3\n", "missing time"),
        ("time,R,G,B\n0,1,x,3\n1,1,2,3\n", "not a number"),
        ("time,R,G,B\n0,1,2,3\n", "fewer than two"),
    ],
)
def test_bad_csv_is_an_input_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_rgb_csv(path)


def test_missing_csv() -> None:
    with pytest.raises(MediaNotFoundError):
        read_rgb_csv("/nonexistent/trace.csv")


def test_samples_are_sorted_and_repeated_times_dropped() -> None:
    trace = trace_from_samples([0.2, 0.0, 0.1, 0.1], [(3, 3, 3), (1, 1, 1), (2, 2, 2), (9, 9, 9)])
    assert trace.times.tolist() == [0.0, 0.1, 0.2]
    assert trace.rgb[:, 0].tolist() == [1.0, 2.0, 3.0]
    assert trace.frame_rate == pytest.approx(10.0)
    assert trace.since(0.1).times.tolist() == [0.1, 0.2]


def test_shape_mismatch_is_refused() -> None:
    with pytest.raises(InputError):
        trace_from_samples(np.arange(3.0), np.zeros((4, 3)))
