"""The AsyncAPI 3.0 document the node serves: valid by the official schema, and every message a
real stream session exchanges matches the schema the document gives it."""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from hotline.api.asyncapi import document
from hotline.stream import errors as close
from hotline_protocol.entries import encode_entry
from hotline_protocol.notices import parse_notice
from tests.helpers.asyncapi import document_errors, message_errors

from .conftest import TIMEOUT, NodeServer, Serve, serve_paired
from .test_event_bytes import example


async def served_document(server: NodeServer) -> dict[str, Any]:
    async with httpx.AsyncClient() as client:
        answer = await client.get(f"{server.http}/asyncapi.json")  # no token needed
    assert answer.status_code == 200, answer.text
    doc: dict[str, Any] = answer.json()
    return doc


async def test_the_node_serves_a_valid_asyncapi_3_document(server: NodeServer) -> None:
    doc = await served_document(server)
    assert doc["asyncapi"] == "3.0.0"
    assert document_errors(doc) == []
    addresses = {c["address"] for c in doc["channels"].values()}
    assert addresses == {"/v1/stream", "/v1/peer"}
    stream_codes = {c["code"] for c in doc["channels"]["stream"]["x-close-codes"]}
    for code in (
        close.CLOSE_TOO_BIG,
        close.CLOSE_INTERNAL,
        close.CLOSE_SLOW_CONSUMER,
        close.CLOSE_UNAUTHENTICATED,
        close.CLOSE_FORBIDDEN,
    ):
        assert code in stream_codes
    peer_codes = {c["code"] for c in doc["channels"]["peer"]["x-close-codes"]}
    assert {1001, 1011, 4400, 4401, 4403, 4404, 4408, 4409, 4422} <= peer_codes
    # every message is in its channel and in an operation
    for name, channel in doc["channels"].items():
        used = {
            m["$ref"].rsplit("/", 1)[1]
            for op in doc["operations"].values()
            if op["channel"]["$ref"] == f"#/channels/{name}"
            for m in op["messages"]
        }
        assert used == set(channel["messages"])


def test_a_document_that_breaks_asyncapi_3_is_told() -> None:
    """The check bites: AsyncAPI 2's ``publish`` is no action of 3.0."""
    broken = copy.deepcopy(document())
    broken["operations"]["streamSend"]["action"] = "publish"
    assert document_errors(broken) != []
    del broken["channels"]
    assert document_errors(broken) != []


class Recorder:
    """A raw stream connection whose every frame, both ways, is checked against the document."""

    def __init__(self, doc: dict[str, Any], ws: ClientConnection) -> None:
        self.doc, self.ws = doc, ws
        self.errors: list[str] = []
        self.seen: set[str] = set()

    async def send(self, message: dict[str, Any]) -> None:
        self.check(f"client_{message['type']}", message)
        await self.ws.send(json.dumps(message))

    async def recv(self) -> dict[str, Any]:
        async with asyncio.timeout(TIMEOUT):
            message: dict[str, Any] = json.loads(await self.ws.recv())
        self.check(f"node_{message['type']}", message)
        if message["type"] == "event":
            self.seen.add(f"event:{message['event']['type']}")
        return message

    async def until(self, mtype: str) -> dict[str, Any]:
        """The next message of type ``mtype``, passing over events (an error fails)."""
        while (message := await self.recv())["type"] != mtype:
            assert message["type"] == "event", message
        return message

    def check(self, key: str, message: dict[str, Any]) -> None:
        self.seen.add(key)
        self.errors += message_errors(self.doc, key, message)


async def test_every_stream_message_matches_its_schema(serve: Serve) -> None:
    server, bravo = await serve_paired(serve)
    node = server.node
    doc = await served_document(server)
    ws = await connect(server.url)
    rec = Recorder(doc, ws)
    await rec.send({"type": "auth", "token": server.tokens["operator"], "id": "a"})
    assert (await rec.recv())["type"] == "authenticated"
    await rec.send({"type": "subscribe", "id": "live"})
    assert (await rec.recv())["type"] == "subscribed"
    # a notice of the peer in the replica, acknowledged here, and deliveries both ways
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
    await rec.send({"type": "post", "id": 1, "notice": example("liaison"), "client_ref": "r-1"})
    assert (await rec.until("posted"))["replayed"] is False
    await rec.send({"type": "post", "id": 2, "notice": example("liaison"), "client_ref": "r-1"})
    assert (await rec.until("posted"))["replayed"] is True
    await rec.send(
        {"type": "ack", "id": 3, "side": "bravo", "index": 0, "response": "UNABLE", "reason": "x"}
    )
    await rec.until("posted")
    await rec.send(
        {"type": "cancel", "id": 4, "side": "alpha", "index": 0, "reason": "issued_in_error"}
    )
    await rec.until("posted")
    node.recorder.delivery("alpha", 2, bravo.witness.name, node.clock_ms())
    await ws.send(json.dumps({"type": "post", "id": 5, "notice": {"kind": "liaison"}}))  # invalid
    assert (await rec.until("error"))["error"] == "invalid_notice"
    await ws.send("not json")
    assert (await rec.until("error"))["id"] is None
    await rec.send({"type": "ping", "id": 6})
    await rec.until("pong")
    await rec.send({"type": "unsubscribe", "id": 7})
    await rec.until("unsubscribed")
    await rec.send({"type": "subscribe", "id": 8, "cursor": "", "filters": {"side": "alpha"}})
    await rec.until("subscribed")
    await rec.until("replayed")
    await ws.close()
    assert rec.errors == []
    assert {
        "node_authenticated",
        "node_posted",
        "node_error",
        "node_pong",
        "node_subscribed",
        "node_unsubscribed",
        "node_replayed",
        "event:appended",
        "event:acknowledged",
        "event:delivered",
    } <= rec.seen


async def test_a_message_off_its_schema_is_told(server: NodeServer) -> None:
    """The check bites: a posted reply without its entry, an unknown event field."""
    doc = await served_document(server)
    assert message_errors(doc, "node_posted", {"type": "posted", "id": 1, "replayed": False})
    event = {"type": "event", "event": {"type": "delivered", "side": "a", "size": 1, "by": "w"}}
    assert message_errors(doc, "node_event", event)
    assert message_errors(doc, "client_post", {"type": "post", "id": 1, "notice": {}})
