"""Ordered replication between two nodes in this process: catch-up after a restart, link state
(API, stream, metrics), and a cosignature a crash interrupted being finished at start."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx

from hotline.store import open_store
from hotline_protocol.cosignature import CosignatureVerifier, verify_cosignature
from hotline_protocol.note import Signature, split_note
from tests.helpers.fake_peer import FakePeer

from .conftest import TIMEOUT, LiveNode, Nodes, wait_until


def liaison(text: str) -> dict[str, Any]:
    return {"kind": "liaison", "status": "exercise", "text": text, "language": "en"}


async def post_many(live: LiveNode, n: int, size: int = 40) -> None:
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:

        async def one(i: int) -> None:
            body = liaison(f"{live.side} {i} " + "x" * size)
            r = await client.post(f"{live.http}/v1/notices", json=body, headers=live.headers())
            assert r.status_code == 201, r.text

        for first in range(0, n, 50):
            await asyncio.gather(*(one(i) for i in range(first, min(n, first + 50))))


async def feed_bytes(live: LiveNode, side: str) -> list[str]:
    out: list[str] = []
    size = live.size(side)
    while len(out) < size:
        page = await live.get(f"/v1/logs/{side}/entries", start=len(out))
        out += page["entries"]
    return out


def in_sync(alpha: LiveNode, bravo: LiveNode) -> bool:
    a, b = alpha.node, bravo.node
    return (
        b.index.size("alpha") == a.index.size("alpha")
        and a.index.delivered_size("alpha") == a.index.size("alpha")
        and a.index.size("bravo") == b.index.size("bravo")
        and b.index.delivered_size("bravo") == b.index.size("bravo")
    )


async def test_catch_up_after_either_node_restarts(nodes: Nodes) -> None:
    alpha, bravo = await nodes.pair(bravo_dials=True)  # a restarted node dials at once
    await post_many(alpha, 30)
    await post_many(bravo, 10)
    await wait_until(lambda: in_sync(alpha, bravo), "first sync")

    await bravo.stop()
    await post_many(alpha, 600, size=3900)  # big entries: several messages per checkpoint run
    await bravo.start()
    await post_many(bravo, 5)
    await wait_until(lambda: in_sync(alpha, bravo), "sync after bravo's restart")

    await alpha.stop()
    await post_many(bravo, 20)
    await alpha.start()
    await wait_until(lambda: in_sync(alpha, bravo), "sync after alpha's restart")

    for side in ("alpha", "bravo"):
        assert await feed_bytes(alpha, side) == await feed_bytes(bravo, side)
    assert alpha.size("alpha") == 630 and bravo.size("bravo") == 35
    assert await alpha.evidence() == [] and await bravo.evidence() == []


async def test_link_state_in_api_stream_and_metrics(nodes: Nodes) -> None:
    fake = FakePeer()
    bravo = await nodes.facing(fake)
    events = nodes.events(bravo)
    await post_many(bravo, 3)
    fake.append_many(100)
    link = await fake.connect(
        bravo.peer_ws,
        bravo.prepared.keys.log.vkey,
        status={"size": 100, "have": 0, "cosigned": 0},
    )
    lagging = await events.wait_for("link", change="lag")
    assert lagging["lag"] == {"out": 3, "in": 100} and lagging["connected"] is True
    state = await bravo.get("/v1/link")
    assert state["lag"] == {"out": 3, "in": 100}
    metrics = await metrics_of(bravo)
    assert metrics["hotline_peer_connected"] == 1
    assert metrics['hotline_peer_lag_entries{direction="in"}'] == 100
    assert metrics['hotline_peer_lag_entries{direction="out"}'] == 3
    assert metrics["hotline_peer_connects_total"] == 1

    await link.send_entries(0, [e.raw for e in fake.entries])
    await link.send_checkpoint(fake.sign())
    receipt = await link.expect("cosignature")
    assert receipt["size"] == 100
    caught_up = await events.wait_for("link", change="lag", lag={"out": 3, "in": 0})
    assert caught_up["peer_cosigned_size"] == 100 and caught_up["peer_size_held"] == 100
    metrics = await metrics_of(bravo)
    assert metrics['hotline_peer_cosigned_size{feed="peer"}'] == 100
    assert metrics['hotline_peer_lag_entries{direction="in"}'] == 0

    await link.close()
    await events.wait_for("link", change="down")
    metrics = await metrics_of(bravo)
    assert metrics["hotline_peer_connected"] == 0


async def metrics_of(live: LiveNode) -> dict[str, float]:
    text = (await live.get("/metrics", role="operator")).decode()
    out: dict[str, float] = {}
    for line in text.splitlines():
        match = re.fullmatch(r"(hotline_peer_\S+) (\S+)", line)
        if match:
            out[match.group(1)] = float(match.group(2))
    return out


async def test_a_cosignature_interrupted_by_a_crash_is_finished_at_start(nodes: Nodes) -> None:
    """Entries and checkpoint stored, witness state not moved yet (a crash between the two):
    at start the node finishes the witness step and its first status says so."""
    fake = FakePeer()
    prepared = nodes.prepare("bravo")
    fake.append_many(4)
    note = fake.sign()
    store = open_store(prepared.settings.store_url)
    await store.open()
    from hotline.store.base import CheckpointRecord

    tree = fake.tree()
    await store.append(
        fake.origin,
        0,
        [(e.raw, e.leaf_hash) for e in fake.entries],
        CheckpointRecord(fake.origin, 4, tree.root(), note, 0),
    )
    await store.close()

    bravo = await nodes.start(prepared, fake.card())
    assert await bravo.node.store.witness_state(fake.origin) == (4, tree.root())
    link = await fake.connect(bravo.peer_ws, prepared.keys.log.vkey)
    status = await link.expect("status")
    assert (status["have"], status["cosigned"]) == (4, 4)
    receipt = await link.expect("cosignature")
    assert receipt["size"] == 4
    witness = CosignatureVerifier.from_vkey(prepared.keys.witness.vkey)
    verify_cosignature(split_note(note)[0], Signature.parse_line(receipt["line"]), witness)
    assert bravo.node.index.delivered_size("alpha") == 4
