"""A stream connection's socket: frames read within a size limit, writes held to a deadline.

The frame limit starts at the pre-authentication one and is raised once the client is known
(:meth:`StreamSocket.set_limit`: the server's protocol checks a frame's header before reading
it, :meth:`StreamSocket.receive` the rest). A write that the client does not take within its
deadline counts as the client gone: :meth:`StreamSocket.watch` checks the write in progress once
a second and cuts it, instead of a timer armed and cancelled per frame (~5 µs a frame, a reply
per post and an event per entry).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from hotline_protocol import stream as m

from ..jsontext import dumps_text
from ..wsserver import FRAME_LIMIT, FrameLimit
from .errors import CLOSE_TOO_BIG, Close

SEND_TIMEOUT = 30.0  # seconds one frame may take to be written before the client counts as gone
CLOSE_TIMEOUT = 5.0  # seconds for the close frame (and the writer to finish after a close)
WATCH_SECONDS = 1.0  # how often a write in progress is checked against its deadline


class Gone(Exception):  # noqa: N818 - the client went away: nothing more can be sent
    pass


class StreamSocket:
    """One client's WebSocket, as the stream session reads and writes it."""

    def __init__(self, ws: WebSocket, max_bytes: int) -> None:
        self.ws = ws
        limit = ws.scope.get("extensions", {}).get(FRAME_LIMIT)
        self._limit: FrameLimit | None = limit if isinstance(limit, FrameLimit) else None
        self.max_bytes = max_bytes
        self._loop = asyncio.get_running_loop()
        # the write in progress: when it is due and the task writing it (see watch)
        self._deadline: tuple[float, asyncio.Task[Any]] | None = None
        self._timed_out: asyncio.Task[Any] | None = None  # the task whose write watch cut

    def set_limit(self, max_bytes: int) -> None:
        """Frames over ``max_bytes`` close the connection (1009 ``frame_too_large``)."""
        self.max_bytes = max_bytes
        if self._limit is not None:
            self._limit.set(max_bytes, "frame_too_large")

    async def receive(self) -> str | None:
        """The next frame's text; None for a binary frame; Gone on disconnect; Close(1009) for a
        frame over the size limit."""
        message = await self.ws.receive()
        if message["type"] == "websocket.disconnect":
            raise Gone
        text: str | None = message.get("text")
        data: bytes | None = message.get("bytes")
        size = len(text.encode()) if text is not None else len(data or b"")
        if size > self.max_bytes:
            raise Close(CLOSE_TOO_BIG, "frame_too_large")
        return text

    async def send(self, message: m.Outgoing) -> None:
        await self._bounded(self.ws.send_text(dumps_text(message)), SEND_TIMEOUT)

    async def send_close(self, close: Close) -> None:
        try:
            await self._bounded(self.ws.close(close.close_code, close.reason), CLOSE_TIMEOUT)
        except Gone:
            pass

    async def _bounded(self, write: Awaitable[None], timeout: float) -> None:
        """A socket write; Gone if the client is gone or does not take it within ``timeout``
        (to a second: :meth:`watch` checks the deadline)."""
        task = asyncio.current_task(self._loop)
        assert task is not None
        self._deadline = (self._loop.time() + timeout, task)
        try:
            await write
        except asyncio.CancelledError:
            if self._timed_out is task and task.uncancel() == 0:  # watch cut it, no one else
                self._timed_out = None
                raise Gone from None
            raise
        except (WebSocketDisconnect, RuntimeError, OSError) as exc:
            raise Gone from exc
        finally:
            self._deadline = None

    async def watch(self) -> None:
        """Cut a write that is past its deadline: the task writing sees the client as gone."""
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            pending = self._deadline
            if pending is not None and self._loop.time() >= pending[0]:
                self._timed_out = pending[1]
                pending[1].cancel()

    def release(self) -> None:
        """Let go of the tasks it knows of (the connection ended)."""
        self._deadline = self._timed_out = None
