"""Install unmask with plain pip into a fresh virtual environment and print what it costs.

The figure users care about is what `pip install .` (or `pip install unmask`) puts on their
disk, and whether TensorFlow comes with it: uv's lock says nothing about pip. The script makes
a new venv, installs this checkout with pip, then reports the venv's size, the largest
packages, whether TensorFlow or Keras is present, and whether the installed unmask finds and
loads its four face models and runs a detection on a blank image (which must find no face).

    uv run python benchmarks/install_size.py [--keep DIR] [--extras demo]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECK = (
    "import numpy as np; from unmask.face.detector import BlazeFaceDetector; "
    "from unmask.models import tflite_interpreter; "
    "names = ('face_detection_short_range', 'face_detection_full_range', 'face_landmark', "
    "'iris_landmark'); [tflite_interpreter(n + '.tflite') for n in names]; "
    "print(f'{len(names)} models loaded, ', end=''); "
    "print(len(BlazeFaceDetector().detect(np.zeros((240, 320, 3), np.uint8))), 'faces')"
)


def folder_megabytes(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def largest_packages(site: Path, count: int) -> list[tuple[str, float]]:
    sizes = [(entry.name, folder_megabytes(entry)) for entry in site.iterdir() if entry.is_dir()]
    return sorted(sizes, key=lambda item: -item[1])[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="make the venv here and keep it")
    parser.add_argument("--extras", default="", help="extras to install, e.g. demo")
    args = parser.parse_args()
    holder = None if args.keep else tempfile.TemporaryDirectory(prefix="unmask-pip-")
    venv = args.keep or Path(holder.name) / "venv"  # type: ignore[union-attr]
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    target = f"{ROOT}[{args.extras}]" if args.extras else str(ROOT)
    start = time.monotonic()
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", target], check=True)
    seconds = time.monotonic() - start
    site = next((venv / "lib").glob("python3*/site-packages"))
    listed = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True
    ).stdout.lower()
    heavy = [name for name in ("tensorflow", "keras", "torch") if f"\n{name}==" in f"\n{listed}"]
    faces = subprocess.run([str(python), "-c", CHECK], capture_output=True, text=True)
    print(
        f"| venv after `pip install .{'[' + args.extras + ']' if args.extras else ''}` | "
        f"{folder_megabytes(venv):.0f} MB |"
    )
    print(f"| install time (pip, this machine) | {seconds:.0f} s |")
    print(f"| TensorFlow / Keras / torch installed | {', '.join(heavy) or 'none'} |")
    outcome = faces.stdout.strip() if faces.returncode == 0 else faces.stderr.strip()[-200:]
    print(f"| face models found and run (faces on a blank image) | {outcome} |")
    for name, size in largest_packages(site, 8):
        print(f"| {name} | {size:.0f} MB |")
    if holder is not None:
        holder.cleanup()


if __name__ == "__main__":
    main()
