"""One interface over both ends of a WebSocket: the listener's (Starlette) and the dialer's
(``websockets`` client). Frames are JSON text."""

from __future__ import annotations

from typing import Protocol

from starlette.websockets import WebSocket, WebSocketDisconnect
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed


class Closed(Exception):  # noqa: N818
    """The other end went away."""


class Transport(Protocol):
    async def send(self, text: str) -> None: ...
    async def recv(self) -> str: ...
    async def close(self, code: int, reason: str) -> None: ...


class ServerTransport:
    def __init__(self, ws: WebSocket, max_bytes: int) -> None:
        self.ws = ws
        self.max_bytes = max_bytes

    async def send(self, text: str) -> None:
        try:
            await self.ws.send_text(text)
        except (WebSocketDisconnect, RuntimeError) as exc:
            raise Closed(str(exc)) from exc

    async def recv(self) -> str:
        try:
            message = await self.ws.receive()
        except (WebSocketDisconnect, RuntimeError) as exc:
            raise Closed(str(exc)) from exc
        if message["type"] == "websocket.disconnect":
            raise Closed(f"closed {message.get('code')}")
        text = message.get("text")
        if text is None:
            raw = message.get("bytes") or b""
            text = raw.decode("utf-8", "replace")
        if len(text) > self.max_bytes:
            await self.close(1009, "message too big")
            raise Closed("message too big")
        return str(text)

    async def close(self, code: int, reason: str) -> None:
        try:
            await self.ws.close(code, reason[:120])
        except (RuntimeError, WebSocketDisconnect):
            pass


class ClientTransport:
    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn

    async def send(self, text: str) -> None:
        try:
            await self.conn.send(text)
        except ConnectionClosed as exc:
            raise Closed(str(exc)) from exc

    async def recv(self) -> str:
        try:
            message = await self.conn.recv()
        except ConnectionClosed as exc:
            raise Closed(str(exc)) from exc
        return message if isinstance(message, str) else message.decode("utf-8", "replace")

    async def close(self, code: int, reason: str) -> None:
        await self.conn.close(code, reason[:120])
