"""`unmask serve`: the REST service (docs/service.md), on localhost unless told otherwise."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from unmask.cli.flags import add_data_dir
from unmask.cli.output import Outcome
from unmask.service.settings import Limits, Lockout

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def register(subparsers: Any) -> None:
    limits, lockout = Limits(), Lockout()
    parser = subparsers.add_parser("serve", help="the REST service (docs/service.md)")
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)"
    )
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument(
        "--db",
        metavar="GALLERY",
        default=None,
        help="gallery file (default gallery.sqlite in the data folder; created if missing)",
    )
    add_data_dir(parser)
    parser.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="allow browser calls from this origin (repeatable; default none: CORS closed)",
    )
    parser.add_argument(
        "--keep-uploads",
        action="store_true",
        help="keep every uploaded image and video under DATA_DIR/uploads (default: never stored)",
    )
    parser.add_argument(
        "--max-upload-mb",
        type=float,
        default=limits.upload_bytes / 2**20,
        help=f"largest request body (default {limits.upload_bytes / 2**20:g} MiB; 413 above)",
    )
    parser.add_argument(
        "--max-pixels",
        type=int,
        default=limits.pixels,
        help=f"largest image or video frame in pixels (default {limits.pixels:,}; 413 above)",
    )
    parser.add_argument(
        "--max-video-seconds",
        type=float,
        default=limits.video_seconds,
        help=f"longest video accepted (default {limits.video_seconds:g} s; 422 above)",
    )
    parser.add_argument(
        "--request-seconds",
        type=float,
        default=limits.request_seconds,
        help=f"time limit of one request, queueing included (default {limits.request_seconds:g} s; 408)",
    )
    parser.add_argument(
        "--lockout-attacks",
        type=int,
        default=lockout.attacks,
        help=f"attack verdicts that lock an identity or a key (default {lockout.attacks})",
    )
    parser.add_argument(
        "--lockout-window",
        type=float,
        default=lockout.window_seconds,
        help=f"... within this many seconds (default {lockout.window_seconds:g})",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker threads running the models, each with its own copy (default 1)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> Outcome:
    import uvicorn

    from unmask.errors import InputError
    from unmask.service.app import create_app
    from unmask.service.settings import ServiceSettings

    if args.workers < 1 or args.lockout_attacks < 1 or args.max_upload_mb <= 0:
        raise InputError("--workers, --lockout-attacks and --max-upload-mb must be positive")
    settings = ServiceSettings.create(
        args.data_dir,
        Path(args.db) if args.db else None,
        host=args.host,
        port=args.port,
        limits=Limits(
            upload_bytes=int(args.max_upload_mb * 2**20),
            pixels=args.max_pixels,
            video_seconds=args.max_video_seconds,
            request_seconds=args.request_seconds,
        ),
        lockout=Lockout(attacks=args.lockout_attacks, window_seconds=args.lockout_window),
        cors_origins=tuple(args.cors_origin),
        keep_uploads=args.keep_uploads,
        workers=args.workers,
    )
    app = create_app(settings)
    key = app.state.service.keys.bootstrap_admin()
    if key is not None:
        print(
            f"unmask: first start: admin key (shown only now, stored hashed): {key}",
            file=sys.stderr,
            flush=True,
        )
    if args.host not in LOOPBACK:
        print(
            f"unmask: warning: listening on {args.host}: reachable from other machines; "
            "put TLS in front (a reverse proxy) before sending keys over a network",
            file=sys.stderr,
        )
    print(
        f"unmask: serving on http://{args.host}:{args.port} (API docs at /docs), "
        f"data folder {settings.data_dir}, gallery {settings.db}",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return Outcome(document={})
