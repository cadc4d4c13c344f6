"""The web console: one static page at `/` and its script and style, from the package.

Everything is served by this process from files inside the package (no CDN, no build step):
a door console must work on a network with no way out. The page loads without a key; the
person types one in, and the page sends it with each API call and in the live stream's first
message. Reports (`unmask evaluate|benchmark|liveness --report DATA_DIR/reports/NAME`) are
listed and served to viewers under `/api/reports`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse
from starlette.concurrency import run_in_threadpool

from unmask.service.auth import Viewer
from unmask.service.state import ServiceDep

STATIC = Path(__file__).with_name("static")
TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
REPORT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")

router = APIRouter(tags=["console"])


def static_file(name: str) -> FileResponse:
    path = STATIC / name
    if path.suffix not in TYPES or not path.is_file() or path.parent != STATIC:
        raise HTTPException(404, f"no console file {name}")
    return FileResponse(path, media_type=TYPES[path.suffix], headers={"Cache-Control": "no-cache"})


@router.get("/", include_in_schema=False)
async def console_page() -> FileResponse:
    return static_file("index.html")


@router.get("/console/{name}", include_in_schema=False)
async def console_file(name: str) -> FileResponse:
    return static_file(name)


def report_folders(data_dir: Path) -> list[dict[str, Any]]:
    root = data_dir / "reports"
    if not root.is_dir():
        return []
    found = []
    for page in sorted(root.glob("*/report.html")):
        found.append(
            {
                "name": page.parent.name,
                "modified": page.stat().st_mtime,
                "bytes": page.stat().st_size,
            }
        )
    return found


@router.get("/api/reports", summary="evaluation and evidence reports in DATA_DIR/reports")
async def reports(principal: Viewer, svc: ServiceDep) -> dict[str, Any]:
    return {"reports": await run_in_threadpool(report_folders, svc.settings.data_dir)}


@router.get(
    "/api/reports/{name}",
    summary="one report page (self-contained HTML)",
    response_class=HTMLResponse,
)
async def report(
    principal: Viewer,
    svc: ServiceDep,
    name: Annotated[str, PathParam(max_length=100)],
) -> FileResponse:
    page = svc.settings.data_dir / "reports" / name / "report.html"
    if not REPORT_NAME.match(name) or not page.is_file():
        raise HTTPException(404, f"no report named {name}")
    return FileResponse(page, media_type="text/html")
