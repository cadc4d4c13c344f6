"""Reliability probe: what issue 16 measured, re-run against this tree.

    uv run python benchmarks/reliability.py            # about 3-5 minutes on 2 busy cores
    uv run python benchmarks/reliability.py --quick    # a smaller sweep

Probe classes, all on inputs this script makes itself (simulated damage, real code paths):
  media       malformed stills and videos (tests/malformed.py: bombs, broken Netpbm headers,
              cuts, byte flips; plus an EXIF-thumbnail JPEG cut in its EXIF block and videos cut
              at fixed fractions) through detect, identify, verify, pulse and liveness, in-process
              through the CLI entry point. A cut file counts as a silent acceptance when it is read
              without an error or a warning and what was read differs from the whole file.
  scores      score CSVs in other encodings, with a BOM, duplicate columns, huge fields, binary
              bytes... through `evaluate`; a bad file that exits 0 is a silent acceptance.
  kill -9     a process enrolling batches of 5 templates is killed at random moments; a
              committed batch missing, or a partial batch, is a lost template.
  concurrency 4 processes enrol 10 templates each into a new, then an existing, gallery.
  tampering   damaged or tampered galleries through list, identify, verify, enroll and check:
              an exit 0 whose answer differs from the untouched gallery's is a silent
              acceptance; a refused gallery that is written into is counted too. A read-only
              gallery file and a valid gallery in a read-only folder must answer as usual
              and refuse enrolment (exit 7) untouched (as root, simulated through os.access).
Also prints what the integrity check on open costs (PRAGMA quick_check) by gallery size.
Secrets go to a throwaway data folder (UNMASK_HOME), never the user's.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

os.environ["UNMASK_HOME"] = tempfile.mkdtemp(prefix="unmask-home-")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2
import numpy as np
from PIL import Image

from tests.malformed import corpus, valid_stills, valid_videos
from unmask.bundled import bundled_faces
from unmask.cli.main import main
from unmask.errors import UnmaskError
from unmask.identity import Gallery, Template
from unmask.media import read_image, read_video
from unmask.media_policy import MediaWarning

MEDIA_CODES = {0, 3, 4, 5, 6}
GALLERY_CODES = {0, 7, 8, 9, 10}


class Tally:
    """Runs, tracebacks, silent acceptances, lost templates, other oddities of one class."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.examples: dict[str, list[str]] = {}

    def add(self, kind: str, example: str = "", amount: int = 1) -> None:
        self.counts[kind] += amount
        if example and kind != "runs":
            self.examples.setdefault(kind, [])
            if len(self.examples[kind]) < 3:
                self.examples[kind].append(example)


def run_cli(argv: list[str], tally: Tally, allowed: set[int]) -> tuple[int | None, str, str]:
    """One in-process CLI run; an escaping exception is a traceback."""
    out, err = io.StringIO(), io.StringIO()
    tally.add("runs")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    except BaseException as exc:
        tally.add("tracebacks", f"{' '.join(argv[:2])} {argv[-1]}: {exc!r}"[:160])
        return None, out.getvalue(), err.getvalue()
    if code not in allowed:
        tally.add("undocumented exit codes", f"{argv[0]} {argv[-1]}: exit {code}")
    errors = [line for line in err.getvalue().splitlines() if line.startswith("unmask: error")]
    if len(errors) > 1 or "Traceback" in err.getvalue():
        tally.add("tracebacks", f"{argv[-1]}: {err.getvalue()[:160]}")
    return code, out.getvalue(), err.getvalue()


def decoded(path: Path, video: bool) -> tuple[str, object]:
    """('error'|'warned'|'ok', content) of one file through the media API."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MediaWarning)
        try:
            content: object = (
                [f.image for f in read_video(path)] if video else read_image(path).image
            )
        except UnmaskError:
            return "error", None
    warned = any(issubclass(w.category, MediaWarning) for w in caught)
    return ("warned" if warned else "ok"), content


def same(left: object, right: object) -> bool:
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(
            np.array_equal(a, b) for a, b in zip(left, right, strict=True)
        )
    return (
        isinstance(left, np.ndarray)
        and isinstance(right, np.ndarray)
        and (left.shape == right.shape and np.array_equal(left, right))
    )


def exif_thumbnail_cuts(folder: Path) -> list[tuple[Path, Path]]:
    """A photo with a whole thumbnail in its EXIF block, cut at points inside that block."""
    thumbnail = io.BytesIO()
    Image.new("RGB", (160, 128), (200, 30, 30)).save(thumbnail, "JPEG")
    exif = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08" + bytes(6) + thumbnail.getvalue() + bytes(4000)
    photo = np.random.default_rng(0).integers(0, 255, (400, 300, 3), dtype=np.uint8)
    whole = io.BytesIO()
    Image.fromarray(photo).save(whole, "JPEG", exif=exif)
    original = folder / "exif-whole.jpg"
    original.write_bytes(whole.getvalue())
    pairs = []
    for index, cut in enumerate(range(len(exif) - 3500, len(exif), 700)):
        path = folder / f"cut-exif{index}.jpg"
        path.write_bytes(whole.getvalue()[:cut])
        pairs.append((path, original))
    return pairs


def media_probe(folder: Path, per_file: int, seeds: int, gallery: Path) -> Tally:
    tally = Tally()
    files: list[Path] = []
    originals: dict[str, Path] = {}
    for suffix, data in valid_stills():
        originals[f"still{suffix}"] = folder / f"whole-still{suffix}"
        originals[f"still{suffix}"].write_bytes(data)
    for name, data in valid_videos():
        originals[name] = folder / f"whole-{name}"
        originals[name].write_bytes(data)
        for fraction in (0.05, 0.3, 0.6, 0.9, 0.999):
            path = folder / f"cut{int(fraction * 1000)}f-{name}"
            path.write_bytes(data[: int(len(data) * fraction)])
            files.append(path)
    for seed in range(seeds):
        for name, data in corpus(per_file, seed * 1000):
            path = folder / f"s{seed}-{name}"
            if not path.exists():
                path.write_bytes(data)
                files.append(path)
    cuts = exif_thumbnail_cuts(folder)
    files.extend(path for path, _ in cuts)
    # Silent acceptances: cut files read without a word, giving other content than the whole.
    for path in files:
        if "cut" not in path.name:
            continue
        source = dict(cuts).get(path) or originals[path.name.split("-", 2)[-1]]
        video = source.suffix in (".avi", ".mp4", ".mkv")
        state, content = decoded(path, video)
        if state == "ok" and not same(content, decoded(source, video)[1]):
            tally.add("silent acceptances", path.name)
    for index, path in enumerate(files):
        run_cli(["detect", "--json", str(path)], tally, MEDIA_CODES)
        run_cli(["identify", "--json", "--db", str(gallery), str(path)], tally, MEDIA_CODES | {8})
        run_cli(["pulse", "--json", str(path)], tally, MEDIA_CODES)
        if index % 3 == 0:
            run_cli(
                ["verify", "--json", "--db", str(gallery), "--id", "eileen_collins", str(path)],
                tally,
                MEDIA_CODES,
            )
        if index % 6 == 0:
            run_cli(["liveness", "--json", "--max-seconds", "2", str(path)], tally, MEDIA_CODES)
        code, _, _ = run_cli(["detect", "--json", "--strict", str(path)], tally, MEDIA_CODES)
        if (
            code == 0
            and "cut" in path.name
            and decoded(path, path.suffix in (".avi", ".mp4", ".mkv"))[0] == "warned"
        ):
            tally.add("silent acceptances", f"--strict accepted {path.name}")
    return tally


ROWS = "path,label,score\na.jpg,bona_fide,0.9\nb.jpg,print,0.1\nc.jpg,replay,0.3\nd.jpg,bona_fide,0.8\n"


def score_cases() -> list[tuple[str, bytes, bool]]:
    """(name, bytes, good?) for `evaluate --scores`."""
    rng = np.random.default_rng(0)
    text = ROWS
    cases = [
        ("utf8", text.encode(), True),
        ("bom", b"\xef\xbb\xbf" + text.encode(), True),
        ("crlf", text.replace("\n", "\r\n").encode(), True),
        ("latin1-path", (text + "é.jpg,print,0.2\n").encode("latin-1"), False),
        ("cp1252", (text + "“x”.jpg,print,0.2\n").encode("cp1252"), False),
        ("utf16", text.encode("utf-16"), False),
        ("utf16le-nobom", text.encode("utf-16-le"), False),
        ("utf16be-nobom", text.encode("utf-16-be"), False),
        ("utf32", text.encode("utf-32"), False),
        ("nul", text.encode().replace(b"0.1", b"0\x001"), False),
        ("huge-field", f"path,label,score\n{'x' * 200_000},print,0.1\n".encode(), False),
        ("huge-quoted", f'path,label,score\n"{"y" * 140_000}",print,0.1\n'.encode(), False),
        ("dup-score", b"path,label,score,score\na,print,0.1,0.9\nb,bona_fide,0.8,0.2\n", False),
        ("dup-label", b"path,label,label,score\na,print,bona_fide,0.1\n", False),
        ("dup-spaced", b"path, score,label,score\na,0.1,print,0.2\n", False),
        ("missing-score", b"path,label\na,print\n", False),
        ("empty", b"", False),
        ("header-only", b"path,label,score\n", False),
        ("extra-field", (text + "e,print,0.1,7\n").encode(), False),
        ("nan", (text + "e,print,nan\n").encode(), False),
        ("inf", (text + "e,print,-inf\n").encode(), False),
        ("words", (text + "e,print,high\n").encode(), False),
        ("bad-label", (text + "e,bona fide!,0.1\n").encode(), False),
        ("new-species-name", (text + "e,banana,0.1\n").encode(), True),
        ("unbalanced-quote", (text + 'e,"print,0.1\n').encode(), False),
        ("only-bom", b"\xef\xbb\xbf", False),
        ("bom-twice", b"\xef\xbb\xbf\xef\xbb\xbf" + text.encode(), False),
        ("semicolons", text.replace(",", ";").encode(), False),
        ("tabs", text.replace(",", "\t").encode(), False),
        ("png", b"\x89PNG\r\n\x1a\n" + bytes(200), False),
        ("gzip", b"\x1f\x8b\x08\x00" + rng.integers(0, 256, 300, dtype=np.uint8).tobytes(), False),
    ]
    for index in range(15):
        cases.append((f"random{index}", rng.integers(0, 256, 500, dtype=np.uint8).tobytes(), False))
    return cases


def scores_probe(folder: Path) -> Tally:
    tally = Tally()
    for name, data, good in score_cases():
        path = folder / f"{name}.csv"
        path.write_bytes(data)
        code, _, _ = run_cli(
            ["evaluate", "--json", "--replicates", "0", "--scores", str(path)], tally, {0, 12}
        )
        if code == 0 and not good:
            tally.add("silent acceptances", name)
        if code not in (0, None) and good:
            tally.add("good files refused", name)
    return tally


KILL_CHILD = """
import sys
import numpy as np
from unmask.identity import Gallery, Template
path = sys.argv[1]
for batch in range(100_000):
    rng = np.random.default_rng(batch)
    found = [Template(rng.normal(0, 0.09, 128).astype(np.float32), "x") for _ in range(5)]
    with Gallery(path, create=True) as gallery:
        gallery.enroll(f"p{batch}", found)
    print(batch, flush=True)
"""


def kill_probe(folder: Path, trials: int) -> Tally:
    tally = Tally()
    rng = np.random.default_rng(1)
    for trial in range(trials):
        path = folder / f"killed{trial}.sqlite"
        child = subprocess.Popen(
            [sys.executable, "-c", KILL_CHILD, str(path)], stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None
        committed = int(child.stdout.readline())
        time.sleep(float(rng.uniform(0.0, 1.5)))
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        for line in child.stdout:
            committed = max(committed, int(line))
        tally.add("runs")
        try:
            with Gallery(path) as gallery:
                report = gallery.check()
                counts = {r.name: r.templates for r in gallery.identities()}
        except UnmaskError as exc:
            tally.add("damaged after kill", str(exc)[:120])
            tally.add("lost templates", path.name, 5 * (committed + 1))
            continue
        if not report.ok:
            tally.add("damaged after kill", "; ".join(report.problems)[:120])
        expected = {f"p{batch}" for batch in range(committed + 1)}
        lost = sum(5 - counts.get(name, 0) for name in expected)
        lost += sum(
            5 - count for name, count in counts.items() if name not in expected and count != 5
        )
        if lost:
            tally.add("lost templates", path.name, lost)
    return tally


def enrol_together(path: str, name: str, barrier: multiprocessing.synchronize.Barrier) -> None:
    barrier.wait()
    rng = np.random.default_rng(int(name[1:]))
    with Gallery(path, create=True) as gallery:
        gallery.enroll(
            name, [Template(rng.normal(0, 0.09, 128).astype(np.float32), "x") for _ in range(10)]
        )


def concurrency_probe(folder: Path, rounds: int) -> Tally:
    tally = Tally()
    context = multiprocessing.get_context("fork")
    for existing in (False, True):
        for round_ in range(rounds):
            path = folder / f"{'existing' if existing else 'new'}{round_}.sqlite"
            if existing:
                Gallery(path, create=True).close()
            barrier = context.Barrier(4)
            workers = [
                context.Process(target=enrol_together, args=(str(path), f"c{i}", barrier))
                for i in range(4)
            ]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join(120)
            tally.add("runs")
            failed = [w.exitcode for w in workers if w.exitcode != 0]
            if failed:
                tally.add("failed enrolments", f"{path.name}: exit codes {failed}", len(failed))
            with Gallery(path) as gallery:
                stored = gallery.matrix()[0].shape[0]
            if stored != 40:
                tally.add("lost templates", path.name, 40 - stored)
    return tally


def sql(statement: str, *parameters: object) -> Callable[[Path], None]:
    def apply(path: Path) -> None:
        with sqlite3.connect(path) as connection:
            connection.execute(statement, parameters)
        connection.close()

    return apply


def flips(seed: int, count: int) -> Callable[[Path], None]:
    def apply(path: Path) -> None:
        data = bytearray(path.read_bytes())
        rng = np.random.default_rng(seed)
        for position in rng.integers(100, len(data), count):
            data[position] ^= int(rng.integers(1, 256))
        path.write_bytes(bytes(data))

    return apply


def cut(fraction: float) -> Callable[[Path], None]:
    def apply(path: Path) -> None:
        path.write_bytes(path.read_bytes()[: int(path.stat().st_size * fraction)])

    return apply


def legacy(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
        connection.execute("ALTER TABLE templates DROP COLUMN mac")
    connection.close()


def tamperings(flip_seeds: int) -> list[tuple[str, Callable[[Path], None]]]:
    cases: list[tuple[str, Callable[[Path], None]]] = [
        ("version 1.1", sql("UPDATE meta SET value = '1.1' WHERE key = 'schema_version'")),
        ("version 99", sql("UPDATE meta SET value = '99' WHERE key = 'schema_version'")),
        ("version empty", sql("UPDATE meta SET value = '' WHERE key = 'schema_version'")),
        ("no application", sql("DELETE FROM meta WHERE key = 'application'")),
        ("other embedder", sql("UPDATE meta SET value = 'other' WHERE key = 'embedder'")),
        ("other key id", sql("UPDATE meta SET value = '0000' WHERE key = 'mac_key_id'")),
        ("blob 100 bytes", sql("UPDATE templates SET embedding = zeroblob(100) WHERE id = 1")),
        ("blob text", sql("UPDATE templates SET embedding = 'abc' WHERE id = 1")),
        (
            "blob NaN",
            sql(
                "UPDATE templates SET embedding = ? WHERE id = 1",
                np.full(128, np.nan, np.float32).tobytes(),
            ),
        ),
        ("blob zeros", sql("UPDATE templates SET embedding = zeroblob(512) WHERE id = 2")),
        (
            "row copied to another identity",
            sql(
                "INSERT INTO templates(identity_id, embedding, source, quality, created, mac) "
                "SELECT 2, embedding, source, quality, created, mac FROM templates WHERE id = 1"
            ),
        ),
        (
            "row moved to another identity",
            sql("UPDATE templates SET identity_id = 2 WHERE id = 1"),
        ),
        ("names swapped", swap_names),
        ("seal removed", sql("UPDATE templates SET mac = x'' WHERE id = 2")),
        (
            "name not UTF-8",
            sql("UPDATE identities SET name = CAST(x'ff00fe' AS TEXT) WHERE id = 1"),
        ),
        ("orphan template", orphan),
        ("meta dropped", sql("DROP TABLE meta")),
        ("templates dropped", sql("DROP TABLE templates")),
        ("schema 1 (no seals)", legacy),
        ("zero bytes", lambda path: path.write_bytes(b"")),
        ("foreign empty SQLite", foreign_empty),
        ("text file", lambda path: path.write_text("not a gallery " * 100)),
    ]
    for fraction in (0.25, 0.5, 0.75, 0.95):
        cases.append((f"cut at {fraction:.0%}", cut(fraction)))
    for seed in range(flip_seeds):
        cases.append((f"byte flips seed {seed}", flips(seed, 1 + seed % 16)))
    return cases


def swap_names(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE identities SET name = 'swap' WHERE id = 1")
        connection.execute("UPDATE identities SET name = ? WHERE id = 2", (ORIGINAL_NAMES[0],))
        connection.execute("UPDATE identities SET name = ? WHERE id = 1", (ORIGINAL_NAMES[1],))
    connection.close()


def orphan(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA foreign_keys = OFF")
        connection.execute("DELETE FROM identities WHERE id = 2")
    connection.close()


def foreign_empty(path: Path) -> None:
    path.unlink()
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version = 3")
    connection.close()


ORIGINAL_NAMES: list[str] = []


def tamper_probe(
    folder: Path, pristine: Path, probe: Path, newcomer: Path, flip_seeds: int
) -> Tally:
    tally = Tally()
    commands = {
        "list": ["gallery", "list", "--json", "--db"],
        "identify": ["identify", "--json", "--db"],
        "verify": ["verify", "--json", "--id", ORIGINAL_NAMES[0], "--db"],
        "check": ["gallery", "check", "--json", "--db"],
    }

    def argv(name: str, path: Path) -> list[str]:
        extra = [str(probe)] if name in ("identify", "verify") else []
        return [*commands[name], str(path), *extra]

    baseline = {}
    for name in commands:
        code, out, _ = run_cli(argv(name, pristine), Tally(), GALLERY_CODES)
        baseline[name] = (code, json.loads(out) if out else None)
    for index, (label, tamper) in enumerate(tamperings(flip_seeds)):
        path = folder / f"tampered{index}.sqlite"
        path.write_bytes(pristine.read_bytes())
        tamper(path)
        codes = {}
        for name in commands:
            code, out, _ = run_cli(argv(name, path), tally, GALLERY_CODES)
            codes[name] = code
            if code == 0 and name != "check" and json.loads(out) != baseline[name][1]:
                tally.add("silent acceptances", f"{label}: {name} answered differently, exit 0")
        refused = any(code != 0 for code in codes.values())
        if codes["check"] == 0 and refused:
            tally.add("damage the full check missed", label)
        before = path.read_bytes()
        code, _, _ = run_cli(
            ["enroll", "--json", "--db", str(path), "--id", "newcomer", str(newcomer)],
            tally,
            GALLERY_CODES,
        )
        if refused and code == 0 and label not in CREATABLE:
            tally.add("writes into damaged galleries", label)
        if code not in (0, None) and path.read_bytes() != before:
            tally.add("writes into damaged galleries", f"{label} (refused, yet changed)")
    for what in ("file", "folder"):
        path = folder / f"read-only-{what}" / "g.sqlite"
        path.parent.mkdir()
        path.write_bytes(pristine.read_bytes())
        before = path.read_bytes()
        with read_only(path if what == "file" else path.parent):
            for name in commands:
                code, out, _ = run_cli(argv(name, path), tally, GALLERY_CODES)
                if code != baseline[name][0] or (out and json.loads(out) != baseline[name][1]):
                    tally.add(
                        "read-only galleries misread", f"read-only {what}: {name} exit {code}"
                    )
            code, _, _ = run_cli(
                ["enroll", "--json", "--db", str(path), "--id", "newcomer", str(newcomer)],
                tally,
                GALLERY_CODES,
            )
        if code != 7 or path.read_bytes() != before:
            tally.add("read-only galleries misread", f"read-only {what}: enroll exit {code}")
    return tally


@contextlib.contextmanager
def read_only(target: Path) -> Iterator[None]:
    """Permission bits that forbid writing; as root (who ignores them) unmask is told so too."""
    mode, real_access = target.stat().st_mode, os.access
    target.chmod(0o555 if target.is_dir() else 0o444)
    if os.geteuid() == 0:
        os.access = lambda p, m: real_access(p, m) and not (m & os.W_OK and Path(p) == target)  # type: ignore[assignment]
    try:
        yield
    finally:
        os.access = real_access
        target.chmod(mode)


# Files that hold no tables: `enroll` may create a gallery there (and only `enroll` may).
CREATABLE = {"zero bytes", "foreign empty SQLite"}


def pristine_gallery(folder: Path) -> tuple[Path, Path, Path]:
    faces = bundled_faces()
    names = sorted(faces)
    ORIGINAL_NAMES.extend(names)
    path = folder / "pristine.sqlite"
    for name in names:
        image = folder / f"{name}.png"
        Image.fromarray(faces[name]).save(image)
        assert main(["enroll", "--db", str(path), "--id", name, str(image)]) == 0
    probe = folder / "probe.png"
    Image.fromarray(cv2.flip(faces[names[0]], 1)).save(probe)
    newcomer = folder / "newcomer.png"  # a new name for a known face: enrolment must be refused
    Image.fromarray(cv2.flip(faces[names[1]], 1)).save(newcomer)  # only where damaged
    with Gallery(path) as gallery:
        gallery.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path, probe, newcomer


def open_costs(folder: Path, sizes: list[int]) -> list[tuple[int, float, float, float, float]]:
    """(templates, file MB, open with quick_check ms, open without ms, first matrix() ms)."""
    rows = []
    rng = np.random.default_rng(0)
    for size in sizes:
        path = folder / f"size{size}.sqlite"
        with Gallery(path, create=True) as gallery:
            for start in range(0, size, 500):
                batch = [
                    Template(rng.normal(0, 0.09, 128).astype(np.float32), "x")
                    for _ in range(min(500, size - start))
                ]
                gallery.enroll(f"id{start // 500}", batch)
            gallery.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

        def best(work: Callable[[], None], repeats: int = 5) -> float:
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                work()
                times.append(time.perf_counter() - started)
            return min(times) * 1000

        def opened(path: Path = path) -> None:
            Gallery(path).close()

        original = Gallery.quick_check
        Gallery.quick_check = lambda self: None  # type: ignore[method-assign]
        without = best(opened)
        Gallery.quick_check = original  # type: ignore[method-assign]
        with_check = best(opened)

        def read_all(path: Path = path) -> None:
            with Gallery(path) as gallery:
                gallery.matrix()

        rows.append(
            (size, path.stat().st_size / 1e6, with_check, without, best(read_all, 3) - with_check)
        )
    return rows


def main_probe() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller sweep")
    options = parser.parse_args()
    quick = options.quick
    started = time.time()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for sub in ("media", "scores", "kill", "concurrency", "tamper", "cost"):
            (folder / sub).mkdir()
        pristine, probe, newcomer = pristine_gallery(folder / "tamper")
        tallies = {
            "media runs": media_probe(
                folder / "media", 4 if quick else 8, 1 if quick else 2, pristine
            ),
            "score files": scores_probe(folder / "scores"),
            "kill -9 trials": kill_probe(folder / "kill", 4 if quick else 16),
            "concurrency rounds": concurrency_probe(folder / "concurrency", 3 if quick else 7),
            "gallery tamperings": tamper_probe(
                folder / "tamper", pristine, probe, newcomer, 6 if quick else 16
            ),
        }
        costs = open_costs(folder / "cost", [1000, 10000] if quick else [1000, 10000, 50000])
    kinds = ["runs", "tracebacks", "silent acceptances", "lost templates"]
    others = sorted({k for t in tallies.values() for k in t.counts} - set(kinds))
    header = f"{'probe class':<20}" + "".join(f"{k:>20}" for k in kinds + others)
    print(header)
    print("-" * len(header))
    total: Counter[str] = Counter()
    for name, tally in tallies.items():
        total.update(tally.counts)
        print(f"{name:<20}" + "".join(f"{tally.counts.get(k, 0):>20}" for k in kinds + others))
    print(f"{'total':<20}" + "".join(f"{total.get(k, 0):>20}" for k in kinds + others))
    for name, tally in tallies.items():
        for kind, examples in tally.examples.items():
            for example in examples:
                print(f"  {name} / {kind}: {example}")
    print()
    print("integrity check on open (PRAGMA quick_check), best of 5, simulated templates:")
    print(
        f"{'templates':>10} {'file MB':>8} {'open ms':>9} {'no check ms':>12} {'read+verify ms':>15}"
    )
    for size, megabytes, with_check, without, matrix in costs:
        print(f"{size:>10} {megabytes:>8.1f} {with_check:>9.1f} {without:>12.1f} {matrix:>15.1f}")
    print(f"\n{time.time() - started:.0f} s; {'--quick' if quick else 'full'} sweep")


if __name__ == "__main__":
    main_probe()
