"""Scores CSV: round trip, validation messages that name the line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from unmask.errors import MediaNotFoundError, ProtocolError
from unmask.evaluation import ScoreSet, read_scores, write_scores


def test_round_trip_keeps_everything(tmp_path: Path) -> None:
    original = ScoreSet.from_columns(
        ["bona_fide", "Print", "live"],
        [0.25, np.nan, 1e-9],
        paths=["a.jpg", "b.jpg", "c.jpg"],
        subjects=["s1", None, "s2"],
        targets=[None, "s1", "s2"],
        match_scores=[np.nan, 0.5, 0.75],
        extra={"session": ["1", "2", "3"]},
    )
    path = write_scores(original, tmp_path / "scores.csv")
    again = read_scores(path)
    assert list(again.labels) == ["bona_fide", "print", "bona_fide"]
    np.testing.assert_array_equal(again.scores, original.scores)
    np.testing.assert_array_equal(again.match_scores, original.match_scores)
    assert list(again.subjects) == ["s1", None, "s2"]
    assert list(again.targets) == [None, "s1", "s2"]
    assert again.extra == {"session": ["1", "2", "3"]}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("path,label\na,bona_fide\n", "missing column"),
        ("path,label,score\na,bona_fide,0.1\nb,bona fide!,0.2\n", ":3: label"),
        ("path,label,score\na,print,high\n", ":2: score 'high' is not a number"),
        ("path,label,score\na,print,inf\n", "not finite"),
        ("path,label,score\na,print,0.1,extra\n", ":2: more fields"),
        ("path,label,score\n", "no presentations"),
    ],
)
def test_invalid_files_name_the_problem(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(ProtocolError, match=message):
        read_scores(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MediaNotFoundError):
        read_scores(tmp_path / "nope.csv")


def test_subset_keeps_rows_in_order() -> None:
    scores = ScoreSet.from_columns(
        ["bona_fide", "print", "replay"], [0.1, 0.2, 0.3], extra={"split": ["dev", "test", "test"]}
    )
    part = scores.subset([2, 1])
    assert list(part.labels) == ["replay", "print"]
    assert part.extra == {"split": ["test", "test"]}
    np.testing.assert_array_equal(part.scores, [0.3, 0.2])
