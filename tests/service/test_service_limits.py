"""Limits: each over-limit or corrupt upload is a clear 4xx, never a 5xx or a slow death."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.malformed import png_header, valid_videos
from tests.service.conftest import Served, png_bytes, serve, upload
from unmask.service.settings import Limits


@pytest.fixture
def strict(tmp_path: Path) -> Iterator[Served]:
    limits = Limits(upload_bytes=300_000, pixels=1_000_000, video_seconds=1.0)
    yield from serve(tmp_path / "data", limits=limits)


def test_a_body_over_the_limit_is_413_and_anonymous_ones_401_first(strict: Served) -> None:
    big = upload("big.png", bytes(400_000))
    response = strict.client.post("/api/detect", headers=strict.headers("operator"), files=big)
    assert response.status_code == 413
    assert response.json()["error_type"] == "PayloadTooLarge"
    assert strict.client.post("/api/detect", files=big).status_code == 401


def test_a_chunked_body_is_cut_at_the_limit(strict: Served) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield bytes(10_000)

    response = strict.client.post(
        "/api/detect",
        headers={**strict.headers("operator"), "Content-Type": "multipart/form-data; boundary=x"},
        content=chunks(),
    )
    assert response.status_code == 413


def test_pixel_limit_before_decoding(strict: Served) -> None:
    wide = np.zeros((1000, 1200, 3), np.uint8)
    too_many = strict.client.post(
        "/api/detect", headers=strict.headers("operator"), files=upload("w.png", png_bytes(wide))
    )
    assert too_many.status_code == 413 and too_many.json()["error_type"] == "LimitError"
    assert "1200x1000" in too_many.json()["error"]
    bomb = strict.client.post(
        "/api/detect",
        headers=strict.headers("operator"),
        files=upload("bomb.png", png_header(30000, 30000)),
    )
    assert bomb.status_code == 413


def test_video_duration_limit(strict: Served) -> None:
    name, data = next(valid_videos())  # 2 s
    response = strict.client.post(
        "/api/detect", headers=strict.headers("operator"), files=upload(name, data)
    )
    assert response.status_code == 422 and response.json()["error_type"] == "LimitError"
    assert "lasts 2.0 s" in response.json()["error"]


def test_corrupt_and_empty_media(strict: Served) -> None:
    buffer = io.BytesIO()
    Image.fromarray(np.full((64, 64, 3), 90, np.uint8)).save(buffer, "JPEG")
    cases = {
        "cut.jpg": (buffer.getvalue()[:200], 422, "CorruptMediaError"),
        "noise.bin": (bytes(range(256)) * 8, 422, "CorruptMediaError"),
        "empty.png": (b"", 400, "InputError"),
    }
    for name, (data, status, kind) in cases.items():
        response = strict.client.post(
            "/api/detect", headers=strict.headers("operator"), files=upload(name, data)
        )
        assert (response.status_code, response.json()["error_type"]) == (status, kind), name
        assert "/tmp" not in response.json()["error"]


def test_request_time_limit_is_408(tmp_path: Path) -> None:
    for served in serve(tmp_path / "data", limits=Limits(request_seconds=1e-6)):
        face = np.full((64, 64, 3), 90, np.uint8)
        response = served.client.post(
            "/api/detect",
            headers=served.headers("operator"),
            files=upload("f.png", png_bytes(face)),
        )
        assert response.status_code == 408
        assert response.json()["error_type"] == "RequestTimeout"


def test_no_upload_is_kept_unless_configured(tmp_path: Path) -> None:
    face = png_bytes(np.full((64, 64, 3), 90, np.uint8))
    for keep in (False, True):
        for served in serve(tmp_path / f"data-{keep}", keep_uploads=keep):
            served.client.post(
                "/api/detect", headers=served.headers("operator"), files=upload("f.png", face)
            )
            kept = list((served.data_dir / "uploads").glob("*")) if keep else []
            assert (served.data_dir / "uploads").exists() is keep
            assert len(kept) == (1 if keep else 0)
