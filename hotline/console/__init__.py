"""The web console: plain ES modules, styles and data served by the node itself.

``mount_console(app)`` adds

- ``GET /``: the console page (``static/index.html``);
- ``GET /console/...``: its scripts, styles, pictures and map outline, from ``static/``;
- ``GET /console/session``: who the bearer token belongs to and what this node is (side, origin,
  default author unit and nation, peer, acknowledgement deadlines, the voice fallback to use
  while the peer link is down, and its mode: ``operational`` or ``exercise``), for the console
  to set up;
- ``GET /console/schema``: the JSON Schema of notices (as ``scripts/gen_schema.py`` writes it),
  which the console checks a notice against before sending it.

Nothing is fetched from anywhere else at run time: every response carries a Content-Security-
Policy that allows this origin only, and ``Cache-Control: no-cache`` so an upgraded node is picked
up at the next load. There is no build step: the browser loads the modules as they are.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from hotline_protocol.notices.schema import notice_schemas, render_schema

from ..api.deps import Api, AuthFirstRoute, Reader
from ..api.models import ConsoleSession, NoticeSchemaFile
from ..api.openapi import answers
from ..auth import PERMISSIONS

STATIC = Path(__file__).parent / "static"

CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self'",
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".md": "text/markdown; charset=utf-8",
}


def _harden(response: Response, suffix: str) -> Response:
    for name, value in HEADERS.items():
        response.headers[name] = value
    media = MEDIA_TYPES.get(suffix)
    if media is not None and "content-type" in response.headers:
        response.headers["content-type"] = media
    return response


class ConsoleFiles(StaticFiles):
    """Static files with the console's MIME types and security headers."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        return _harden(response, Path(full_path).suffix.lower())


router = APIRouter(tags=["console"], route_class=AuthFirstRoute)


@router.get("/", include_in_schema=False)
async def index() -> Response:
    return _harden(FileResponse(STATIC / "index.html"), ".html")


@router.get(
    "/console/session",
    summary="The console's session: the user, this node and its peer",
    responses=answers(ConsoleSession),
)
async def session(api: Api, user: Reader) -> dict[str, Any]:
    settings = api.settings
    peer = api.sides.peer
    return {
        "user": user.name,
        "role": user.role,
        "permissions": sorted(PERMISSIONS.get(user.role, frozenset())),
        "side": api.sides.own.name,
        "origin": api.sides.own.origin,
        "unit": settings.unit,
        "nation": settings.nation,
        "peer": None if peer is None else {"side": peer.name, "origin": peer.origin},
        "deadlines": settings.deadlines.model_dump(),
        "fallback": settings.fallback,
        "mode": settings.mode,
        "now": api.clock_ms(),
    }


@router.get(
    "/console/schema",
    summary="The JSON Schema of notices, for checks before sending",
    responses=answers(NoticeSchemaFile),
)
async def schema() -> Response:
    return _harden(Response(_notice_schema(), media_type="application/json"), ".json")


@lru_cache(maxsize=1)
def _notice_schema() -> str:
    return render_schema(notice_schemas()["notice.schema.json"])


def mount_console(app: FastAPI) -> None:
    """Serve the console at ``/`` and its files at ``/console/``."""
    app.include_router(router)
    app.mount("/console", ConsoleFiles(directory=STATIC), name="console")
