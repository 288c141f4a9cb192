"""Two nodes in this process over real sockets: delivery receipts, acks, link state."""

from __future__ import annotations

from typing import Any

import httpx

from hotline_protocol.checkpoint import open_checkpoint
from hotline_protocol.cosignature import CosignatureVerifier
from hotline_protocol.note import Verifier

from .conftest import LiveNode, Nodes, wait_until

LIAISON: dict[str, Any] = {"kind": "liaison", "status": "exercise", "text": "Line check.",
                           "language": "en"}


async def post(client: httpx.AsyncClient, live: LiveNode, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post(f"{live.http}/v1/notices", json=body, headers=live.headers())
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


async def test_post_deliver_ack(nodes: Nodes) -> None:
    alpha, bravo = await nodes.pair()
    a_events = nodes.events(alpha)
    async with httpx.AsyncClient(timeout=10) as client:
        posted = await post(client, alpha, {**LIAISON, "kind": "liaison"})
        index = posted["index"]
        await a_events.wait_for("delivered", side="alpha")
        r = await client.get(f"{alpha.http}/v1/notices/alpha/{index}", headers=alpha.headers())
        state = r.json()["state"]
        assert state["status"] == "delivered"
        assert state["delivered"]["by"] == f"{bravo.settings.origin}/witness"
        note = (
            await client.get(f"{alpha.http}/v1/logs/alpha/checkpoint", headers=alpha.headers())
        ).content
        cp = open_checkpoint(
            note,
            origin=alpha.settings.origin,
            log=Verifier.from_vkey(alpha.prepared.keys.log.vkey),
            witnesses=[CosignatureVerifier.from_vkey(bravo.prepared.keys.witness.vkey)],
        )
        assert cp.cosignatures.keys() == {f"{bravo.settings.origin}/witness"}
        await wait_until(lambda: bravo.size("alpha") == 1, "alpha's notice at bravo")
