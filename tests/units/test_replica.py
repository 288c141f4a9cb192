"""The replica built from (peer side, tree, store, witness key, clock, recorder) alone."""

from __future__ import annotations

import base64

import pytest

from hotline.errors import Refusal
from hotline.events import AlarmEvent, AppendedEvent, DeliveredEvent
from hotline.feeds.feed_tree import FeedTree
from hotline.feeds.replica import Replica
from hotline_protocol.checkpoint import Checkpoint
from hotline_protocol.cosignature import CosignatureVerifier, verify_cosignature
from hotline_protocol.note import Signature
from tests.helpers.fake_peer import FakePeer

from .conftest import Parts


def bravo_feed(parts: Parts, n: int) -> FakePeer:
    """Bravo's feed of ``n`` entries, signed with the keys alpha pins."""
    peer = FakePeer(side="bravo", origin=parts.bravo.origin, nation="XBB")
    peer.log, peer.witness = parts.bravo.log, parts.bravo.witness
    peer.append_many(n)
    return peer


def replica_of(parts: Parts) -> Replica:
    return Replica(
        parts.bravo.side,
        tree=FeedTree(parts.store, parts.bravo.origin),
        store=parts.store,
        witness=parts.alpha.witness,
        clock_ms=parts.clock,
        recorder=parts.recorder,
    )


async def test_a_verified_run_is_stored_cosigned_and_recorded(parts: Parts) -> None:
    replica = replica_of(parts)
    await replica.load()
    peer = bravo_feed(parts, 3)
    note = peer.sign()
    line = await replica.checkpoint_run(0, [e.raw for e in peer.entries], note, 0, [], b"msg")
    # the receipt is alpha's witness signature over bravo's checkpoint of size 3
    body = Checkpoint(peer.origin, 3, peer.tree().root()).body()
    verifier = CosignatureVerifier.from_vkey(parts.alpha.witness.vkey)
    assert verify_cosignature(body, Signature.parse_line(line), verifier) > 0
    assert await parts.store.size(peer.origin) == 3
    assert (replica.have, replica.cosigned) == (3, 3)
    assert [type(e) for e in parts.events] == [AppendedEvent] * 3 + [DeliveredEvent]
    assert (parts.index.size("bravo"), parts.index.delivered_size("bravo")) == (3, 3)


async def test_a_run_whose_root_does_not_match_is_refused_and_changes_nothing(
    parts: Parts,
) -> None:
    replica = replica_of(parts)
    await replica.load()
    peer = bravo_feed(parts, 3)
    forged = peer.sign(root=b"\x01" * 32)
    with pytest.raises(Refusal) as refused:
        await replica.checkpoint_run(0, [e.raw for e in peer.entries], forged, 0, [], b"msg")
    assert refused.value.reason == "root_mismatch"
    assert await parts.store.size(peer.origin) == 0
    assert (replica.have, replica.cosigned, replica.tree.size) == (0, 0, 0)
    assert parts.events == [] and parts.index.size("bravo") == 0


async def test_an_early_flash_is_held_and_its_alarm_not_raised_again_in_order(
    parts: Parts,
) -> None:
    replica = replica_of(parts)
    await replica.load()
    peer = bravo_feed(parts, 2)
    flash = peer.append(peer.distress())
    note = peer.sign()
    proof = peer.tree().inclusion_proof(2, 3)
    entry = await replica.early.take(2, flash.raw, note, proof, b"msg")
    leaf = base64.b64encode(flash.leaf_hash).decode()
    assert entry is not None and replica.early.is_early(peer.origin, 2, leaf)
    record = replica.early.record(2)
    assert record is not None and record.precedence == "FLASH"
    await replica.checkpoint_run(0, [e.raw for e in peer.entries], note, 0, [], b"msg")
    assert replica.early.held == {}
    # recorded in order without a second alarm (the early one is the node's to raise)
    assert not [e for e in parts.events if isinstance(e, AlarmEvent)]
