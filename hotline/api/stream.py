"""``/v1/stream``: the WebSocket for systems and the console (see hotline.stream)."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket

from ..stream import StreamSession

router = APIRouter(tags=["stream"])


@router.websocket("/v1/stream")
async def stream(websocket: WebSocket) -> None:
    """Post, acknowledge and cancel notices and subscribe to events; PROTOCOL.md, *Stream*."""
    await StreamSession(websocket.app.state.api.stream, websocket).run()
