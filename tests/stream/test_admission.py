"""Limits every client hits before the node does: posts a second per user and per connection
(token buckets; FLASH on a bucket of its own), and stream connections per user and in all. Each
refusal carries its documented error and changes nothing. Real uvicorn, real sockets."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from hotline.settings import Limits

from .conftest import TIMEOUT, Connect, NodeServer, Serve, liaison

SLOW = 0.001  # tokens a second: none come back while a test runs


def limits(**values: Any) -> Limits:
    """Limits with every post bucket off except those given."""
    off = {"user_post_rate": 0, "connection_post_rate": 0, "flash_post_rate": 0}
    return Limits(**{**off, **values})


def flash() -> dict[str, Any]:
    return liaison("Mayday relay.", precedence="FLASH")


async def refused(client: Any, notice: dict[str, Any]) -> dict[str, Any]:
    reply: dict[str, Any] = await client.request({"type": "post", "notice": notice})
    assert reply["type"] == "error", reply
    return reply


async def test_stream_posts_beyond_the_connection_bucket_are_rate_limited(
    serve: Serve, connect_client: Connect
) -> None:
    server = await serve(limits(connection_post_rate=SLOW, connection_post_burst=2))
    client = await connect_client(server)
    for i in range(2):
        await client.post(liaison(f"post {i}"))
    reply = await refused(client, liaison("one too many"))
    assert reply["error"] == "rate_limited"
    assert reply["retry_after_ms"] > 0
    assert server.size() == 2
    # the connection stays usable, and another connection has a bucket of its own
    assert (await client.request({"type": "ping"}))["type"] == "pong"
    other = await connect_client(server)
    await other.post(liaison("from the other connection"))
    assert server.size() == 3


async def test_a_users_bucket_is_shared_by_the_stream_and_rest(
    serve: Serve, connect_client: Connect
) -> None:
    server = await serve(limits(user_post_rate=SLOW, user_post_burst=3))
    first, second = await connect_client(server), await connect_client(server)
    await first.post(liaison("1"))
    await second.post(liaison("2"))
    headers = {"Authorization": f"Bearer {server.tokens['operator']}"}
    async with httpx.AsyncClient(base_url=server.http, headers=headers) as http:
        assert (await http.post("/v1/notices", json=liaison("3"))).status_code == 201
        r = await http.post("/v1/notices", json=liaison("4"))
        assert r.status_code == 429, r.text
        body = r.json()
        assert body["error"] == "rate_limited"
        assert body["retry_after_ms"] > 0
        assert int(r.headers["Retry-After"]) * 1000 >= body["retry_after_ms"]
        r = await http.post("/v1/notices/alpha/0/cancel", json={"reason": "error"})
        assert r.status_code == 429 and r.json()["error"] == "rate_limited"
    assert (await refused(first, liaison("5")))["error"] == "rate_limited"
    assert server.size() == 3
    # another user has a bucket of its own
    automation = await connect_client(server, "automation")
    await automation.post(liaison("6"))
    assert server.size() == 4


async def test_flash_posts_pass_an_empty_bucket_up_to_their_own_bound(
    serve: Serve, connect_client: Connect
) -> None:
    server = await serve(
        limits(
            connection_post_rate=SLOW,
            connection_post_burst=1,
            flash_post_rate=SLOW,
            flash_post_burst=2,
        )
    )
    client = await connect_client(server)
    await client.post(liaison("routine"))
    assert (await refused(client, liaison("routine again")))["error"] == "rate_limited"
    for _ in range(2):
        posted = await client.post(flash())
        assert posted["entry"]["notice"]["precedence"] == "FLASH"
    reply = await refused(client, flash())
    assert (reply["error"], reply["retry_after_ms"] > 0) == ("rate_limited", True)
    assert server.size() == 3


async def closed_with(ws: ClientConnection) -> tuple[int, str]:
    with pytest.raises(ConnectionClosed) as info:
        async with asyncio.timeout(TIMEOUT):
            while True:
                await ws.recv()
    rcvd = info.value.rcvd
    assert rcvd is not None
    return rcvd.code, rcvd.reason


def bearer(server: NodeServer, role: str = "operator") -> dict[str, str]:
    return {"Authorization": f"Bearer {server.tokens[role]}"}


async def test_a_user_beyond_its_connections_is_closed_4429(serve: Serve) -> None:
    server = await serve(Limits(user_connections=2))
    admission = server.node.admission
    async with (
        connect(server.url, additional_headers=bearer(server)) as one,
        connect(server.url, additional_headers=bearer(server)) as two,
    ):
        async with connect(server.url, additional_headers=bearer(server)) as three:
            assert await closed_with(three) == (4429, "too_many_user_connections")
        async with connect(server.url, additional_headers=bearer(server, "auditor")) as other:
            await other.send(json.dumps({"type": "ping", "id": 1}))
            assert json.loads(await other.recv())["type"] == "pong"
        for ws in (one, two):  # those open go on
            await ws.send(json.dumps({"type": "ping", "id": 1}))
            assert json.loads(await ws.recv())["type"] == "pong"
    async with asyncio.timeout(TIMEOUT):  # closed connections are counted no more
        while admission.connections:
            await asyncio.sleep(0.01)
    assert admission.by_user == {}
    async with connect(server.url, additional_headers=bearer(server)) as again:
        await again.send(json.dumps({"type": "ping", "id": 1}))
        assert json.loads(await again.recv())["type"] == "pong"


async def test_the_node_beyond_its_connections_closes_new_ones_4429(serve: Serve) -> None:
    """Unauthenticated connections count: a client cannot open more than the node's cap."""
    server = await serve(Limits(max_connections=2))
    async with connect(server.url), connect(server.url):  # two unauthenticated, silent
        async with connect(server.url, additional_headers=bearer(server)) as third:
            assert await closed_with(third) == (4429, "too_many_connections")
    async with asyncio.timeout(TIMEOUT):
        while server.node.admission.connections:
            await asyncio.sleep(0.01)
    async with connect(server.url, additional_headers=bearer(server)) as ws:
        await ws.send(json.dumps({"type": "ping", "id": 1}))
        assert json.loads(await ws.recv())["type"] == "pong"
