"""Health and metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from .deps import Api, AuthFirstRoute, MetricsReader
from .models import Health
from .openapi import answers

router = APIRouter(tags=["system"], route_class=AuthFirstRoute)


@router.get(
    "/healthz", summary="Liveness and feed sizes (no token needed)", responses=answers(Health)
)
async def healthz(api: Api) -> dict[str, Any]:
    return {
        "status": "ok",
        "side": api.sides.own.name,
        "origin": api.sides.own.origin,
        "sizes": {side: api.notices.size(side) for side in api.sides.names()},
        # the own feed's size the peer holds while this node holds less: posts are refused
        # (feed_behind) until it is recovered from the peer; null otherwise
        "own_behind": api.peering.behind if api.peering is not None else None,
    }


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses=answers(None, media="text/plain; version=0.0.4; charset=utf-8"),
)
async def metrics(api: Api, _: MetricsReader) -> Response:
    body = api.metrics.render()
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")
