"""Templates from files for `unmask gallery import`: N x 128 float32 `.npy` with one id a line,
or parquet with columns `id` and `vector`.

Why so strict: an import writes thousands of identities in one go, and a shifted id file, a
float64 array or a NaN would silently enrol the wrong faces under the wrong names. Everything
is checked before the gallery is touched, and the gallery writes all rows in one transaction.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from unmask.errors import InputError, MediaNotFoundError
from unmask.identity.embedder import EMBEDDING_SIZE

MAX_NAME_CHARS = 200


def read_templates(
    vectors: str | Path, ids: str | Path | None = None
) -> tuple[list[str], NDArray[np.float32]]:
    """(names, (N, 128) float32 matrix), validated: shape, dtype, finite, counts, duplicates."""
    path = Path(vectors)
    if not path.is_file():
        raise MediaNotFoundError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        if ids is None:
            raise InputError(f"{path}: a .npy file needs --ids IDS.txt (one id a line)")
        names, matrix = read_ids(Path(ids)), read_npy(path)
    elif suffix in (".parquet", ".pq"):
        if ids is not None:
            raise InputError(f"{path}: a parquet file carries its ids in column 'id'; drop --ids")
        names, matrix = read_parquet(path)
    else:
        raise InputError(f"{path}: import takes .npy (with --ids) or .parquet files")
    validate(path, names, matrix)
    return names, matrix


def read_npy(path: Path) -> NDArray[np.float32]:
    try:
        matrix = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise InputError(f"{path}: not a readable .npy array ({exc})") from None
    if matrix.dtype != np.float32:
        raise InputError(
            f"{path}: dtype {matrix.dtype}, expected float32 (convert with .astype('float32') "
            "if the values really are descriptors)"
        )
    return np.ascontiguousarray(matrix)


def read_ids(path: Path) -> list[str]:
    if not path.is_file():
        raise MediaNotFoundError(f"{path}: no such file")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    return [line.strip() for line in lines]


def read_parquet(path: Path) -> tuple[list[str], NDArray[np.float32]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(
            f"{path}: reading parquet needs pyarrow: pip install 'unmask[parquet]'"
        ) from None
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises its own error types for damaged files
        raise InputError(f"{path}: not a readable parquet file ({exc})") from None
    missing = {"id", "vector"} - set(table.column_names)
    if missing:
        raise InputError(
            f"{path}: missing column(s) {sorted(missing)}; needs 'id' and 'vector' "
            f"(it has {table.column_names})"
        )
    names = ["" if n is None else str(n).strip() for n in table.column("id").to_pylist()]
    column = table.column("vector").to_pylist()
    lengths = {len(v) if v is not None else 0 for v in column}
    if lengths - {EMBEDDING_SIZE}:
        raise InputError(
            f"{path}: column 'vector' must hold {EMBEDDING_SIZE} numbers a row "
            f"(found lengths {sorted(lengths)[:5]})"
        )
    try:
        matrix = np.asarray(column, dtype=np.float64).reshape(-1, EMBEDDING_SIZE)
    except (TypeError, ValueError):
        raise InputError(f"{path}: column 'vector' holds values that are not numbers") from None
    return names, matrix.astype(np.float32)


def validate(path: Path, names: list[str], matrix: NDArray[np.float32]) -> None:
    if matrix.ndim != 2 or matrix.shape[1] != EMBEDDING_SIZE:
        raise InputError(f"{path}: shape {matrix.shape}, expected (N, {EMBEDDING_SIZE})")
    if matrix.shape[0] == 0:
        raise InputError(f"{path}: no templates in it")
    if len(names) != matrix.shape[0]:
        raise InputError(f"{path}: {matrix.shape[0]} vectors but {len(names)} ids")
    for line, name in enumerate(names, start=1):
        if not name or len(name) > MAX_NAME_CHARS:
            raise InputError(f"{path}: id {line} is empty or longer than {MAX_NAME_CHARS} chars")
    finite = np.isfinite(matrix).all(axis=1)
    if not finite.all():
        raise InputError(f"{path}: row {int(np.argmin(finite)) + 1} holds non-finite values")
    _, first, counts = np.unique(matrix, axis=0, return_index=True, return_counts=True)
    if (counts > 1).any():
        row = int(first[int(np.argmax(counts > 1))])
        twins = np.flatnonzero((matrix == matrix[row]).all(axis=1)) + 1
        raise InputError(
            f"{path}: rows {', '.join(map(str, twins[:5]))} hold the same vector "
            f"({', '.join(repr(names[i - 1]) for i in twins[:5])}); one face is one template"
        )
