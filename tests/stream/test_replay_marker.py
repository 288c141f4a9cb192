"""A subscription that asks for a replay (it gives a cursor) is told when the backlog is
replayed: a ``replayed`` message with the subscribe's id and the cursor reached, after the last
replayed event and before any live one. A live-only subscription gets none."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from .conftest import TIMEOUT, Connect, NodeServer, liaison


async def subscribed(server: NodeServer, **subscribe: Any) -> ClientConnection:
    ws = await connect(
        server.url, additional_headers={"Authorization": f"Bearer {server.tokens['auditor']}"}
    )
    await ws.send(json.dumps({"type": "subscribe", "id": "s", **subscribe}))
    assert (await frame(ws))["type"] == "subscribed"
    return ws


async def frame(ws: ClientConnection) -> dict[str, Any]:
    async with asyncio.timeout(TIMEOUT):
        message: dict[str, Any] = json.loads(await ws.recv())
    return message


async def test_the_replay_ends_with_replayed_before_live_events(
    server: NodeServer, connect_client: Connect
) -> None:
    operator = await connect_client(server)
    for i in range(3):
        await operator.post(liaison(f"before {i}"))
    ws = await subscribed(server, cursor="")
    replayed = [await frame(ws) for _ in range(3)]
    assert [m["event"]["index"] for m in replayed] == [0, 1, 2]
    marker = await frame(ws)
    assert marker == {"type": "replayed", "id": "s", "cursor": replayed[-1]["event"]["cursor"]}
    await operator.post(liaison("after"))
    live = await frame(ws)
    assert live["type"] == "event" and live["event"]["index"] == 3
    await ws.close()


async def test_an_empty_replay_is_told_at_once(server: NodeServer, connect_client: Connect) -> None:
    operator = await connect_client(server)
    await operator.post(liaison())
    first = await subscribed(server, cursor="")
    await frame(first)
    now = (await frame(first))["cursor"]
    await first.close()
    ws = await subscribed(server, cursor=now)
    assert await frame(ws) == {"type": "replayed", "id": "s", "cursor": now}
    await ws.close()


async def test_a_filtered_replay_reaches_the_end_and_resumes_from_it(
    server: NodeServer, connect_client: Connect
) -> None:
    """Nothing matches the filter: the marker's cursor is still past every entry, so resuming
    from it replays nothing again."""
    operator = await connect_client(server)
    for i in range(2):
        await operator.post(liaison(f"routine {i}"))
    ws = await subscribed(server, cursor="", filters={"precedence": "FLASH"})
    marker = await frame(ws)
    assert marker["type"] == "replayed"
    assert marker["cursor"].startswith("alpha:2,")
    await ws.send(json.dumps({"type": "unsubscribe", "id": "u"}))
    assert (await frame(ws)) == {"type": "unsubscribed", "id": "u", "cursor": marker["cursor"]}
    await ws.close()
    again = await subscribed(server, cursor=marker["cursor"])
    await operator.post(liaison("later"))
    assert (await frame(again))["type"] == "replayed"
    assert (await frame(again))["event"]["index"] == 2
    await again.close()


async def test_a_live_subscription_gets_no_marker(
    server: NodeServer, connect_client: Connect
) -> None:
    operator = await connect_client(server)
    await operator.post(liaison("before"))
    ws = await subscribed(server)
    await operator.post(liaison("live"))
    live = await frame(ws)  # the first frame after subscribed is the live event itself
    assert live["type"] == "event" and live["event"]["index"] == 1
    await ws.close()
