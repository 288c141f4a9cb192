"""A node's ``/v1/stream`` from a test: record its events, and post many notices fast.

:class:`StreamWatch` subscribes (with optional filters) and records every event in the
background; :meth:`StreamWatch.wait_for` waits for one that matches. :func:`post_pipelined`
sends posts over a few stream connections without waiting for each reply (the node handles up
to 256 in flight per connection and group-commits them), and returns the replies.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import Callable, Sequence
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

TIMEOUT = 30.0
Event = dict[str, Any]


def ws_url(http_url: str, path: str) -> str:
    return http_url.replace("http", "ws", 1).rstrip("/") + path


class StreamWatch:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.events: list[Event] = []
        self.closed: ConnectionClosed | None = None
        self._task: asyncio.Task[None] | None = None

    @classmethod
    async def open(
        cls, http_url: str, token: str, filters: dict[str, Any] | None = None
    ) -> StreamWatch:
        ws = await connect(
            ws_url(http_url, "/v1/stream"),
            additional_headers={"Authorization": f"Bearer {token}"},
            max_size=None,
        )
        sub: dict[str, Any] = {"type": "subscribe", "id": "watch"}
        if filters:
            sub["filters"] = filters
        await ws.send(json.dumps(sub))
        async with asyncio.timeout(TIMEOUT):
            reply = json.loads(await ws.recv())
        assert reply["type"] == "subscribed", reply
        watch = cls(ws)
        watch._task = asyncio.create_task(watch._read())
        return watch

    async def _read(self) -> None:
        try:
            async for text in self.ws:
                msg = json.loads(text)
                if msg.get("type") == "event":
                    self.events.append(msg["event"])
        except ConnectionClosed as exc:
            self.closed = exc

    def of(self, etype: str, **fields: Any) -> list[Event]:
        return [
            e
            for e in self.events
            if e["type"] == etype and all(e.get(k) == v for k, v in fields.items())
        ]

    async def wait_until(
        self, cond: Callable[[], bool], what: str, timeout: float = TIMEOUT
    ) -> None:
        try:
            async with asyncio.timeout(timeout):
                while not cond():
                    if self.closed is not None:
                        raise AssertionError(f"stream closed ({self.closed}) waiting for {what}")
                    await asyncio.sleep(0.01)
        except TimeoutError:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}") from None

    async def wait_for(self, etype: str, timeout: float = TIMEOUT, **fields: Any) -> Event:
        await self.wait_until(lambda: bool(self.of(etype, **fields)), f"{etype} {fields}", timeout)
        return self.of(etype, **fields)[0]

    async def close(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            await self.ws.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def post_pipelined(
    http_url: str, token: str, notices: Sequence[dict[str, Any]], connections: int = 4
) -> list[dict[str, Any]]:
    """Post every notice over ``connections`` stream connections, pipelined; the ``posted``
    replies in the order of ``notices`` (AssertionError on any other reply)."""
    replies: list[dict[str, Any] | None] = [None] * len(notices)

    async def one_connection(share: list[int]) -> None:
        async with connect(
            ws_url(http_url, "/v1/stream"),
            additional_headers={"Authorization": f"Bearer {token}"},
            max_size=None,
        ) as ws:

            async def sender() -> None:
                for i in share:
                    await ws.send(json.dumps({"type": "post", "id": i, "notice": notices[i]}))

            send_task = asyncio.create_task(sender())
            for _ in share:
                msg = json.loads(await ws.recv())
                assert msg.get("type") == "posted", msg
                replies[msg["id"]] = msg
            await send_task

    shares = [
        list(itertools.islice(range(len(notices)), k, None, connections))
        for k in range(connections)
    ]
    async with asyncio.timeout(TIMEOUT * 4):
        await asyncio.gather(*(one_connection(s) for s in shares if s))
    out = [r for r in replies if r is not None]
    assert len(out) == len(notices)
    return out
