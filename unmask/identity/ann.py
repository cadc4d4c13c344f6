"""An approximate nearest-neighbour index (usearch HNSW) kept in a file beside the gallery.

Why: exact search reads and compares every template, which is linear in the gallery; HNSW
answers in about logarithmic time. Why it may only propose: the index is a cache of the
gallery, so each candidate it returns is re-read from the gallery (seal, tag and values
checked) and its distance recomputed exactly; a stale or forged index can then miss a match
but never invent one.

Why a stamp: an index that no longer matches its gallery (a write it missed, a crash between
the gallery's commit and the index's save, a file from another gallery, a damaged file) must be
found and rebuilt, never used. The stamp written with the index holds the gallery's random id,
its write generation (bumped by every write transaction), and the template count and row-id sum
the index was built from; all four are compared with the gallery before any search.

The file: MAGIC, a 4-byte header length, a JSON header (the stamp), then usearch's serialised
index, AES-GCM encrypted under the template key with the header as associated data when the
gallery's templates are encrypted (the index holds the vectors, in half precision).
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from unmask.identity.template_crypto import decrypt_blob, encrypt_blob

MAGIC = b"UNMASK-ANN-1\n"
# Below this many templates exact search costs a few milliseconds; above it the index is used.
ANN_THRESHOLD = 50_000
# HNSW shape: 32 links a node, 128 candidates while building, EXPANSION_SEARCH while
# searching, vectors in half precision (L2 on them ranks like L2 on the float32 templates).
# Measured on simulated clustered templates, one thread (benchmarks/gallery_scale.py,
# docs/gallery.md): with 16 links the five close templates of one identity can form an island
# the search never enters, so recall stalls however wide the search (1M: 0.985 at breadths 768
# and 1024); at 100k, 32 links reached 0.998 at breadth 256 where 16 gave 0.990. usearch's int8
# kind was faster, but it normalises each vector as it quantises, so it ranks by angle: the
# identities after the first came back in another order than exact L2 search.
# The search breadth: on 1M simulated templates shaped like real dlib descriptors (the mean and
# covariances of 280 real people's), recall@1 was 1.000 at every breadth from 64 to 512, and an
# identify call took 3.4 ms of one core at 256 against 5.5 ms at 512; on the isotropic stress
# case (people differing along all 128 dimensions alike) 256 gives 0.980 and 512 1.000.
CONNECTIVITY = 32
EXPANSION_ADD = 128
EXPANSION_SEARCH = 256
SCALAR = "f16"


@dataclass(frozen=True)
class Stamp:
    """What an index was built from; equal to the gallery's own stamp or not used."""

    gallery_id: str
    generation: int
    count: int
    idsum: int

    def differences(self, gallery: Stamp) -> str | None:
        """Why an index with this stamp must not serve `gallery`, or None when it may."""
        if self.gallery_id != gallery.gallery_id:
            return "built from another gallery"
        if self.generation != gallery.generation:
            return f"stale (index at write {self.generation}, gallery at {gallery.generation})"
        if (self.count, self.idsum) != (gallery.count, gallery.idsum):
            return (
                f"out of sync ({self.count} templates indexed, the gallery holds {gallery.count}"
                " or other rows)"
            )
        return None


class AnnIndex:
    """A usearch HNSW index over template row ids, with the stamp of what it holds."""

    def __init__(self, index: object, stamp: Stamp) -> None:
        self.index = index
        self.stamp = stamp

    @classmethod
    def build(cls, ids: NDArray[np.int64], vectors: NDArray[np.float32], stamp: Stamp) -> AnnIndex:
        """One thread, rows in the given order: the same gallery always gives the same graph
        (several threads give a different graph each build, hence different candidates)."""
        from usearch.index import Index

        index = Index(
            ndim=vectors.shape[1],
            metric="l2sq",
            dtype=SCALAR,
            connectivity=CONNECTIVITY,
            expansion_add=EXPANSION_ADD,
            expansion_search=EXPANSION_SEARCH,
        )
        if len(ids):
            index.add(ids.astype(np.uint64), vectors, threads=1)
        return cls(index, stamp)

    def __len__(self) -> int:
        return len(self.index)  # type: ignore[arg-type]

    def search(self, probe: NDArray[np.float32], count: int) -> NDArray[np.int64]:
        """Row ids of up to `count` templates near the probe, nearest first."""
        count = min(count, len(self))
        if count <= 0:
            return np.zeros(0, dtype=np.int64)
        matches = self.index.search(  # type: ignore[attr-defined]
            np.asarray(probe, dtype=np.float32), count, threads=1
        )
        return np.asarray(matches.keys, dtype=np.int64)

    def set_breadth(self, breadth: int) -> None:
        """How many candidates a search keeps (usearch's expansion_search)."""
        self.index.expansion_search = breadth  # type: ignore[attr-defined]

    def add(self, ids: NDArray[np.int64], vectors: NDArray[np.float32]) -> None:
        if len(ids):
            self.index.add(ids.astype(np.uint64), vectors, threads=1)  # type: ignore[attr-defined]

    def remove(self, ids: NDArray[np.int64]) -> None:
        for row_id in ids:
            self.index.remove(int(row_id))  # type: ignore[attr-defined]

    def save(self, path: Path, key: bytes | None) -> None:
        """Write atomically (a temporary file renamed over the old one), private to the user."""
        header = json.dumps({**asdict(self.stamp), "encrypted": key is not None}).encode()
        prefix = MAGIC + len(header).to_bytes(4, "big") + header
        payload = bytes(self.index.save())  # type: ignore[attr-defined]
        if key is not None:
            payload = encrypt_blob(key, prefix, payload)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(prefix + payload)
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path, key: bytes | None) -> tuple[AnnIndex | None, str]:
        """The index in `path`, or None and why it cannot be used (missing, damaged, forged)."""
        from usearch.index import Index

        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None, "missing"
        except OSError as exc:
            return None, f"unreadable ({exc.strerror or exc})"
        if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 4:
            return None, "damaged (not an unmask index file)"
        length = int.from_bytes(data[len(MAGIC) : len(MAGIC) + 4], "big")
        end = len(MAGIC) + 4 + length
        try:
            header = json.loads(data[len(MAGIC) + 4 : end])
            encrypted = bool(header.pop("encrypted"))
            stamp = Stamp(**header)
        except (ValueError, TypeError, KeyError):
            return None, "damaged (unreadable header)"
        payload: bytes | None = data[end:]
        if encrypted != (key is not None):
            return None, "written for a gallery with other encryption"
        if key is not None:
            payload = decrypt_blob(key, data[:end], data[end:])
        if payload is None:
            return None, "damaged or forged (its encryption tag fails)"
        try:
            index = Index.restore(bytearray(payload))
        except (RuntimeError, ValueError) as exc:
            return None, f"damaged ({exc})"
        if index is None:
            return None, "damaged (usearch cannot read it)"
        shape = (index.connectivity, str(index.dtype).rsplit(".", 1)[-1].lower())
        if shape != (CONNECTIVITY, SCALAR):
            return None, f"built with other settings ({shape[0]} links, {shape[1]} vectors)"
        # Not kept in the file (usearch's default is 64); its stub hides the setter from mypy.
        index.expansion_search = EXPANSION_SEARCH  # type: ignore[misc]
        return cls(index, stamp), ""
