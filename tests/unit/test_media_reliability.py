"""Media that lie: truncated stills and videos, sideways phone videos, pipes named like files.

Each is made by the test itself. The CLI must answer from the whole file or say it could not:
a truncated file is a warning (exit 4 with --strict), a damaged still is exit 4, never a
picture FFmpeg dug out of the damaged file.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from PIL import Image

from unmask.cli.main import main
from unmask.errors import CorruptMediaError, UnsupportedMediaError
from unmask.media import is_video, iter_frames, read_video
from unmask.media_policy import MediaWarning, strict_media


def jpeg_with_thumbnail_cut(path: Path) -> Path:
    """A photo whose EXIF block holds a 160x128 thumbnail, cut inside that block: the photo is
    lost, the thumbnail is whole (the issue's `head -c 13996 obama.jpg`)."""
    thumbnail = io.BytesIO()
    Image.new("RGB", (160, 128), (200, 30, 30)).save(thumbnail, "JPEG")
    exif = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08" + bytes(6) + thumbnail.getvalue() + bytes(2000)
    photo = np.random.default_rng(0).integers(0, 255, (400, 300, 3), dtype=np.uint8)
    whole = io.BytesIO()
    Image.fromarray(photo).save(whole, "JPEG", exif=exif)
    path.write_bytes(whole.getvalue()[: len(exif) - 1000])
    return path


def write_clip(
    path: Path,
    codec: str,
    frames: int = 40,
    rotation: int | None = None,
    images: list[np.ndarray] | None = None,
) -> Path:
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(codec, rate=10)
        first = images[0] if images else None
        stream.height, stream.width = first.shape[:2] if first is not None else (48, 64)
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for index in range(frames):
            pixels = (
                images[index % len(images)]
                if images
                else np.random.default_rng(index).integers(0, 255, (48, 64, 3), dtype=np.uint8)
            )
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.err.strip().splitlines(), captured.out


def test_truncated_jpeg_is_corrupt_not_its_thumbnail(tmp_path: Path, capsys) -> None:
    path = jpeg_with_thumbnail_cut(tmp_path / "cut.jpg")
    with av.open(str(path)) as container:  # what the old fallback decoded instead
        assert next(container.decode(video=0)).width == 160
    assert not is_video(path)
    with pytest.raises(CorruptMediaError, match="corrupt or truncated"):
        list(iter_frames(path))
    code, _, out = cli(capsys, "detect", "--json", str(path))
    assert code == CorruptMediaError.exit_code
    assert json.loads(out)["error_type"] == "CorruptMediaError"  # a lone file's error document
    code, err, _ = cli(capsys, "pulse", str(path))
    assert code == CorruptMediaError.exit_code
    assert len(err) == 1 and err[0].startswith("unmask: error: ")


def test_a_still_image_is_not_a_pulse_video(tmp_path: Path, capsys) -> None:
    path = tmp_path / "still.png"
    Image.new("RGB", (64, 64)).save(path)
    code, err, _ = cli(capsys, "pulse", str(path))
    assert code == UnsupportedMediaError.exit_code and "still image" in err[0]


@pytest.mark.parametrize(
    ("suffix", "codec", "keep"),
    [
        (".avi", "mjpeg", 0.3),
        (".avi", "mpeg4", 0.9),
        (".mp4", "mpeg4", 0.999),
        (".mkv", "mpeg4", 0.3),
    ],
)
def test_truncated_video_warns_and_strict_refuses(
    tmp_path: Path, capsys, suffix: str, codec: str, keep: float
) -> None:
    whole = write_clip(tmp_path / f"whole{suffix}", codec)
    with warnings.catch_warnings(record=True) as caught:  # the whole file is read silently
        warnings.simplefilter("always")
        assert len(list(read_video(whole))) == 40
    assert not [w for w in caught if issubclass(w.category, MediaWarning)]
    cut = tmp_path / f"cut{suffix}"
    data = whole.read_bytes()
    cut.write_bytes(data[: int(len(data) * keep)])
    with pytest.warns(MediaWarning, match=r"truncated|cut short"):
        read = len(list(read_video(cut)))
    assert 0 < read <= 40
    with strict_media(), pytest.raises(CorruptMediaError):
        list(read_video(cut))
    code, err, out = cli(capsys, "detect", "--json", str(cut))
    assert code == 0
    assert len(err) == 1 and err[0].startswith("unmask: warning: ") and "frames" in err[0]
    assert json.loads(out)["warnings"] == [err[0].removeprefix("unmask: warning: ")]
    code, err, out = cli(capsys, "detect", "--strict", "--json", str(cut))
    assert code == CorruptMediaError.exit_code
    assert json.loads(out)["error_type"] == "CorruptMediaError"  # a lone file's error document


def test_display_matrix_rotation_is_applied(tmp_path: Path, portraits, capsys) -> None:
    marked = np.zeros((48, 64, 3), dtype=np.uint8)
    marked[:, :8] = 255  # a white band on the left of the stored (sideways) picture
    path = write_clip(tmp_path / "marked.mp4", "mpeg4", frames=3, rotation=-90, images=[marked])
    frames = list(read_video(path))
    assert frames[0].image.shape == (64, 48, 3)
    # Turned 90 degrees clockwise for display, the left band becomes the top rows.
    assert frames[0].image[:6].mean() > 200 and frames[0].image[-20:].mean() < 50

    upright = cv2.resize(portraits["eileen_collins"], (240, 320))
    sideways = np.ascontiguousarray(np.rot90(upright, k=1))  # how the phone stored it
    still = tmp_path / "upright.png"
    Image.fromarray(upright).save(still)
    phone = write_clip(tmp_path / "phone.mp4", "mpeg4", frames=6, rotation=-90, images=[sideways])
    boxes = []
    for source in (still, phone):
        code, _, out = cli(capsys, "detect", "--json", "--no-mesh", str(source))
        assert code == 0
        boxes.append([face["box"] for face in json.loads(out)["results"][0]["faces"]])
    assert len(boxes[1]) == 6
    expected = np.array(boxes[0][0], dtype=float)
    for box in boxes[1]:  # where the face is in the upright picture, not in the sideways one
        assert np.abs(np.array(box, dtype=float) - expected).max() < 12


def test_a_fifo_named_like_a_photo_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "x.jpg"
    os.mkfifo(fifo)
    with pytest.raises(UnsupportedMediaError, match="not a regular file"):
        is_video(fifo)
    result = subprocess.run(
        [sys.executable, "-m", "unmask.cli.main", "detect", str(fifo)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == UnsupportedMediaError.exit_code
    assert "not a regular file" in result.stderr
    assert "Traceback" not in result.stderr


def test_max_seconds_bounds_video_reading_in_the_cli(tmp_path: Path, capsys) -> None:
    clip = write_clip(tmp_path / "long.mkv", "mpeg4", frames=40)
    code, _, out = cli(capsys, "detect", "--json", "--no-mesh", "--max-seconds", "1", str(clip))
    assert code == 0 and json.loads(out)["results"][0]["frames"] == 11
