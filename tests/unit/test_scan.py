"""`unmask scan` on a clip the tests render: two people, an occlusion, a shot cut; bad files in
the batch, outputs' shape, resume, image sequences, and the same scan on a local Ray."""

from __future__ import annotations

import csv
import io
import json
import os
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from unmask.cli.main import main
from unmask.identity import Gallery, ProbeMaker, Template
from unmask.liveness.observe import TrackObservation
from unmask.scan.runner import ScanOptions, ScanResult, run_scan
from unmask.scan.sources import expand_inputs
from unmask.scan.worker import ScanSettings, evidence_clip
from unmask.types import Box, Face

FPS = 10
SECONDS = 4.0
CUT_AT = 2.0
HIDDEN = (0.8, 1.5)  # grace is covered for 0.7 s, longer than a plain overlap tracker bridges


def paste(frame: np.ndarray, portrait: np.ndarray, x: int) -> None:
    height = 300
    width = int(portrait.shape[1] * height / portrait.shape[0])
    frame[40 : 40 + height, x : x + width] = cv2.resize(portrait, (width, height))


def render(portraits: dict[str, np.ndarray], path: Path) -> list[np.ndarray]:
    """Shot 1: Eileen left, Grace right (Grace hidden a while); shot 2: the two swap sides
    in front of another background."""
    frames = []
    for step in range(int(SECONDS * FPS)):
        t = step / FPS
        frame = np.zeros((360, 640, 3), dtype=np.uint8)
        second = t >= CUT_AT
        frame[:] = (170, 120, 60) if second else (40, 60, 110)
        frame[::9] = (200, 150, 90) if second else (60, 80, 140)
        left, right = (
            ("grace_hopper", "eileen_collins") if second else ("eileen_collins", "grace_hopper")
        )
        paste(frame, portraits[left], 10 + step % 3)
        paste(frame, portraits[right], 340)
        if not second and HIDDEN[0] <= t < HIDDEN[1]:
            frame[20:360, 330:640] = (90, 90, 90)
        frames.append(frame)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), FPS, (640, 360))
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return frames


@pytest.fixture(scope="module")
def footage(portraits, portrait_files, tmp_path_factory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("footage")
    clip = folder / "door.avi"
    frames = render(portraits, clip)
    bad = folder / "bad.mp4"
    bad.write_bytes(os.urandom(3000))
    (folder / "empty").mkdir()
    gallery = folder / "g.sqlite"
    probe = ProbeMaker().single(portrait_files["eileen_collins"])
    with Gallery(gallery, create=True) as store:
        store.enroll("eileen", [Template(probe.embedding, "eileen.png")])
    return {"folder": folder, "clip": clip, "bad": bad, "gallery": gallery, "frames": frames}


def scan(footage: dict[str, Any], out: Path, **options: Any) -> ScanResult:
    inputs = [
        str(footage["clip"]),
        str(footage["bad"]),
        str(footage["folder"] / "missing.mp4"),
        str(footage["folder"] / "empty"),
    ]
    return run_scan(inputs, ScanOptions(out=out, db=str(footage["gallery"]), **options))


@pytest.fixture(scope="module")
def first(footage, tmp_path_factory) -> tuple[ScanResult, Path]:
    out = tmp_path_factory.mktemp("scan") / "out"
    return scan(footage, out), out


def records(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "tracks.jsonl").read_text().splitlines()]


def test_bad_files_are_reported_each_in_its_entry_and_the_batch_goes_on(first) -> None:
    result, _ = first
    clip, bad, missing, empty = result.entries
    assert clip["error"] is None and clip["frames"] == int(SECONDS * FPS)
    assert bad["error_type"] in {"CorruptMediaError", "UnsupportedMediaError"}
    assert missing["error_type"] == "MediaNotFoundError"
    assert empty["error_type"] == "MediaNotFoundError" and "holds no" in empty["error"]
    assert result.exit_code == 4  # the first failing file's code


def test_two_people_one_track_each_per_shot_across_the_occlusion_and_never_across_the_cut(
    first,
) -> None:
    result, out = first
    clip = result.entries[0]
    assert len(clip["cuts"]) == 1 and abs(clip["cuts"][0] - CUT_AT) < 0.11
    tracks = sorted(records(out), key=lambda r: (r["first_seen"], r["box"][0]))
    assert len(tracks) == 4, [(t["first_seen"], t["last_seen"], t["box"]) for t in tracks]
    eileen_1, grace_1, grace_2, eileen_2 = tracks
    assert grace_1["first_seen"] < HIDDEN[0] and grace_1["last_seen"] > HIDDEN[1]  # one track
    assert grace_1["last_seen"] < CUT_AT <= grace_2["first_seen"]
    assert eileen_1["id"] == eileen_2["id"] == "eileen"
    assert grace_1["id"] is None and grace_2["id"] is None
    assert grace_1["cluster"] == grace_2["cluster"] != eileen_1["cluster"]
    assert grace_1["distance"] > 0.6 > eileen_1["distance"]


def test_outputs_have_the_record_fields_a_readable_csv_and_a_report(first) -> None:
    _, out = first
    rows = records(out)
    for row in rows:
        assert {
            "file",
            "track",
            "first_seen",
            "last_seen",
            "id",
            "cluster",
            "distance",
            "liveness",
            "alerts",
        } <= set(row)
        assert row["liveness"]["decision"] in {"bona_fide", "attack", "inconclusive"}
        assert set(row["liveness"]["cues"]) >= {"pulse", "motion", "eyes"}
        assert (out / row["crop"]).stat().st_size > 500
    try:
        import pandas
    except ImportError:
        with (out / "tracks.csv").open(newline="") as handle:
            table = list(csv.DictReader(handle))
        assert len(table) == len(rows) and float(table[0]["first_seen"]) >= 0
    else:
        frame = pandas.read_csv(out / "tracks.csv")
        assert len(frame) == len(rows) and frame["first_seen"].dtype.kind == "f"
    report = (out / "report.html").read_text()
    assert "data:image/png;base64," in report and "crops/" in report and "bad.mp4" in report


def test_a_second_run_skips_finished_files_and_a_changed_file_is_scanned_again(
    footage, first
) -> None:
    _, out = first
    before = (out / "tracks.jsonl").read_text()
    again = scan(footage, out)
    assert again.entries[0]["skipped"] is True and again.entries[1]["error"]
    assert (out / "tracks.jsonl").read_text() == before
    assert len(again.entries[0]["tracks"]) == 4
    stat = footage["clip"].stat()
    os.utime(footage["clip"], ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    changed = scan(footage, out)
    assert changed.entries[0]["skipped"] is False
    assert len(records(out)) == 4  # the old records of the clip were replaced, not doubled
    clusters = {r["cluster"] for r in records(out)}
    assert clusters == {r["cluster"] for r in json.loads("[" + ",".join(before.splitlines()) + "]")}


def test_folders_globs_and_image_sequences(footage, tmp_path) -> None:
    frames = tmp_path / "cam1"
    frames.mkdir()
    for index, frame in enumerate(footage["frames"][:8]):
        cv2.imwrite(str(frames / f"{index:04d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    (frames / "0008.png").write_bytes(b"not a png")
    items = expand_inputs([str(tmp_path / "cam*"), str(footage["clip"])])
    assert [(i.sequence, len(i.paths)) for i in items] == [(True, 9), (False, 1)]
    result = run_scan(
        [str(frames)], ScanOptions(out=tmp_path / "out", settings=ScanSettings(sequence_fps=10))
    )
    entry = result.entries[0]
    assert entry["error"] is None and entry["frames"] == 8
    assert any("0008.png" in w for w in entry["warnings"])
    assert len(entry["tracks"]) == 2
    assert all(abs(t["last_seen"] - 0.7) < 1e-6 for t in entry["tracks"])


def test_an_evidence_clip_shows_the_seconds_around_the_alert(footage) -> None:
    track = TrackObservation(1)
    track.faces = [
        Face(
            box=Box(340, 60, 120, 120),
            score=0.9,
            keypoints=np.zeros((6, 2), np.float32),
            frame_index=i,
            timestamp=i / FPS,
        )
        for i in range(40)
    ]
    item = expand_inputs([str(footage["clip"])])[0]
    data = evidence_clip(item, ScanSettings(clip_seconds=1.0), track, 2.0)
    assert data is not None
    import av

    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"  # plays inline in browsers, unlike mp4v
        pictures = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
    assert 9 <= len(pictures) <= 12
    edge = pictures[0][60:180, 340:342].astype(int)  # the box's left side, drawn in red
    assert edge[:, :, 0].mean() > 150 and edge[:, :, 1].mean() < 100


def test_the_command_prints_one_document_and_exits_with_the_files_code(footage, tmp_path) -> None:
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        code = main(["scan", str(footage["bad"]), "--out", str(tmp_path / "o"), "--json"])
    document = json.loads(buffer.getvalue())
    assert code == 4 and document["results"][0]["file"] == str(footage["bad"])
    assert (tmp_path / "o" / "tracks.csv").read_text().startswith("file,track,first_seen")


@pytest.fixture(scope="module")
def ray_local():
    os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")  # workers: this interpreter
    ray = pytest.importorskip("ray", reason="Ray is not installed (uv sync installs it for dev)")
    try:
        ray.init(num_cpus=2, include_dashboard=False, configure_logging=False, log_to_driver=False)
    except Exception as exc:  # any start-up failure is a reason to skip, said precisely
        pytest.skip(f"a local Ray could not start here: {type(exc).__name__}: {exc}")
    yield ray
    ray.shutdown()


def test_a_local_ray_gives_the_same_results_as_a_local_run(
    footage, first, ray_local, tmp_path
) -> None:
    result, _ = first
    on_ray = run_scan(
        [str(footage["clip"]), str(footage["bad"])],
        ScanOptions(out=tmp_path / "ray", db=str(footage["gallery"]), ray="local"),
    )
    assert on_ray.entries[1]["error"] == result.entries[1]["error"]
    assert records(tmp_path / "ray") == result.entries[0]["tracks"]  # as first written


def test_a_ray_worker_that_dies_is_retried_and_one_that_always_dies_is_reported(
    ray_local, tmp_path
) -> None:
    from unmask.scan.on_ray import run_on_ray
    from unmask.scan.runner import Failure

    def dies_once(item: int, folder: str) -> int:
        marker = Path(folder) / f"{item}.died"
        if item == 2 and not marker.exists():
            marker.touch()
            os._exit(1)  # the worker process dies, as on an out-of-memory kill
        return item * 10

    assert list(run_on_ray(dies_once, [1, 2, 3], str(tmp_path), "local", 2)) == [10, 20, 30]
    assert (tmp_path / "2.died").exists()

    def always_dies(item: int, folder: str) -> int:
        (Path(folder) / f"try-{os.getpid()}").touch()
        os._exit(1)

    outcome = list(run_on_ray(always_dies, [7], str(tmp_path), "local", 2, retries=1))
    assert isinstance(outcome[0], Failure) and "after 1 retries" in outcome[0].message
    assert len(list(tmp_path.glob("try-*"))) == 2  # tried, retried, reported: never dropped


def test_an_attack_verdict_is_an_alert_with_every_cue_and_its_evidence() -> None:
    from unmask.scan.worker import alerts_for, engine_for
    from unmask.types import CueScore, Verdict

    cues = {
        "motion": CueScore("motion", 0.05, 0.9, evidence={"planarity": 0.97}),
        "pulse": CueScore("pulse", None, reason="too compressed", evidence={"bpp": 0.02}),
    }
    mask = Verdict("attack", 0.01, "high", cues, species="silicone_mask", deciding_cues=("motion",))
    (alert,) = alerts_for(mask, engine_for("high"), 3.25)
    assert (
        alert["kind"] == "mask" and alert["time"] == 3.25 and alert["deciding_cues"] == ["motion"]
    )
    assert alert["cues"]["motion"]["evidence"] == {"planarity": 0.97}
    assert alert["cues"]["pulse"]["reason"] == "too compressed"
    printed = Verdict("attack", 0.01, "high", cues, species="print")
    assert alerts_for(printed, engine_for("high"), 1.0)[0]["kind"] == "attack"
    assert alerts_for(Verdict("bona_fide", 0.99, "high", cues), engine_for("high"), 1.0) == []


def test_strict_makes_a_truncated_file_an_error_in_any_process(footage, tmp_path) -> None:
    cut = tmp_path / "cut.avi"
    data = footage["clip"].read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    strict = ScanOptions(out=tmp_path / "out", settings=ScanSettings(strict=True))
    entry = run_scan([str(cut)], strict).entries[0]
    assert entry["error_type"] == "CorruptMediaError" and "truncated" in entry["error"]
