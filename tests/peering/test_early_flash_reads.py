"""A FLASH can be read and acknowledged the moment its ``flash`` event is out, also while the
ordered run that holds it is being verified and written."""

from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect

from tests.helpers.stream_client import post_pipelined, ws_url

from .conftest import TIMEOUT, Nodes

EXAMPLES = Path(__file__).parents[1] / "protocol" / "examples"
FLASHES = 1000


def distress(i: int) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((EXAMPLES / "aircraft_in_distress.json").read_text())
    for key in ("id", "time", "author"):
        body.pop(key, None)
    body["aircraft"]["callsign"] = f"DIST{i % 10000:04d}"
    body["aircraft"]["nationality"] = "XAA"
    return body


def liaison(i: int) -> dict[str, Any]:
    return {"kind": "liaison", "status": "exercise", "text": f"backlog {i}", "language": "en"}


async def test_every_flash_is_acknowledged_at_once_without_a_404(nodes: Nodes) -> None:
    alpha, bravo = await nodes.pair()
    headers = {"Authorization": f"Bearer {bravo.tokens['operator']}"}
    errors: list[dict[str, Any]] = []
    acked: set[int] = set()
    flashed: set[int] = set()
    held: set[int] = set()  # distress entries recorded in order
    async with connect(
        ws_url(bravo.http, "/v1/stream"), additional_headers=headers, max_size=None
    ) as ws:
        await ws.send(json.dumps({"type": "subscribe", "id": "s", "filters": {"side": "alpha"}}))
        ids = itertools.count()

        async def ack_flashes() -> None:
            while len(held) < FLASHES or len(acked) + len(errors) < len(flashed):
                msg = json.loads(await ws.recv())
                event = msg.get("event", {})
                if event.get("type") == "appended" and event["kind"] == "aircraft_in_distress":
                    held.add(event["index"])
                if event.get("type") == "flash" and event["kind"] == "aircraft_in_distress":
                    flashed.add(event["index"])
                    # at once: the reply tells whether the node knew the entry
                    await ws.send(
                        json.dumps(
                            {
                                "type": "ack",
                                "id": next(ids),
                                "side": "alpha",
                                "index": msg["event"]["index"],
                                "response": "ROGER",
                            }
                        )
                    )
                elif msg["type"] == "posted":
                    acked.add(msg["entry"]["notice"]["ref"]["index"])
                elif msg["type"] == "error":
                    errors.append(msg)

        async def post() -> None:
            token = alpha.tokens["automation"]
            for start in range(0, FLASHES, 50):
                # a ROUTINE backlog with FLASH entries among it: the ordered runs reach bravo
                # while its early FLASH entries are being read and acknowledged
                bodies = [
                    body
                    for i in range(start, start + 50)
                    for body in (liaison(i), liaison(i), distress(i))
                ]
                await post_pipelined(alpha.http, token, bodies, connections=2)

        async with asyncio.timeout(TIMEOUT * 6):
            await asyncio.gather(ack_flashes(), post())
    assert errors == []
    # ahead of its run while the peer holds fewer than limits.early_flash_max early ones (the
    # others came in their place), and none refused
    assert 64 <= len(flashed) <= FLASHES
    assert acked == flashed
    assert bravo.node.evidence.refusals == {}


async def test_an_early_flash_stays_readable_until_it_is_held_in_order(nodes: Nodes) -> None:
    alpha, bravo = await nodes.pair()
    watch = nodes.events(bravo)
    statuses: list[tuple[int, int, str]] = []  # (index, HTTP status, state)
    readers: list[asyncio.Task[None]] = []

    async def read_until_held(client: httpx.AsyncClient, index: int) -> None:
        """Read the entry from its flash event on, until it is held in order."""
        while True:
            r = await client.get(f"{bravo.http}/v1/notices/alpha/{index}")
            state = r.json()["state"]["status"] if r.status_code == 200 else r.text
            statuses.append((index, r.status_code, state))
            if r.status_code != 200 or state != "early":
                return
            await asyncio.sleep(0.002)

    async with httpx.AsyncClient(timeout=TIMEOUT, headers=bravo.headers("auditor")) as client:
        seen = 0
        posted = asyncio.Event()

        async def follow() -> None:
            """Until bravo holds every entry in order: a FLASH that reaches it in order (its
            run first, or beyond the bound of early ones) has no flash event."""
            nonlocal seen
            while True:
                held = posted.is_set() and bravo.node.index.size("alpha") >= 300
                flashes = watch.of("flash")
                for event in flashes[seen:]:
                    readers.append(asyncio.create_task(read_until_held(client, event["index"])))
                seen = len(flashes)
                if held:
                    return
                await asyncio.sleep(0.001)

        async def post() -> None:
            token = alpha.tokens["automation"]
            for start in range(0, 100, 10):
                bodies = [
                    body
                    for i in range(start, start + 10)
                    for body in (liaison(i), liaison(i), distress(i))
                ]
                await post_pipelined(alpha.http, token, bodies, connections=2)
            posted.set()

        async with asyncio.timeout(TIMEOUT * 4):
            await asyncio.gather(follow(), post())
            await asyncio.gather(*readers)
    assert [s for s in statuses if s[1] != 200] == []
    flashed = {e["index"] for e in watch.of("flash")}
    assert {s[0] for s in statuses} == flashed
    assert len(flashed) >= 64  # early while the peer holds fewer than early_flash_max (64)
