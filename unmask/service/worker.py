"""Where the heavy work runs: a few dedicated threads, each with its own models and gallery.

The face models and the gallery's SQLite connection are not safe to share between threads,
and loading them costs seconds, so each worker thread builds its own once and keeps them
(`Worker.resources()` inside a job). Requests wait their turn in the pool's queue; the
request's time limit covers the wait, and a job still queued when its request gives up is
dropped. A job already running cannot be interrupted (Python threads cannot be killed); its
video reading is bounded by the video limit instead.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import HTTPException

from unmask.media_policy import strict_media

if TYPE_CHECKING:
    from unmask.face import FaceAnalyzer
    from unmask.identity import Gallery, ProbeMaker
    from unmask.liveness.engine import LivenessEngine

T = TypeVar("T")


class Resources:
    """One worker thread's models and gallery connection, made on first use."""

    def __init__(self, db: Path, data_dir: Path, max_seconds: float) -> None:
        self.db = db
        self.data_dir = data_dir
        self.max_seconds = max_seconds
        self.open_gallery: Gallery | None = None
        self.made_maker: ProbeMaker | None = None
        self.made_analyzer: FaceAnalyzer | None = None
        self.engines: dict[str, LivenessEngine] = {}

    @property
    def maker(self) -> ProbeMaker:
        if self.made_maker is None:
            from unmask.identity import ProbeMaker

            self.made_maker = ProbeMaker(max_seconds=self.max_seconds)
        return self.made_maker

    @property
    def analyzer(self) -> FaceAnalyzer:
        if self.made_analyzer is None:
            from unmask.face import FaceAnalyzer

            self.made_analyzer = FaceAnalyzer()
        return self.made_analyzer

    def engine(self, level: str) -> LivenessEngine:
        """The liveness engine of a security level, video read up to the video limit."""
        if level not in self.engines:
            from unmask.liveness.engine import LivenessEngine

            self.engines[level] = LivenessEngine(level=level, max_seconds=self.max_seconds)
        return self.engines[level]

    def gallery(self) -> Gallery:
        """The gallery, kept open so its template matrix stays cached between requests."""
        from unmask.identity import open_gallery

        if self.open_gallery is None:
            self.open_gallery = open_gallery(self.db, data_dir=self.data_dir)
        return self.open_gallery


class Worker:
    def __init__(self, threads: int, db: Path, data_dir: Path, max_seconds: float) -> None:
        self.executor = ThreadPoolExecutor(max(1, threads), thread_name_prefix="unmask-worker")
        self.local = threading.local()
        self.db, self.data_dir, self.max_seconds = db, data_dir, max_seconds

    def resources(self) -> Resources:
        """This worker thread's resources (call it inside a job)."""
        if not hasattr(self.local, "resources"):
            self.local.resources = Resources(self.db, self.data_dir, self.max_seconds)
        found: Resources = self.local.resources
        return found

    async def run(self, timeout: float, job: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`job(*args, **kwargs)` on a worker thread, with media read strictly (a truncated
        upload is an error, not a warning nobody sees); 408 after `timeout` seconds."""

        def strict() -> T:
            with strict_media(True):
                return job(*args, **kwargs)

        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self.executor, functools.partial(strict))
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise HTTPException(408, f"the request took longer than {timeout:g} s") from None

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
