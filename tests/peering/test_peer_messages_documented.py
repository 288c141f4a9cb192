"""Every message a node sends on a real peer link matches the schema the node's AsyncAPI
document gives it (``peer_<type>``, built from the fields the link's decoder checks)."""

from __future__ import annotations

import httpx

from hotline.api.asyncapi import document
from tests.helpers.asyncapi import message_errors
from tests.helpers.fake_peer import FakePeer

from .conftest import TIMEOUT, Nodes
from .test_flash import send_run

LIAISON = {"kind": "liaison", "status": "exercise", "text": "Line check.", "language": "en"}


async def test_every_message_the_node_sends_matches_its_schema(nodes: Nodes) -> None:
    fake = FakePeer()
    fake.append_many(3)
    bravo = await nodes.facing(fake)
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        posted = await client.post(
            f"{bravo.http}/v1/notices", json=LIAISON, headers=bravo.headers()
        )
        assert posted.status_code == 201, posted.text
    link = await fake.connect(bravo.peer_ws, bravo.prepared.keys.log.vkey)
    await send_run(link, fake, 0, 0)  # our feed: the node answers with its cosignature
    if not any(m["type"] == "checkpoint" for m in link.received):
        await link.expect("checkpoint")  # its feed: entries and a checkpoint
    await link.close()
    doc = document()
    kinds = {message["type"] for message in link.received}
    assert {"hello", "welcome", "status", "entries", "checkpoint", "cosignature"} <= kinds
    for message in link.received:
        assert message_errors(doc, f"peer_{message['type']}", message) == [], message


def test_a_peer_message_off_its_schema_is_told() -> None:
    doc = document()
    assert message_errors(doc, "peer_status", {"type": "status", "size": -1, "have": 0})
    assert message_errors(doc, "peer_hello", {"type": "hello", "origin": "a", "nonce": "x", "y": 1})
