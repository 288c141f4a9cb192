"""The peer sender built from the own feed's read port, the peer's witness key and two send
functions: no link, no socket, no node."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Collection
from typing import Any

import pytest

from hotline.errors import Refusal
from hotline.events import DeliveredEvent
from hotline.feeds.own import OwnFeed
from hotline.peering.sender import Sender
from hotline_protocol.cosignature import CosignatureSigner, CosignatureVerifier, cosign
from hotline_protocol.note import split_note
from tests.helpers.fake_peer import FakePeer

from .conftest import Parts, alpha_sequencer


async def own_feed_with(
    parts: Parts, notices: int, flash_at: int | None = None, flashes: Collection[int] = ()
) -> OwnFeed:
    """Alpha's own feed with ``notices`` entries appended by a real sequencer."""
    sequencer = await alpha_sequencer(parts)
    feed = sequencer.feed
    author = FakePeer(side="alpha", origin=parts.alpha.origin, nation="XAA")
    sequencer.start()
    try:
        async with asyncio.timeout(5):
            for i in range(notices):
                flash = i == flash_at or i in flashes
                notice = author.distress() if flash else author.notice(f"notice {i}")
                author.append(notice)
                await sequencer.append(notice)
    finally:
        await sequencer.stop()
    return feed


class Sent:
    def __init__(self) -> None:
        self.bulk: list[dict[str, Any]] = []
        self.urgent: list[dict[str, Any]] = []

    async def send(self, text: str) -> None:
        self.bulk.append(json.loads(text))

    def send_urgent(self, text: str) -> None:
        self.urgent.append(json.loads(text))


async def run_until(sender: Sender, cond: Any) -> None:
    task = asyncio.create_task(sender.run())
    try:
        async with asyncio.timeout(5):
            while not cond():
                await asyncio.sleep(0.001)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_the_feed_goes_in_order_closed_by_its_checkpoint(parts: Parts) -> None:
    feed = await own_feed_with(parts, 5)
    sent = Sent()
    witness = CosignatureVerifier.from_vkey(parts.bravo.witness.vkey)
    sender = Sender(feed, witness, sent.send, sent.send_urgent)
    sender.start_from(2, 2)  # the peer holds and cosigned two entries
    await run_until(sender, lambda: any(m["type"] == "checkpoint" for m in sent.bulk))
    entries = [m for m in sent.bulk if m["type"] == "entries"]
    assert [m["start"] for m in entries] == [2] and len(entries[0]["entries"]) == 3
    checkpoint = sent.bulk[-1]
    assert checkpoint["old"] == 2 and checkpoint["note"].encode() == await feed.note(5)
    assert len(checkpoint["proof"]) > 0 and sent.urgent == []


async def test_a_flash_beyond_the_peer_size_is_pushed_first(parts: Parts) -> None:
    feed = await own_feed_with(parts, 4, flash_at=3)
    sent = Sent()
    sender = Sender(
        feed,
        CosignatureVerifier.from_vkey(parts.bravo.witness.vkey),
        sent.send,
        sent.send_urgent,
    )
    sender.start_from(0, 0)
    await run_until(sender, lambda: bool(sent.urgent))
    assert [m["type"] for m in sent.urgent] == ["flash"] and sent.urgent[0]["index"] == 3


async def test_no_more_flash_is_pushed_ahead_of_the_last_receipt_than_the_peer_holds(
    parts: Parts,
) -> None:
    """Beyond ``max_early`` FLASH entries pushed ahead of the peer's last receipt, a FLASH goes
    in its place in the feed (the peer would refuse it: ``too_many_early_flash``)."""
    feed = await own_feed_with(parts, 8, flashes={2, 4, 5, 7})
    sent = Sent()
    witness = CosignatureVerifier.from_vkey(parts.bravo.witness.vkey)
    sender = Sender(feed, witness, sent.send, sent.send_urgent, max_early=2)
    sender.start_from(0, 0)
    await run_until(sender, lambda: any(m["type"] == "checkpoint" for m in sent.bulk))
    assert [m["index"] for m in sent.urgent] == [2, 4]
    entries = [m for m in sent.bulk if m["type"] == "entries"]
    assert sum(len(m["entries"]) for m in entries) == 8  # every entry in order, 5 and 7 too


async def test_a_receipt_is_verified_kept_and_recorded_as_delivered(parts: Parts) -> None:
    feed = await own_feed_with(parts, 3)
    sender = Sender(
        feed, CosignatureVerifier.from_vkey(parts.bravo.witness.vkey), Sent().send, print
    )
    body = split_note(feed.latest()[1])[0]
    line = cosign(body, parts.bravo.witness, 1767254401).line().rstrip("\n")
    parts.events.clear()
    await sender.on_cosignature(3, line, b"raw")
    assert sender.peer_cosigned == 3 and feed.delivered_size == 3
    assert [c.size for c in await parts.store.cosignatures(parts.alpha.origin)] == [3]
    assert parts.events == [DeliveredEvent("alpha", 3, parts.bravo.witness.name, parts.clock())]


async def test_a_receipt_from_another_key_is_refused_and_changes_nothing(parts: Parts) -> None:
    feed = await own_feed_with(parts, 3)
    sender = Sender(
        feed, CosignatureVerifier.from_vkey(parts.bravo.witness.vkey), Sent().send, print
    )
    body = split_note(feed.latest()[1])[0]
    stranger = CosignatureSigner.generate(parts.bravo.witness.name)
    line = cosign(body, stranger, 1767254401).line().rstrip("\n")
    parts.events.clear()
    with pytest.raises(Refusal) as refused:
        await sender.on_cosignature(3, line, b"raw")
    assert refused.value.reason == "unknown_key"
    assert sender.peer_cosigned == 0 and feed.delivered_size == 0
    assert await parts.store.cosignatures(parts.alpha.origin) == []
    assert parts.events == []
