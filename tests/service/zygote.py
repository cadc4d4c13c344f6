"""A parent that imports the service and its models once, then forks one real server per
request: `python -m tests.service.zygote DATA_DIR`, then write a port per line on stdin; each
child's pid comes back on stdout. Children are uvicorn servers on 127.0.0.1 (killed by the
test with SIGKILL), reaped automatically. Forking keeps the kill -9 test bounded: a fresh
interpreter pays several seconds of imports per start on a busy machine."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path


def serve_forever(data_dir: Path, port: int) -> None:
    import uvicorn

    from unmask.service.app import create_app
    from unmask.service.settings import ServiceSettings

    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)
    os.dup2(quiet, 2)
    app = create_app(ServiceSettings.create(data_dir))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error")


def main() -> None:
    import uvicorn  # noqa: F401  (imported here, once, for every child)

    from unmask.face import FaceAnalyzer
    from unmask.identity.embedder import dlib_models
    from unmask.service.app import create_app  # noqa: F401

    dlib_models()
    FaceAnalyzer()
    data_dir = Path(sys.argv[1])
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    print("ready", flush=True)
    for line in sys.stdin:
        port = int(line)
        pid = os.fork()
        if pid == 0:
            try:
                serve_forever(data_dir, port)
            finally:
                os._exit(0)
        print(pid, flush=True)


if __name__ == "__main__":
    main()
