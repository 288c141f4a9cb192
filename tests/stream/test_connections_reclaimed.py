"""Connections opened and closed leave nothing behind: the node's objects, as the collector
counts them (tracked and frozen), are where they were, with the node's collector tuning on
(:mod:`hotline.gc_tuning`, as ``hotline serve`` runs it). Real uvicorn, real sockets."""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import Iterator

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from hotline import gc_tuning
from hotline.settings import Limits

from .conftest import TIMEOUT, NodeServer, Serve, wait_until

ROUNDS = 6
PER_ROUND = 50


@pytest.fixture
def tuned() -> Iterator[None]:
    thresholds = gc.get_threshold()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def objects() -> int:
    """Objects the collector knows of: those it walks and those frozen out of its sight."""
    gc.collect()
    return len(gc.get_objects()) + gc.get_freeze_count()


async def one_round(server: NodeServer) -> None:
    """Connections of every kind: authenticated by header (subscribed, pinged), by message, and
    one that never authenticates (closed by its deadline)."""
    headers = {"Authorization": f"Bearer {server.tokens['operator']}"}

    async def by_header() -> None:
        async with connect(server.url, additional_headers=headers) as ws:
            await ws.send(json.dumps({"type": "subscribe", "id": 1}))
            await ws.send(json.dumps({"type": "ping", "id": 2}))
            for _ in range(2):
                await ws.recv()

    async def by_message() -> None:
        async with connect(server.url) as ws:
            await ws.send(json.dumps({"type": "auth", "token": server.tokens["auditor"]}))
            await ws.recv()

    async def silent() -> None:
        async with connect(server.url) as ws:
            with pytest.raises(ConnectionClosed):  # closed at the deadline, told nothing
                async with asyncio.timeout(TIMEOUT):
                    await ws.recv()

    kinds = (by_header, by_message, silent)
    await asyncio.gather(*(kinds[i % 3]() for i in range(PER_ROUND)))
    await wait_until(lambda: server.node.admission.connections == 0, what="all closed")


async def test_connections_opened_and_closed_leave_the_object_count_where_it_was(
    serve: Serve, tuned: None
) -> None:
    server = await serve(Limits(auth_timeout_s=1.0))
    gc_tuning.tune()  # as the node does once it serves
    await one_round(server)  # warm-up: caches and pools filled once
    await asyncio.sleep(0.1)
    before = objects()
    frozen = gc.get_freeze_count()
    for _ in range(ROUNDS):
        await one_round(server)
    # a connection leaves far more than one object behind when it leaks (its protocol,
    # transport, tasks, buffers): fewer than one per connection is noise of the test itself.
    # The last closing handshakes may still be ending: look again until they have.
    after = objects()
    try:
        async with asyncio.timeout(TIMEOUT):
            while after - before >= ROUNDS * PER_ROUND:
                await asyncio.sleep(0.2)
                after = objects()
    except TimeoutError:
        raise AssertionError(f"objects {before} before, {after} after the rounds") from None
    assert gc.get_freeze_count() <= frozen  # nothing frozen since start-up
