"""Connections of one kind opened and closed against a node, from a process of their own (so
that the test's process holds only the node's objects):

    python -m tests.helpers.churn HTTP_URL TOKEN KIND COUNT

Kinds: ``stream`` (authenticated by header: subscribes, posts ROUTINE, with ``client_ref`` and
FLASH, closes), ``auth_message`` (authenticates by message, pings, closes), ``auth_deadline``
(sends nothing: closed by the node's auth deadline), ``preauth_frame`` (a first frame over the
pre-authentication limit: closed 1009), ``too_many`` (8 authenticated connections held while
the rest are refused: the node's cap is 8), ``rest`` (a listing and a post over HTTP) and
``peer_preauth`` (a frame over the limit on ``/v1/peer`` before the handshake). Exits 0 once
every connection has ended as expected; prints what went wrong otherwise.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

TIMEOUT = 30.0
HELD = 8  # connections the ``too_many`` kind holds: the node's max_connections in that test
NOTICE = {"kind": "liaison", "status": "exercise", "text": "Line check.", "language": "en"}


async def _closed(ws: ClientConnection) -> int | None:
    """Read until the node closes; its close code."""
    try:
        while True:
            await ws.recv()
    except ConnectionClosed as exc:
        return exc.rcvd.code if exc.rcvd is not None else None


async def churn(http: str, token: str, kind: str, count: int) -> None:
    stream = http.replace("http", "ws", 1) + "/v1/stream"
    headers = {"Authorization": f"Bearer {token}"}

    async def by_header(i: int) -> None:
        async with connect(stream, additional_headers=headers) as ws:
            await ws.send(json.dumps({"type": "subscribe", "id": 1}))
            await ws.send(json.dumps({"type": "post", "id": 2, "notice": NOTICE}))
            ref = {"client_ref": f"churn-{i}"}
            await ws.send(json.dumps({"type": "post", "id": 3, "notice": NOTICE, **ref}))
            flash = {**NOTICE, "precedence": "FLASH"}
            await ws.send(json.dumps({"type": "post", "id": 4, "notice": flash}))
            answered: set[int] = set()
            while answered != {1, 2, 3, 4}:
                msg = json.loads(await ws.recv())
                assert msg["type"] != "error", msg
                if msg["type"] in ("subscribed", "posted"):
                    answered.add(msg["id"])

    async def by_message(_: int) -> None:
        async with connect(stream) as ws:
            await ws.send(json.dumps({"type": "auth", "id": 1, "token": token}))
            assert json.loads(await ws.recv())["type"] == "authenticated"
            await ws.send(json.dumps({"type": "ping", "id": 2}))
            assert json.loads(await ws.recv())["type"] == "pong"

    async def silent(_: int) -> None:
        async with connect(stream) as ws:
            assert await _closed(ws) == 4401

    async def oversized(_: int) -> None:
        async with connect(stream) as ws:
            await ws.send("x" * 64 * 1024)
            assert await _closed(ws) == 1009

    async def refused(_: int) -> None:
        async with connect(stream) as ws:
            assert await _closed(ws) == 4429

    async def rest(_: int) -> None:
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            r = await client.get(f"{http}/v1/notices", headers=headers)
            assert r.status_code == 200, r.text
            r = await client.post(f"{http}/v1/notices", headers=headers, json=NOTICE)
            assert r.status_code == 201, r.text

    async def peer_oversized(_: int) -> None:
        async with connect(http.replace("http", "ws", 1) + "/v1/peer") as ws:
            await ws.send("x" * 64 * 1024)
            assert await _closed(ws) == 1009

    kinds: dict[str, Callable[[int], Awaitable[None]]] = {
        "stream": by_header,
        "auth_message": by_message,
        "auth_deadline": silent,
        "preauth_frame": oversized,
        "too_many": refused,
        "rest": rest,
        "peer_preauth": peer_oversized,
    }
    one = kinds[kind]
    async with asyncio.timeout(TIMEOUT), AsyncExitStack() as held:
        if kind == "too_many":  # the node's fill, held while the others are refused
            for _ in range(HELD):
                ws = await held.enter_async_context(connect(stream, additional_headers=headers))
                await ws.send(json.dumps({"type": "ping", "id": 1}))
                await ws.recv()
            count -= HELD
        await asyncio.gather(*(one(i) for i in range(count)))


if __name__ == "__main__":
    http, token, kind, count = sys.argv[1:5]
    asyncio.run(churn(http, token, kind, int(count)))
