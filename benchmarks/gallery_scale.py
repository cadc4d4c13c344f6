"""Identify latency and recall@1 at gallery scale: SQLite brute force, the usearch HNSW index,
and PostgreSQL with pgvector's HNSW, each through the Gallery API (tags, seals and exact
re-ranking of candidates included).

    taskset -c 0 nice uv run python benchmarks/gallery_scale.py --sizes 100000 1000000 \\
        --ef 128 256 512 --postgres-max 100000 --work /tmp/unmask-scale

`--ef`: the HNSW search breadths to try (usearch's expansion_search, pgvector's
hnsw.ef_search), one row each; the index is built once.

Data: SIMULATED clustered descriptors, not real faces; 5 templates per identity, and probes
that are fresh samples of enrolled identities (benchmarks/descriptor_population.py).
`--population isotropic` (the default): each identity a centre drawn from N(0, 0.07^2) per
dimension (centres about 1.1 apart, like different people under dlib), each template the centre
plus N(0, 0.025^2) noise (about 0.4 from its siblings), so people differ along all 128
dimensions alike: the hardest case for a graph index. `--population measured`: Gaussian with
the mean and between- and within-person covariances of real dlib descriptors of the shared
data's labelled faces, whose people differ along a few dozen directions (needs ../shared/data;
the statistics are cached in --work). recall@1: the share of probes whose first identity
equals exact search's first identity.

Latency: wall-clock p50 and p95 per identify call (top 5), and the mean CPU time per call
(this process, plus the PostgreSQL backend serving it), which is what one idle core would
take; on a loaded machine the wall clock mostly measures the queue for the core.

One core: run under `taskset -c 0` (BLAS threads are limited to one here too; PostgreSQL,
started by pgserver from this process, inherits the affinity). Galleries are kept in --work
and reused by later runs, so the 1M build is paid once.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import numpy as np  # noqa: E402

from benchmarks.descriptor_population import (  # noqa: E402
    Population,
    isotropic,
    measured,
    participation_ratio,
)
from unmask.identity import identify, open_gallery  # noqa: E402
from unmask.identity.ann import EXPANSION_SEARCH  # noqa: E402
from unmask.identity.gallery import ANN_CANDIDATES, Gallery  # noqa: E402

PER_IDENTITY = 5
PROBES = 200


def descriptors(size: int, population: Population) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(names, templates, probes): PER_IDENTITY templates per person, probes of enrolled people."""
    owners, templates, probes = population.draw(size // PER_IDENTITY, PER_IDENTITY, PROBES)
    return [f"person{k:07d}" for k in owners], templates, probes


def gallery_file(work: Path, size: int, population: Population) -> Path:
    """The isotropic galleries keep the names of the runs before populations had names."""
    suffix = "" if population.name == "isotropic" else f"-{population.name}"
    return work / f"g{size}{suffix}.sqlite"


def fill(db: str, names: list[str], templates: np.ndarray, home: Path) -> float:
    """Write every template in one import (as `unmask gallery import` does); its seconds."""
    start = time.perf_counter()
    with open_gallery(db, create=True, data_dir=home) as gallery:
        for first in range(0, len(names), 100_000):  # one transaction per 100k rows
            gallery.write_templates(
                [
                    (names[row], templates[row], "simulated", None)
                    for row in range(first, min(first + 100_000, len(names)))
                ]
            )
    return time.perf_counter() - start


def timed(
    gallery: Gallery, probes: np.ndarray, server_pid: int | None = None
) -> tuple[list[str], list[float], float]:
    """First identity per probe, wall ms per identify call, and the mean CPU ms per call: this
    process's, plus the PostgreSQL backend's serving this connection when `server_pid` names it
    (its counters tick in 10 ms steps, hence a mean over all calls, not per call)."""
    import psutil

    server = psutil.Process(server_pid) if server_pid else None

    def cpu() -> float:
        own = time.process_time()
        if server is None:
            return own
        times = server.cpu_times()
        return own + times.user + times.system

    firsts, walls = [], []
    used = cpu()
    for probe in probes:
        wall = time.perf_counter()
        candidates = identify(probe, gallery, top=5)
        walls.append((time.perf_counter() - wall) * 1000)
        firsts.append(candidates[0].identity)
    return firsts, walls, (cpu() - used) * 1000 / len(probes)


def index_cpu(gallery: Gallery, probes: np.ndarray) -> float:
    """Mean CPU ms of the index search alone (the rest of an identify call is re-reading,
    checking and measuring the proposed identities' templates)."""
    index = gallery.index()
    used = time.process_time()
    for probe in probes:
        index.search(probe, max(ANN_CANDIDATES, 8 * 5))
    return (time.process_time() - used) * 1000 / len(probes)


def row(
    method: str, size: int, timing: tuple[list[float], float], recall: float, setup: str
) -> str:
    walls, cpu = sorted(timing[0]), timing[1]
    p95 = walls[int(0.95 * len(walls)) - 1]
    return (
        f"| {method} | {size:,} | {statistics.median(walls):.2f} | {p95:.2f} | {cpu:.2f} | "
        f"{recall:.3f} | {setup} |"
    )


def measure_sqlite(
    size: int, work: Path, home: Path, breadths: list[int], population: Population
) -> tuple[list[str], list[str]]:
    names, templates, probes = descriptors(size, population)
    path = gallery_file(work, size, population)
    lines = []
    if not path.exists():
        seconds = fill(str(path), names, templates, home)
        lines.append(f"built {path} in {seconds:.0f} s")
    with Gallery(path, data_dir=home, ann_threshold=10**12) as exact:
        start = time.perf_counter()
        exact.matrix()
        load = time.perf_counter() - start
        truth, walls, cpu = timed(exact, probes)
    rows = [row("SQLite exact", size, (walls, cpu), 1.0, f"first read + checks {load:.1f} s")]
    with Gallery(path, data_dir=home, ann_threshold=1) as fast:
        start = time.perf_counter()
        fast.index()
        ready = time.perf_counter() - start
        how = "built" if fast.index_note.startswith("rebuilt") else "loaded"
        for breadth in breadths:
            fast.search_breadth = breadth
            found, walls, cpu = timed(fast, probes)
            recall = float(np.mean([a == b for a, b in zip(found, truth, strict=True)]))
            searching = index_cpu(fast, probes)
            setup = f"ef {breadth}; index {how} in {ready:.1f} s; of which index search {searching:.2f} ms"
            rows.append(row("usearch HNSW", size, (walls, cpu), recall, setup))
    return truth, lines + rows


def measure_postgres(
    size: int, truth: list[str], home: Path, breadths: list[int], population: Population
) -> list[str]:
    import pgserver
    import psycopg

    names, templates, probes = descriptors(size, population)
    folder = tempfile.mkdtemp(prefix="unmask-pg-bench-")
    server = pgserver.get_server(folder, cleanup_mode="delete")
    try:
        with psycopg.connect(server.get_uri(), autocommit=True) as connection:
            connection.execute("CREATE DATABASE bench")
        url = server.get_uri("bench")
        with open_gallery(url, create=True, data_dir=home) as gallery:
            gallery.connection.execute("DROP INDEX templates_hnsw")  # bulk load, then build
        loaded = fill(url, names, templates, home)
        with open_gallery(url, data_dir=home) as gallery:
            start = time.perf_counter()
            gallery.connection.execute("SET maintenance_work_mem = '1GB'")
            gallery.connection.execute(
                "CREATE INDEX templates_hnsw ON templates USING hnsw (vector vector_l2_ops) "
                "WITH (m = 16, ef_construction = 128)"
            )
            built = time.perf_counter() - start
        rows = []
        with open_gallery(url, data_dir=home, ann_threshold=1) as gallery:
            for breadth in breadths:
                gallery.connection.execute(f"SET hnsw.ef_search = {int(breadth)}")
                pid = gallery.connection.connection.info.backend_pid
                found, walls, cpu = timed(gallery, probes, pid)
                recall = float(np.mean([a == b for a, b in zip(found, truth, strict=True)]))
                setup = f"ef {breadth}; load {loaded:.0f} s, HNSW build {built:.0f} s"
                rows.append(row("pgvector HNSW", size, (walls, cpu), recall, setup))
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--ef", type=int, nargs="+", default=[EXPANSION_SEARCH])
    parser.add_argument("--postgres-max", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "unmask-scale")
    parser.add_argument(
        "--population",
        choices=["isotropic", "measured"],
        default="isotropic",
        help="simulated descriptors: independent dimensions, or shaped like real ones "
        "(needs ../shared/data; benchmarks/descriptor_population.py)",
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    population = isotropic() if args.population == "isotropic" else measured(args.work)
    home = args.work / "home"
    os.environ.pop("UNMASK_TEMPLATE_KEY", None)
    cores = len(os.sched_getaffinity(0))
    notes, table = [], []
    for size in args.sizes:
        truth, lines = measure_sqlite(size, args.work, home, args.ef, population)
        notes += [line for line in lines if not line.startswith("|")]
        table += [line for line in lines if line.startswith("|")]
        if size <= args.postgres_max:
            table += measure_postgres(size, truth, home, args.ef, population)
        print(f"done {size:,}", file=sys.stderr, flush=True)
    spread = participation_ratio(population.between @ population.between.T)
    print(f"SIMULATED {population.name} descriptors: {population.source}")
    print(f"people differ along {spread:.0f} dimensions (participation ratio of the centres)")
    print(f"{PROBES} probes; top=5; {cores} core(s)")
    print(*notes, sep="\n")
    print("| method | templates | p50 ms | p95 ms | CPU ms mean | recall@1 vs exact | setup |")
    print("|---|---:|---:|---:|---:|---:|---|")
    print(*table, sep="\n")


if __name__ == "__main__":
    main()
