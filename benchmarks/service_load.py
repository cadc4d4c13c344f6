"""Load on the REST service: N concurrent identify clients for S seconds, on loopback.

    uv run python benchmarks/service_load.py --clients 4 --seconds 30 --templates 10000

Builds a throwaway data folder with a gallery of `--templates` templates (simulated random
descriptors, 100 per identity, plus the real portraits of the two bundled faces), starts
`unmask serve` as a real process on 127.0.0.1, waits for it, sends one warm-up request (model
loading is not timed), then runs the clients: each posts a portrait to /api/identify, waits
for the answer and posts again, until the time is up. Prints requests/s, p50/p95 latency and
errors (any answer other than 200 whose best candidate is the portrait's own identity).
The service runs with its default of one model worker thread, so requests queue behind it:
the throughput is one core's, latency grows with the clients.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

from unmask.bundled import bundled_faces
from unmask.identity import Gallery, ProbeMaker, Template
from unmask.service.keys import KeyStore

PER_IDENTITY = 100


def build_gallery(data_dir: Path, templates: int) -> tuple[Path, dict[str, bytes]]:
    """A gallery of random templates plus the bundled faces; the faces' PNG bytes."""
    rng = np.random.default_rng(0)
    path = data_dir / "gallery.sqlite"
    maker = ProbeMaker()
    faces = {}
    with Gallery(path, create=True, data_dir=data_dir) as gallery:
        for name, image in bundled_faces().items():
            gallery.enroll(name, [Template(maker.single(image).embedding, name)])
            buffer = io.BytesIO()
            Image.fromarray(image).save(buffer, "PNG")
            faces[name] = buffer.getvalue()
        # Enrolment checks every template already there, so many small enrolments cost
        # O(N^2): PER_IDENTITY templates at a time keeps the set-up to seconds.
        for start in range(0, templates - len(faces), PER_IDENTITY):
            count = min(PER_IDENTITY, templates - len(faces) - start)
            gallery.enroll(
                f"sim{start // PER_IDENTITY:05d}",
                [
                    Template(rng.normal(0, 0.09, 128).astype(np.float32), "simulated")
                    for _ in range(count)
                ],
            )
        total = sum(record.templates for record in gallery.identities())
    print(f"gallery: {total} templates ({len(faces)} real faces, the rest simulated)")
    return path, faces


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


async def client(
    url: str,
    key: str,
    faces: dict[str, bytes],
    until: float,
    latencies: list[float],
    errors: list[str],
) -> None:
    names = list(faces)
    async with httpx.AsyncClient(timeout=300.0) as http:
        turn = 0
        while time.monotonic() < until:
            name = names[turn % len(names)]
            turn += 1
            started = time.monotonic()
            try:
                response = await http.post(
                    f"{url}/api/identify",
                    headers={"X-API-Key": key},
                    files={"file": (f"{name}.png", faces[name])},
                )
            except httpx.HTTPError as exc:
                errors.append(type(exc).__name__)
                continue
            latencies.append(time.monotonic() - started)
            if response.status_code != 200:
                errors.append(str(response.status_code))
            elif response.json()["faces"][0]["candidates"][0]["id"] != name:
                errors.append("wrong identity")


async def load(url: str, key: str, faces: dict[str, bytes], clients: int, seconds: float) -> None:
    latencies: list[float] = []
    errors: list[str] = []
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start "
        "(other work on a shared machine slows every figure)"
    )
    started = time.monotonic()
    until = started + seconds
    await asyncio.gather(
        *(client(url, key, faces, until, latencies, errors) for _ in range(clients))
    )
    elapsed = time.monotonic() - started
    done = np.array(latencies) * 1000
    print(
        "| clients | seconds | requests | requests/s | p50 ms | p95 ms | errors |\n"
        "|---:|---:|---:|---:|---:|---:|---:|\n"
        f"| {clients} | {elapsed:.1f} | {len(done)} | {len(done) / elapsed:.2f} | "
        f"{np.percentile(done, 50):.0f} | {np.percentile(done, 95):.0f} | {len(errors)} |"
    )
    if errors:
        print("errors:", sorted(set(errors)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--templates", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="unmask-load-") as folder:
        data_dir = Path(folder)
        os.chmod(data_dir, 0o700)
        db, faces = build_gallery(data_dir, args.templates)
        keys = KeyStore(data_dir)
        keys.bootstrap_admin()
        _, key = keys.add("operator", "load benchmark")
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "unmask.cli.main",
                "serve",
                "--port",
                str(port),
                "--data-dir",
                str(data_dir),
                "--db",
                str(db),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while not healthy(url):
                if server.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"service_load: the server did not start (exit {server.poll()})")
                time.sleep(0.1)
            name = next(iter(faces))
            warm = httpx.post(
                f"{url}/api/identify",
                headers={"X-API-Key": key},
                files={"file": ("warm.png", faces[name])},
                timeout=300.0,
            )
            warm.raise_for_status()
            asyncio.run(load(url, key, faces, args.clients, args.seconds))
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
