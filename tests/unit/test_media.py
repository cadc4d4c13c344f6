"""Media decoding: every format, depth and orientation to upright RGB uint8; bad files refused."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from unmask.errors import CorruptMediaError, MediaNotFoundError, UnsupportedMediaError
from unmask.media import frame_from_array, is_video, iter_frames, read_image, read_video, video_info


def gradient(height: int = 48, width: int = 64) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width]
    return np.stack([x * 4 % 256, y * 5 % 256, (x + y) % 256], axis=2).astype(np.uint8)


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".webp", ".bmp", ".ppm", ".tif"])
def test_colour_formats_decode_to_rgb8(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"image{suffix}"
    Image.fromarray(gradient()).save(path)
    frame = read_image(path)
    assert frame.image.dtype == np.uint8
    assert frame.image.shape == (48, 64, 3)
    tolerance = 40 if suffix in (".jpg", ".webp") else 0
    assert np.abs(frame.image.astype(int) - gradient().astype(int)).mean() <= tolerance


def test_greyscale_pgm_becomes_three_equal_channels(tmp_path: Path) -> None:
    path = tmp_path / "grey.pgm"
    Image.fromarray(gradient()[:, :, 0]).save(path)
    image = read_image(path).image
    assert image.shape == (48, 64, 3)
    assert np.array_equal(image[:, :, 0], image[:, :, 2])


def test_sixteen_bit_png_is_scaled_not_clipped(tmp_path: Path) -> None:
    path = tmp_path / "deep.png"
    deep = (np.linspace(0, 65535, 48 * 64).reshape(48, 64)).astype(np.uint16)
    Image.fromarray(deep).save(path)
    image = read_image(path).image
    assert image.max() >= 250 and image.min() <= 5


def test_alpha_is_composited_on_white(tmp_path: Path) -> None:
    path = tmp_path / "alpha.png"
    rgba = np.zeros((32, 32, 4), dtype=np.uint8)
    rgba[:, :16] = (255, 0, 0, 255)
    Image.fromarray(rgba, "RGBA").save(path)
    image = read_image(path).image
    assert tuple(image[0, 0]) == (255, 0, 0)
    assert tuple(image[0, 31]) == (255, 255, 255)


def test_gif_first_frame(tmp_path: Path) -> None:
    path = tmp_path / "anim.gif"
    frames = [Image.new("RGB", (32, 32), colour) for colour in ((250, 0, 0), (0, 0, 250))]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    assert read_image(path).image[5, 5, 0] > 200


def test_exif_orientation_is_honoured(tmp_path: Path) -> None:
    path = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    Image.fromarray(gradient(40, 80)).save(path, exif=exif)
    assert read_image(path).image.shape == (80, 40, 3)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MediaNotFoundError, match="no such file"):
        read_image(tmp_path / "absent.jpg")


def test_not_an_image(tmp_path: Path) -> None:
    path = tmp_path / "notes.jpg"
    path.write_text("hello")
    with pytest.raises(CorruptMediaError):
        read_image(path)


def test_truncated_jpeg(tmp_path: Path) -> None:
    path = tmp_path / "cut.jpg"
    Image.fromarray(gradient(200, 200)).save(path, quality=95)
    path.write_bytes(path.read_bytes()[:600])
    with pytest.raises(CorruptMediaError, match="corrupt or truncated"):
        read_image(path)


def test_absurd_sizes_are_refused(tmp_path: Path) -> None:
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (4, 4)).save(tiny)
    with pytest.raises(UnsupportedMediaError, match="too small"):
        read_image(tiny)
    with pytest.raises(UnsupportedMediaError, match="too large"):
        frame_from_array(np.zeros((1, 1, 3), dtype=np.uint8).repeat(20_000, 0).repeat(20_000, 1))


def test_arrays_of_other_depths() -> None:
    assert frame_from_array(np.full((32, 32), 0.5)).image[0, 0, 0] == 127
    assert frame_from_array(np.full((32, 32, 4), 65535, dtype=np.uint16)).image.max() == 255


def write_video(
    path: Path, codec: str, times_ms: list[int], size: tuple[int, int] = (64, 48)
) -> None:
    """A tiny clip whose frame k shows brightness 10*k, stamped at the given times."""
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(codec, rate=30)
        stream.width, stream.height = size
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        stream.time_base = Fraction(1, 1000)
        stream.codec_context.time_base = Fraction(1, 1000)
        for index, stamp in enumerate(times_ms):
            pixels = np.full((size[1], size[0], 3), 10 * index % 250, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = stamp
            frame.time_base = Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


@pytest.mark.parametrize(
    ("suffix", "codec"), [(".mp4", "libx264"), (".avi", "mjpeg"), (".mkv", "mpeg4")]
)
def test_video_containers_decode_with_timestamps(tmp_path: Path, suffix: str, codec: str) -> None:
    path = tmp_path / f"clip{suffix}"
    write_video(path, codec, [round(i * 1000 / 30) for i in range(12)])
    frames = list(read_video(path))
    assert len(frames) == 12
    assert frames[0].timestamp == 0.0
    assert frames[-1].timestamp == pytest.approx(11 / 30, abs=0.002)
    assert is_video(path)
    assert video_info(path)["width"] == 64


def test_variable_frame_rate_times_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "vfr.mkv"
    stamps = [0, 33, 50, 120, 140, 300]
    write_video(path, "mpeg4", stamps)
    times = [round(frame.timestamp * 1000) for frame in read_video(path)]
    assert times == stamps


def test_max_seconds_stops_early(tmp_path: Path) -> None:
    path = tmp_path / "long.mp4"
    write_video(path, "libx264", [round(i * 1000 / 30) for i in range(60)])
    assert len(list(iter_frames(path, max_seconds=0.5))) == 16


def test_truncated_video_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cut.mp4"
    write_video(path, "libx264", [round(i * 1000 / 30) for i in range(30)])
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 3])
    with pytest.raises(CorruptMediaError):
        list(read_video(path))


def test_garbage_video_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "noise.mp4"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    with pytest.raises(CorruptMediaError):
        list(read_video(path))
