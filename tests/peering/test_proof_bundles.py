"""A notice's proof bundle on a linked pair: made from the checkpoint the other side cosigned
last, read alone from the store (not every checkpoint and cosignature the feed ever had)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from hotline_protocol.cosignature import CosignatureVerifier
from hotline_protocol.note import Verifier
from hotline_protocol.proof import verify_bundle

from .conftest import LiveNode, Nodes


def refuse_whole_reads(live: LiveNode, monkeypatch: pytest.MonkeyPatch) -> None:
    """The node's store refuses to read a feed's every checkpoint or cosignature."""

    async def whole(origin: str) -> Any:
        raise AssertionError(f"a whole read of {origin}'s history")

    for name in ("checkpoints", "cosignatures"):
        monkeypatch.setattr(live.node.store, name, whole)


async def test_a_bundle_carries_the_checkpoint_cosigned_last_read_alone_from_the_store(
    nodes: Nodes, monkeypatch: pytest.MonkeyPatch
) -> None:
    alpha, bravo = await nodes.pair()
    a_events = nodes.events(alpha)
    for _ in range(3):
        await alpha.post({"kind": "liaison", "status": "exercise", "text": "x", "language": "en"})
        # one checkpoint a notice: each is cosigned before the next is posted
        size = alpha.node.index.size("alpha")
        await a_events.wait_for("delivered", side="alpha", size=size)
    for live in (alpha, bravo):
        refuse_whole_reads(live, monkeypatch)
    own, peer = alpha.node.sides.own, alpha.node.sides.peer
    assert peer is not None
    log = Verifier.from_vkey(own.log_vkey)
    witness = CosignatureVerifier.from_vkey(peer.witness_vkey)
    for live in (alpha, bravo):  # the sender's copy and the receiver's: both cosigned
        body = await live.get("/v1/notices/alpha/0/proof")
        assert body["cosigned"] is True and body["size"] == alpha.node.index.size("alpha")
        verified = verify_bundle(
            body["bundle"].encode(),
            base64.b64decode(body["entry"]),
            origin=own.origin,
            log=log,
            witnesses=[witness],
            required_witnesses=1,
        )
        assert verified.index == 0 and verified.checkpoint.size == body["size"]
