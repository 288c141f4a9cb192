"""Live and replayed events are one type with one encoding: the same bytes on the wire."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from hotline_protocol.entries import encode_entry
from hotline_protocol.notices import parse_notice

from .conftest import TIMEOUT, Connect, NodeServer, Serve, serve_paired

EXAMPLES = Path(__file__).parents[1] / "protocol" / "examples"


def example(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    for key in ("id", "time", "author"):
        body.pop(key, None)
    return body


async def subscribe_raw(server: NodeServer, cursor: str | None) -> ClientConnection:
    """A stream connection subscribed (from ``cursor``, or live only), read as raw frames."""
    ws = await connect(
        server.url, additional_headers={"Authorization": f"Bearer {server.tokens['auditor']}"}
    )
    msg: dict[str, Any] = {"type": "subscribe", "id": "s"}
    if cursor is not None:
        msg["cursor"] = cursor
    await ws.send(json.dumps(msg))
    async with asyncio.timeout(TIMEOUT):
        reply = json.loads(await ws.recv())
    assert reply["type"] == "subscribed", reply
    return ws


REPLAYED = ("appended", "acknowledged", "delivered")


async def event_frames(ws: ClientConnection, count: int) -> list[str]:
    """The next ``count`` frames of replayable events, as the text the node sent (live-only
    events, such as the conflict the two operations make, are passed over)."""
    frames: list[str] = []
    async with asyncio.timeout(TIMEOUT):
        while len(frames) < count:
            text = await ws.recv()
            assert isinstance(text, str)
            msg = json.loads(text)
            if msg["type"] == "event" and msg["event"]["type"] in REPLAYED:
                frames.append(text)
    return frames


async def test_live_and_replayed_events_are_the_same_bytes(
    serve: Serve, connect_client: Connect
) -> None:
    server, bravo = await serve_paired(serve)
    node = server.node
    live = await subscribe_raw(server, None)
    # the peer's notice arrives in the replica (as the peer link records it)
    notice = parse_notice(
        {
            **example("planned_operation"),
            "id": "0b5a3b4e-3f55-4f43-9a51-1a3c2f0e8d11",
            "author": {"id": "planner-b", "unit": "HQ-B", "nation": "XBC"},
            "time": 1767254400000,
        }
    )
    entry = encode_entry("bravo.hotline.example", 0, b"", notice)
    await node.store.append("bravo.hotline.example", 0, [(entry.raw, entry.leaf_hash)])
    await node.trees["bravo"].load()
    node.recorder.entry("bravo", entry, node.clock_ms())
    operator = await connect_client(server)
    await operator.post(example("planned_operation"))
    await operator.post(example("aircraft_in_distress"))
    ack = await operator.request(
        {"type": "ack", "side": "bravo", "index": 0, "response": "UNABLE", "reason": "Tanker."}
    )
    assert ack["type"] == "posted", ack
    node.recorder.delivery("alpha", 2, bravo.witness.name, node.clock_ms())
    node.recorder.delivery("bravo", 1, node.own.witness_name, node.clock_ms())

    # appended x4 (bravo #0, alpha #0..#2), acknowledged, delivered x2
    kept = await event_frames(live, 7)
    assert [json.loads(f)["event"]["type"] for f in kept] == [
        "appended",
        "appended",
        "appended",
        "appended",
        "acknowledged",
        "delivered",
        "delivered",
    ]
    replayer = await subscribe_raw(server, "")
    replayed = await event_frames(replayer, len(kept))
    assert replayed == kept  # byte for byte, cursors included
    # and from the middle: after the acknowledged event
    middle = json.loads(kept[4])["event"]["cursor"]
    resumed = await subscribe_raw(server, middle)
    assert await event_frames(resumed, 2) == kept[5:]
    for ws in (live, replayer, resumed):
        await ws.close()
