"""The peer link endpoint and the link state."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, WebSocket

from ..peering.manager import MAX_FRAME
from ..peering.transport import CLOSE_NOT_PAIRED, ServerTransport
from .deps import Api, AuthFirstRoute, Reader
from .models import Link
from .openapi import answers

router = APIRouter(tags=["peering"], route_class=AuthFirstRoute)


@router.websocket("/v1/peer")
async def peer_link(ws: WebSocket) -> None:
    """The other node's end of the peer link (authenticated by log keys, not tokens)."""
    api = ws.app.state.api
    peering = api.peering
    # frames held to the pre-authentication limit until the handshake verifies
    transport = ServerTransport(ws, MAX_FRAME, api.settings.limits.preauth_bytes)
    await ws.accept()
    if peering is None:
        await ws.close(CLOSE_NOT_PAIRED, "this node is not paired")
        return
    await peering.accept(transport)


@router.get(
    "/v1/link",
    summary="Peer link state: connected, since, lag, cosigned sizes",
    responses=answers(Link),
)
async def link_state(api: Api, _: Reader) -> dict[str, Any]:
    if api.peering is None:
        return {"paired": False, "connected": False}
    return {"paired": True, **api.peering.state().as_dict()}
