"""Scores files: one row per presentation, the input to every metric.

Format (CSV with a header): `path,label,score` and optionally `subject,target,match_score`;
other columns are kept. `score` is higher for bona fide; an empty score means the system gave
none (failure to process) and is counted, not guessed. `match_score` is the recogniser's
comparison score of the presentation against `target` (higher = more similar).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from unmask.errors import MediaNotFoundError, ProtocolError
from unmask.evaluation.bootstrap import present_mask, unit_codes
from unmask.species import BONA_FIDE, normalize_label

REQUIRED_COLUMNS = ("path", "label", "score")
OPTIONAL_COLUMNS = ("subject", "target", "match_score")


@dataclass(frozen=True, eq=False)
class ScoreSet:
    """Column arrays of a scores file (one entry per presentation, same order as the file)."""

    paths: NDArray[np.str_]
    labels: NDArray[np.str_]
    scores: NDArray[np.float64]
    subjects: NDArray[np.object_]
    targets: NDArray[np.object_]
    match_scores: NDArray[np.float64]
    extra: dict[str, list[str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.scores.shape[0])

    @property
    def scored(self) -> NDArray[np.bool_]:
        return ~np.isnan(self.scores)

    @property
    def is_bona_fide(self) -> NDArray[np.bool_]:
        return self.labels == BONA_FIDE

    @cached_property
    def species(self) -> list[str]:
        """Attack species present, in a stable (sorted) order."""
        return [str(label) for label in np.unique(self.labels) if label != BONA_FIDE]

    @cached_property
    def has_subject(self) -> NDArray[np.bool_]:
        return present_mask(self.subjects)

    @cached_property
    def units(self) -> NDArray[np.int64] | None:
        """Bootstrap unit of each row (see `bootstrap.unit_codes`), computed once."""
        return unit_codes(self.subjects)

    @cached_property
    def has_target(self) -> NDArray[np.bool_]:
        return present_mask(self.targets)

    def subset(self, rows: Sequence[int] | NDArray[np.int64]) -> ScoreSet:
        """The given rows, in that order (e.g. one split of a benchmark run)."""
        index = np.asarray(rows, dtype=np.int64)
        return ScoreSet(
            paths=self.paths[index],
            labels=self.labels[index],
            scores=self.scores[index],
            subjects=self.subjects[index],
            targets=self.targets[index],
            match_scores=self.match_scores[index],
            extra={name: [column[i] for i in index] for name, column in self.extra.items()},
        )

    @classmethod
    def from_columns(
        cls,
        labels: Sequence[str],
        scores: Sequence[float] | NDArray[np.float64],
        *,
        paths: Sequence[str] | None = None,
        subjects: Sequence[str | None] | None = None,
        targets: Sequence[str | None] | None = None,
        match_scores: Sequence[float] | NDArray[np.float64] | None = None,
        extra: dict[str, list[str]] | None = None,
    ) -> ScoreSet:
        """Build from plain columns (labels are normalised, None/NaN mean missing)."""
        n = len(labels)
        normalized = []
        for index, raw in enumerate(labels):
            label = normalize_label(str(raw))
            if label is None:
                raise ProtocolError(f"presentation {index}: label {raw!r} is not a species name")
            normalized.append(label)
        columns = {
            "scores": np.asarray(scores, dtype=np.float64),
            "match": (
                np.full(n, np.nan)
                if match_scores is None
                else np.asarray(match_scores, dtype=np.float64)
            ),
        }
        for name, column in columns.items():
            if column.shape != (n,):
                raise ProtocolError(f"{name}: {column.shape[0]} values for {n} labels")
        return cls(
            paths=np.asarray(
                paths if paths is not None else [f"#{i}" for i in range(n)], dtype=str
            ),
            labels=np.asarray(normalized, dtype=str),
            scores=columns["scores"],
            subjects=_optional_strings(subjects, n),
            targets=_optional_strings(targets, n),
            match_scores=columns["match"],
            extra=dict(extra or {}),
        )


def _optional_strings(values: Sequence[str | None] | None, n: int) -> NDArray[np.object_]:
    column = np.empty(n, dtype=object)
    if values is not None:
        if len(values) != n:
            raise ProtocolError(f"{len(values)} subject/target values for {n} presentations")
        column[:] = [value if value not in ("", None) else None for value in values]
    return column


def _parse_float(text: str, *, where: str, column: str) -> float:
    if text.strip() == "":
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise ProtocolError(f"{where}: {column} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise ProtocolError(f"{where}: {column} {text!r} is not finite (leave it empty if none)")
    return value


def scores_text(source: Path) -> str:
    """The file as text, if it is UTF-8 (a BOM is allowed); otherwise one line saying what it is."""
    data = source.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ProtocolError(f"{source}: is UTF-16 text; save the scores file as UTF-8")
    if b"\x00" in data:
        raise ProtocolError(f"{source}: is binary, not a CSV text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ProtocolError(
            f"{source}:{line}: not UTF-8 (byte 0x{data[exc.start]:02x}); save the scores file "
            "as UTF-8"
        ) from None


def read_scores(path: str | Path) -> ScoreSet:
    """Read and validate a scores CSV; errors name the file and line."""
    source = Path(path)
    if not source.is_file():
        raise MediaNotFoundError(f"scores file not found: {source}")
    reader = csv.DictReader(io.StringIO(scores_text(source), newline=""))
    try:
        return parse_rows(source, reader)
    except csv.Error as exc:
        raise ProtocolError(f"{source}:{reader.line_num}: not a valid CSV ({exc})") from None


def parse_rows(source: Path, reader: csv.DictReader[str]) -> ScoreSet:
    header = [name.strip() for name in reader.fieldnames or []]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise ProtocolError(
            f"{source}:1: column(s) {', '.join(duplicated)} appear more than once; keep one"
        )
    reader.fieldnames = header
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ProtocolError(
            f"{source}:1: missing column(s) {', '.join(missing)}; need path,label,score"
        )
    extra_names = [name for name in header if name not in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)]
    paths: list[str] = []
    labels: list[str] = []
    scores: list[float] = []
    subjects: list[str | None] = []
    targets: list[str | None] = []
    match: list[float] = []
    extra: dict[str, list[str]] = {name: [] for name in extra_names}
    for line, row in enumerate(reader, start=2):
        where = f"{source}:{line}"
        if None in row:
            raise ProtocolError(f"{where}: more fields than the header has")
        raw_label = (row.get("label") or "").strip()
        label = normalize_label(raw_label)
        if label is None:
            raise ProtocolError(f"{where}: label {raw_label!r} is not bona_fide or a species name")
        paths.append((row.get("path") or "").strip())
        labels.append(label)
        scores.append(_parse_float(row.get("score") or "", where=where, column="score"))
        subjects.append((row.get("subject") or "").strip() or None)
        targets.append((row.get("target") or "").strip() or None)
        match.append(_parse_float(row.get("match_score") or "", where=where, column="match_score"))
        for name in extra_names:
            extra[name].append(row.get(name) or "")
    if not labels:
        raise ProtocolError(f"{source}: no presentations (only a header, or empty)")
    return ScoreSet.from_columns(
        labels,
        scores,
        paths=paths,
        subjects=subjects,
        targets=targets,
        match_scores=match,
        extra=extra,
    )


def write_scores(scores: ScoreSet, path: str | Path) -> Path:
    """Write a scores CSV that `read_scores` reads back identically."""
    destination = Path(path)
    destination.parent.mkdir(parents=True, exist_ok=True)
    header = [*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS, *scores.extra]
    with destination.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for index in range(len(scores)):
            writer.writerow(
                [
                    scores.paths[index],
                    scores.labels[index],
                    _format_float(scores.scores[index]),
                    scores.subjects[index] or "",
                    scores.targets[index] or "",
                    _format_float(scores.match_scores[index]),
                    *(column[index] for column in scores.extra.values()),
                ]
            )
    return destination


def _format_float(value: float) -> str:
    return "" if math.isnan(value) else repr(float(value))


def concat_rows(rows: Iterable[dict[str, object]]) -> ScoreSet:
    """A ScoreSet from dict rows (keys as in the file), e.g. what a benchmark run produced."""
    materialized = list(rows)
    extra_names = sorted(
        {key for row in materialized for key in row} - {*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS}
    )
    return ScoreSet.from_columns(
        [str(row["label"]) for row in materialized],
        [_as_float(row.get("score")) for row in materialized],
        paths=[str(row.get("path", "")) for row in materialized],
        subjects=[_as_optional_str(row.get("subject")) for row in materialized],
        targets=[_as_optional_str(row.get("target")) for row in materialized],
        match_scores=[_as_float(row.get("match_score")) for row in materialized],
        extra={name: [str(row.get(name, "")) for row in materialized] for name in extra_names},
    )


def _as_float(value: object) -> float:
    return math.nan if value is None or value == "" else float(value)  # type: ignore[arg-type]


def _as_optional_str(value: object) -> str | None:
    return None if value is None or value == "" else str(value)
