"""WebSocket writes coalesced per turn of the event loop.

uvicorn's WebSocket protocol writes every frame to its socket at once: one system call per
frame. On loopback a 1 KB send costs about 8 µs of CPU (the kernel also delivers it to the
receiver), and a node under load sends a reply per post and an event per entry, often dozens to
one connection in one turn of the loop. :class:`CoalescingWebSocketProtocol` is uvicorn's
sans-I/O WebSocket protocol whose transport writes the first frame of a turn at once, as before
(a FLASH answer or alarm, alone on its connection, leaves with no delay) and gathers the frames
that follow it in the same turn into one write at the start of the next turn. Closing the
connection writes what is gathered first. Flow control is unchanged: the socket's own buffer
pauses the protocol as before, and what is gathered is one turn's frames at most. A client can
wrap its connection's transport the same way (the benchmark's load generator does).

It also lets the app set, per connection, the largest frame it takes (:data:`FRAME_LIMIT`):
the node takes a few KiB before a client has authenticated and more after. The limit is checked
on a frame's header, before its payload is read: a frame over it closes the connection with
1009 and the reason the app gave, and what follows is discarded unread.

The node's server uses it (``hotline serve``); pass the class as uvicorn's ``ws``.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import CloseCode
from websockets.http11 import Request
from websockets.server import ServerProtocol


class CoalescingTransport:
    """A transport whose writes after the first of a turn go out together in the next turn."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._gathered: list[bytes] = []
        self._flush_due = False  # a write went out this turn; the next ones wait for _flush
        self.writes = 0  # system writes asked of the real transport

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._flush_due:
            self._gathered.append(bytes(data))
            return
        self._send(bytes(data))
        self._flush_due = True
        self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_due = False
        if self._gathered:
            data = b"".join(self._gathered)
            self._gathered.clear()
            self._send(data)

    def _send(self, data: bytes) -> None:
        if not self._transport.is_closing():
            self.writes += 1
            self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def write_eof(self) -> None:
        self._flush()
        self._transport.write_eof()

    def __getattr__(self, name: str) -> Any:  # everything else is the real transport's
        return getattr(self._transport, name)


WRITABLE = "hotline.writable"
"""The ASGI scope's extension holding the protocol's ``writable`` event: clear while its
transport is paused (the peer reads slower than the node writes), when a send would wait."""


FRAME_LIMIT = "hotline.frame_limit"
"""The ASGI scope's extension holding the connection's :class:`FrameLimit`."""


class FrameLimit:
    """The largest frame a connection takes from now on, and the close reason of one over it
    (code 1009). A frame whose first bytes were read before a change is held to the limit it
    met."""

    def __init__(self, conn: _LimitedServerProtocol) -> None:
        self._conn = conn

    @property
    def max_bytes(self) -> int | None:
        return self._conn.max_message_size

    def set(self, max_bytes: int, reason: str) -> None:
        self._conn.max_message_size = max_bytes
        self._conn.too_big_reason = reason


class _LimitedServerProtocol(ServerProtocol):
    """websockets' server protocol closing an oversized frame with the app's reason."""

    too_big_reason = ""

    def fail(self, code: int, reason: str = "") -> None:
        if code == CloseCode.MESSAGE_TOO_BIG and self.too_big_reason:
            reason = self.too_big_reason
        super().fail(code, reason)


TRANSPORT = "hotline.transport"
"""The ASGI scope's extension holding the connection's transport (its socket's options, what
it holds unsent: the peer link bounds both)."""


class CoalescingWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol on a :class:`CoalescingTransport`, which tells the
    app whether a send would wait (the :data:`WRITABLE` extension), lets it set its frame
    limit (the :data:`FRAME_LIMIT` extension) and names its transport (:data:`TRANSPORT`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # the protocol uvicorn made is replaced: its parser (a generator holding it, which it
        # holds) is ended, so that it is freed at once, not left in a reference cycle
        self.conn.parser.close()
        self.conn = self._limited = _LimitedServerProtocol(
            extensions=self.conn.available_extensions,
            max_size=self.config.ws_max_size,
            logger=self.conn.logger,
        )

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports have the asyncio.Transport methods without subclassing it
        real = cast(asyncio.Transport, transport)
        _release_http_parser(real.get_protocol())
        super().connection_made(cast(asyncio.Transport, CoalescingTransport(real, self.loop)))

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        # websockets' frame parser is a generator holding the protocol (it holds the parser):
        # ended here, where no data can come any more (nothing tells it of the EOF). The error
        # that ended the parsing (a frame over the limit, a bad frame) holds the parser's frame
        # in its traceback: let go of it too. Neither is left in a reference cycle.
        self._limited.parser.close()
        self._limited.parser_exc = None

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)  # none if the handshake was refused
        if scope is not None:  # the app runs a turn later: it sees the extension
            scope["extensions"][WRITABLE] = self.writable
            scope["extensions"][FRAME_LIMIT] = FrameLimit(self._limited)
            scope["extensions"][TRANSPORT] = self.transport


def _release_http_parser(http: asyncio.BaseProtocol) -> None:
    """The HTTP protocol that upgraded the connection (it makes this one, then hands the
    transport over) is done with it: its httptools parser, which holds the protocol's bound
    methods, is let go. uvicorn lets it go when the connection is lost, which an upgraded
    connection never tells the HTTP protocol: the two would stay in a reference cycle, freed
    only by the cyclic collector."""
    if isinstance(http, HttpToolsProtocol):
        http.parser = None  # type: ignore[assignment]
