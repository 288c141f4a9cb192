"""Health and metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from .deps import MetricsReader, NodeDep

router = APIRouter(tags=["system"])


@router.get("/healthz", summary="Liveness and feed sizes (no token needed)")
async def healthz(node: NodeDep) -> dict[str, Any]:
    return {
        "status": "ok",
        "side": node.own.name,
        "origin": node.own.origin,
        "sizes": {side: node.index.size(side) for side in node.sides()},
    }


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(request: Request, _: MetricsReader) -> Response:
    body = request.app.state.metrics.render()
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")
