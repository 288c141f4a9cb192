"""FLASH overtaking, at the receiving end: a FLASH entry pushed ahead of the backlog is verified
on its own (log signature, inclusion proof), shown and alarmed at once; its checkpoint must agree
with the feed when the ordered entries reach it."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Awaitable
from typing import Any

import httpx

from hotline.feeds.posting import complete_posting
from hotline.feeds.postqueue import Appended
from hotline.peering.transport import Transport
from hotline.store.base import UserRecord
from hotline_protocol.merkle import Tree
from hotline_protocol.notices import notice_to_json
from tests.helpers.fake_peer import FakeLink, FakePeer, b64

from .conftest import LiveNode, Nodes, wait_until


async def send_flash(link: FakeLink, fake: FakePeer, index: int, tree: Tree | None = None) -> None:
    tree = tree or fake.tree()
    await link.send(
        "flash",
        index=index,
        entry=b64(fake.entries[index].raw),
        note=fake.sign(tree.size, tree.root()).decode(),
        proof=[b64(h) for h in tree.inclusion_proof(index, tree.size)],
    )


async def send_run(link: FakeLink, fake: FakePeer, start: int, old: int) -> dict[str, object]:
    await link.send_entries(start, [e.raw for e in fake.entries[start:]])
    proof = fake.tree().consistency_proof(old, fake.size) if 0 < old < fake.size else []
    await link.send_checkpoint(fake.sign(), old, proof)
    while True:
        receipt = await link.expect("cosignature")
        if receipt["size"] == fake.size:
            return receipt


async def connected_fake(nodes: Nodes) -> tuple[FakePeer, LiveNode, FakeLink]:
    fake = FakePeer()
    bravo = await nodes.facing(fake)
    link = await fake.connect(bravo.peer_ws, bravo.prepared.keys.log.vkey)
    return fake, bravo, link


async def test_flash_ahead_of_the_backlog(nodes: Nodes) -> None:
    fake, bravo, link = await connected_fake(nodes)
    events = nodes.events(bravo)
    fake.append_many(50)
    flash = fake.append(fake.distress())
    await send_flash(link, fake, flash.index)

    shown = await events.wait_for("flash", index=flash.index)
    assert shown["early"] is True and shown["kind"] == "aircraft_in_distress"
    assert shown["notice"]["phase"] == "DETRESFA" and shown["id"] == str(flash.notice.id)
    alarm = await events.wait_for("alarm", reason="flash", index=flash.index)
    assert alarm["early"] is True
    assert bravo.size("alpha") == 0  # shown before any of the backlog is held

    await send_run(link, fake, 0, 0)
    await events.wait_for("appended", side="alpha", index=flash.index)
    assert bravo.size("alpha") == flash.index + 1
    # one alarm for the FLASH, raised when it came early, not again when it came in order
    assert len(events.of("alarm", reason="flash", index=flash.index)) == 1
    assert bravo.node.replica is not None and bravo.node.replica.early.held == {}
    assert await bravo.evidence() == []


async def test_flash_already_held_is_a_repeated_announcement(nodes: Nodes) -> None:
    fake, bravo, link = await connected_fake(nodes)
    events = nodes.events(bravo)
    fake.append_many(2)
    flash = fake.append(fake.distress())
    await send_run(link, fake, 0, 0)
    await send_flash(link, fake, flash.index)
    repeated = await events.wait_for("alarm", reason="flash_repeated", index=flash.index)
    assert repeated["side"] == "alpha" and repeated["kind"] == "aircraft_in_distress"
    assert not events.of("flash")


async def test_ordered_entries_that_contradict_an_early_flash_are_a_fork(nodes: Nodes) -> None:
    """The peer showed a FLASH in one history and then sends another: refused as a fork, with
    both signed checkpoints in the evidence."""
    fake, bravo, link = await connected_fake(nodes)
    events = nodes.events(bravo)
    liar = FakePeer()
    liar.log = fake.log
    liar.append_many(3)
    liar.append(liar.distress())
    await send_flash(link, liar, 3)
    await events.wait_for("flash", index=3)

    fake.append_many(5)  # a different history through index 4
    await link.send_entries(0, [e.raw for e in fake.entries])
    await link.send_checkpoint(fake.sign())
    refused = await link.expect("refused")
    assert refused["reason"] == "fork"
    assert await link.closed() == (4422, "fork")
    evidence = await bravo.evidence()
    assert [e["reason"] for e in evidence] == ["fork"]
    import base64

    raw = base64.b64decode(evidence[0]["raw"])
    assert liar.sign(4) in raw  # the FLASH's checkpoint, next to the refused run
    assert bravo.size("alpha") == 0


async def test_flash_from_a_live_link_overtakes_a_routine_flood(nodes: Nodes) -> None:
    """Two real nodes: alpha posts a ROUTINE flood and a FLASH behind it; bravo shows the FLASH
    while its replica is still below the FLASH's index."""
    alpha, bravo = await nodes.pair()
    await wait_until(lambda: alpha.connected() and bravo.connected(), "link up")
    events = nodes.events(bravo)
    node = alpha.node

    def liaison(i: int) -> dict[str, object]:
        return {"kind": "liaison", "status": "exercise", "text": f"flood {i}", "language": "en"}

    user = UserRecord("automation-1", "automation", "", 0)
    posts = [
        node.sequencer.append(complete_posting(liaison(i), user, node.settings, node.clock_ms())[0])
        for i in range(3000)
    ]
    flood = asyncio.gather(*posts)
    await wait_until(lambda: node.index.size("alpha") >= 2000, "flood under way")
    body = _distress_body()
    flash = await node.sequencer.append(
        complete_posting(body, user, node.settings, node.clock_ms())[0]
    )
    await flood
    index = flash.entry.index
    shown = await events.wait_for("flash", index=index)
    held = bravo.size("alpha")
    assert shown["early"] is True
    assert held <= index, f"bravo held {held} entries when the FLASH at {index} was shown"
    await wait_until(lambda: bravo.size("alpha") == node.index.size("alpha"), "catch-up")


async def test_an_early_flash_can_be_acknowledged_before_its_backlog_arrives(
    nodes: Nodes,
) -> None:
    fake, bravo, link = await connected_fake(nodes)
    events = nodes.events(bravo)
    fake.append_many(20)
    flash = fake.append(fake.distress())
    await send_flash(link, fake, flash.index)
    await events.wait_for("flash", index=flash.index)
    assert bravo.size("alpha") == 0

    async with httpx.AsyncClient(timeout=10, verify=bravo.verify) as client:
        url = f"{bravo.http}/v1/notices/alpha/{flash.index}"
        shown = await client.get(url, headers=bravo.headers())
        assert shown.status_code == 200 and shown.json()["state"]["status"] == "early"
        assert shown.json()["notice"]["kind"] == "aircraft_in_distress"
        r = await client.post(f"{url}/ack", json={"response": "WILCO"}, headers=bravo.headers())
    assert r.status_code == 201, r.text
    ack = r.json()["notice"]
    assert ack["ref"]["index"] == flash.index and ack["precedence"] == "FLASH"
    assert bravo.size("alpha") == 0  # acknowledged while the backlog is still outstanding

    await send_run(link, fake, 0, 0)
    await events.wait_for("appended", side="alpha", index=flash.index)
    record = bravo.node.index.get("alpha", flash.index)
    assert record is not None and [a.response for a in record.acks] == ["WILCO"]


def _distress_body() -> dict[str, Any]:
    """An aircraft in distress (FLASH) as a client posts it: no id, author or time."""
    body = notice_to_json(FakePeer().distress())
    for key in ("id", "author", "time"):
        body.pop(key)
    return body


class _Recorded:
    """A link transport that records what it sends, and sends it."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.sent: list[dict[str, Any]] = []

    async def send(self, text: str) -> None:
        self.sent.append(json.loads(text))  # handed over to be written
        await self.inner.send(text)

    def congested(self, size: int = 0) -> bool:
        return self.inner.congested(size)

    def room(self) -> bool:
        return self.inner.room()

    async def recv(self) -> str:
        return await self.inner.recv()

    async def close(self, code: int, reason: str) -> None:
        await self.inner.close(code, reason)


async def test_a_flash_leaves_for_the_peer_in_the_turn_that_made_it_durable(
    nodes: Nodes,
) -> None:
    """By the time the poster is told the FLASH is durable (in that same turn of the loop), its
    entry is already on the link to the peer: it does not wait for another task to run."""
    alpha, bravo = await nodes.pair()
    await wait_until(lambda: alpha.connected() and bravo.connected(), "link up")
    node = alpha.node
    assert node.peering is not None and node.peering.link is not None
    link = node.peering.link
    recorded = _Recorded(link.t)
    link.t = recorded
    body = _distress_body()
    user = UserRecord("automation-1", "automation", "", 0)
    flashes_sent_when_told: list[list[int]] = []

    def told(appended: Appended) -> None:
        flashes_sent_when_told.append([m["index"] for m in recorded.sent if m["type"] == "flash"])

    notice = complete_posting(body, user, node.settings, node.clock_ms())[0]
    # posted when nothing else is on its way (a message being written goes first, and the FLASH
    # then leaves right after it, from the link's writer)
    await wait_until(lambda: link.quiet, "the link idle")
    listener = bravo.node.peering.link if bravo.node.peering is not None else None
    assert listener is not None
    assert not link.t.congested() and not listener.t.congested()  # both ends: dialer, listener
    flash = await node.sequencer.append(notice, on_appended=told)
    assert flashes_sent_when_told == [[flash.entry.index]]
    await nodes.events(bravo).wait_for("flash", index=flash.entry.index)


async def test_a_flash_is_written_and_answered_while_the_peer_does_not_read(
    nodes: Nodes,
) -> None:
    """A peer that stops reading backs the link's socket up: a FLASH is durable and answered all
    the same (it waits in the link's queue, never holding up the node's writes), and so is the
    next post; the FLASH reaches the peer once it reads again."""
    fake = FakePeer()
    bravo = await nodes.facing(fake)
    node = bravo.node
    link = await fake.connect(bravo.peer_ws, bravo.prepared.keys.log.vkey)
    link.stop_reading()
    peering = node.peering
    assert peering is not None
    await wait_until(lambda: peering.link is not None and peering.link.quiet, "the link idle")
    ours = peering.link
    assert ours is not None
    # the socket backs up with what the node sends (~1 MB at a time, which no compression of
    # the link makes smaller), while the link's own writer has nothing to send
    padding = json.dumps({"type": "padding", "text": secrets.token_urlsafe(750_000)})
    for _ in range(100):
        if ours.t.congested():
            break
        await ours.t.send(padding)
        await asyncio.sleep(0.01)
    assert ours.t.congested() and ours.quiet
    user = UserRecord("automation-1", "automation", "", 0)

    def post(body: dict[str, Any]) -> Awaitable[Appended]:
        notice = complete_posting(body, user, node.settings, node.clock_ms())[0]
        return node.sequencer.append(notice)

    try:
        flash = await asyncio.wait_for(post(_distress_body()), 10)
        after = await asyncio.wait_for(post(_distress_body()), 10)
        assert after.entry.index == flash.entry.index + 1 == node.index.size("bravo") - 1
        assert ours.t.congested()  # nothing was read meanwhile
        link.resume_reading()
        shown = await link.expect("flash", timeout=30)
        assert shown["index"] == flash.entry.index
    finally:
        await link.abort()
