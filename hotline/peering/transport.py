"""One interface over both ends of a WebSocket: the listener's (Starlette) and the dialer's
(``websockets`` client). Frames are JSON text of at most ``max_bytes``; a bigger one is refused
(kept as evidence, cut as all evidence is: :class:`~hotline.peering.evidence.Evidence`), up to
:data:`READ_MAX` (four times ``max_bytes``): the WebSocket layer closes on a bigger one with 1009
``message_too_large`` without reading it. Until the handshake is done the listener takes frames
of ``preauth_bytes`` at most (the same 1009 above it), so a client that has not authenticated
holds no more of the node than that.

``congested()`` says whether a send now might wait for the peer to read (the socket's buffers
are full): the sequencer sends a FLASH on at once only when it would not, so that a peer that
stops reading can never hold up the node's own writes. ``room()`` says whether the next
replication message may go (:mod:`~hotline.peering.pacing`: little enough waits in the socket
that a FLASH sent after it is not held up long); both ends bound their socket's unsent bytes.

The peer link's close codes are all here: :data:`CLOSE_CODES` gives each
:class:`~hotline.errors.LinkError` class its code (the close reason is the error's ``reason``),
and a few closes that are no error have their own constant."""

from __future__ import annotations

import asyncio
from typing import Protocol

from starlette.websockets import WebSocket, WebSocketDisconnect
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from ..errors import (
    AuthFailed,
    BadMessage,
    HandshakeTimeout,
    LinkError,
    LinkFailed,
    Refusal,
    Superseded,
    TooManyHandshakes,
    UnknownPeer,
)
from ..wsserver import FRAME_LIMIT, TRANSPORT, WRITABLE, FrameLimit
from . import pacing
from .pacing import Pacing

# close codes: 1xxx from RFC 6455, 4xxx private to the link (HTTP status + 4000 where one fits)
CLOSE_GOING_AWAY = 1001  # the node is stopping
CLOSE_INTERNAL = 1011  # this node failed
CLOSE_NOT_PAIRED = 4404  # the listener has no peer pinned
CLOSE_SUPERSEDED = 4409  # another link to the same peer is kept
TOO_BIG_REASON = "message_too_large"  # the reason of a 1009 close (a frame not read)
READ_FACTOR = 4  # frames up to this many times the limit are read, to be refused with evidence
# the close code of each link error (a subclass listed has its own)
CLOSE_CODES: dict[type[LinkError], int] = {
    BadMessage: 4400,
    AuthFailed: 4401,
    UnknownPeer: 4403,
    HandshakeTimeout: 4408,
    TooManyHandshakes: 4429,
    Superseded: CLOSE_SUPERSEDED,
    Refusal: 4422,
    LinkFailed: CLOSE_INTERNAL,
    LinkError: CLOSE_INTERNAL,
}


def close_code(exc: LinkError) -> int:
    """The close code the link closes with for ``exc``."""
    return next(CLOSE_CODES[c] for c in type(exc).__mro__ if c in CLOSE_CODES)


class Closed(Exception):  # noqa: N818
    """The other end went away."""


def _closed(exc: ConnectionClosed) -> Closed:
    """``exc`` said as the server's end says it: ``closed CODE (REASON)``, with the close frame
    the other end sent (or, without one, the one sent here; 1006 when there was none)."""
    frame = exc.rcvd or exc.sent
    if frame is None:
        return Closed("closed 1006")
    return Closed(f"closed {int(frame.code)}" + (f" ({frame.reason})" if frame.reason else ""))


class Transport(Protocol):
    async def send(self, text: str) -> None: ...
    def congested(self, size: int = 0) -> bool: ...
    def room(self) -> bool: ...
    async def recv(self) -> str: ...
    async def close(self, code: int, reason: str) -> None: ...


class ServerTransport:
    """The listener's end. Built before the WebSocket is accepted: frames are held to
    ``preauth_bytes`` until :meth:`authenticated` (by the server's protocol, when it is the
    node's: :data:`~hotline.wsserver.FRAME_LIMIT`); its socket is tuned by ``pace`` (when the
    server names its transport: :data:`~hotline.wsserver.TRANSPORT`)."""

    def __init__(
        self,
        ws: WebSocket,
        max_bytes: int,
        preauth_bytes: int | None = None,
        pace: Pacing | None = None,
    ) -> None:
        self.ws = ws
        self.max_bytes = max_bytes
        self.pace = pace or Pacing()
        transport = ws.scope.get("extensions", {}).get(TRANSPORT)
        # the node's WebSocket protocol names its transport in the scope; another server: none
        self.transport: asyncio.WriteTransport | None = transport
        if transport is not None:
            pacing.tune(transport, self.pace)
        self._read_max = READ_FACTOR * max_bytes
        limit = ws.scope.get("extensions", {}).get(FRAME_LIMIT)
        self._limit = limit if isinstance(limit, FrameLimit) else None
        self._checked_max = max_bytes
        if preauth_bytes is not None:
            self._checked_max = preauth_bytes
            if self._limit is not None:
                self._limit.set(preauth_bytes, TOO_BIG_REASON)
        elif self._limit is not None:
            self._limit.set(self._read_max, TOO_BIG_REASON)

    def authenticated(self) -> None:
        """The handshake verified: frames up to ``max_bytes`` are taken, and bigger ones up to
        four times that are read to be refused with evidence."""
        self._checked_max = self.max_bytes
        if self._limit is not None:
            self._limit.set(self._read_max, TOO_BIG_REASON)

    async def send(self, text: str) -> None:
        try:
            await self.ws.send_text(text)
        except (WebSocketDisconnect, RuntimeError) as exc:
            raise Closed(str(exc)) from exc

    def congested(self, size: int = 0) -> bool:
        """The node's WebSocket protocol waits before a write (of any ``size``) while its
        transport is paused, and says so in the scope; a server that does not: congested."""
        writable = self.ws.scope.get("extensions", {}).get(WRITABLE)
        return not isinstance(writable, asyncio.Event) or not writable.is_set()

    def room(self) -> bool:
        transport = self.transport
        if transport is None:
            return not self.congested()
        return pacing.room(transport, self.pace.unsent_bytes)

    async def recv(self) -> str:
        try:
            message = await self.ws.receive()
        except (WebSocketDisconnect, RuntimeError) as exc:
            raise Closed(str(exc)) from exc
        if message["type"] == "websocket.disconnect":
            reason = message.get("reason")
            raise Closed(f"closed {message.get('code')}" + (f" ({reason})" if reason else ""))
        text = message.get("text")
        if text is None:
            raw = message.get("bytes") or b""
            text = raw.decode("utf-8", "replace")
        return _checked(str(text), self._checked_max)

    async def close(self, code: int, reason: str) -> None:
        try:
            await self.ws.close(code, reason[:120])
        except (RuntimeError, WebSocketDisconnect):
            pass


class ClientTransport:
    def __init__(self, conn: ClientConnection, max_bytes: int, pace: Pacing | None = None) -> None:
        self.conn = conn
        self.max_bytes = max_bytes
        self.pace = pace or Pacing()
        pacing.tune(conn.transport, self.pace)

    async def send(self, text: str) -> None:
        try:
            await self.conn.send(text)
        except ConnectionClosed as exc:
            raise _closed(exc) from exc

    def congested(self, size: int = 0) -> bool:
        """Bytes wait in the connection's transport (the socket took no more), or a message of
        ``size`` bytes could fill it past its limit: a send would wait for it to drain."""
        transport: asyncio.WriteTransport = self.conn.transport
        high: int = transport.get_write_buffer_limits()[1]
        return transport.get_write_buffer_size() > 0 or size > high

    def room(self) -> bool:
        return pacing.room(self.conn.transport, self.pace.unsent_bytes)

    async def recv(self) -> str:
        try:
            message = await self.conn.recv()
        except ConnectionClosed as exc:
            raise _closed(exc) from exc
        text = message if isinstance(message, str) else message.decode("utf-8", "replace")
        return _checked(text, self.max_bytes)

    async def close(self, code: int, reason: str) -> None:
        await self.conn.close(code, reason[:120])


def _checked(text: str, max_bytes: int) -> str:
    if len(text) > max_bytes // 4:  # a str of n characters is n to 4n bytes of UTF-8
        raw = text.encode()
        if len(raw) > max_bytes:
            detail = f"a {len(raw)}-byte message, at most {max_bytes}"
            raise Refusal("message_too_large", detail, raw)
    return text
