"""Start-up: the feeds' in-memory state rebuilt from the store.

Every entry of both feeds is read once, its chain checked, its leaf added to its side's tree and
its record to the index (when it was appended: the time its first checkpoint was stored, for
the own feed writes each batch with its checkpoint and the replica stores the peer's with
them); the deliveries come from the cosignatures of the other side's witness.
"""

from __future__ import annotations

import bisect

from hotline_protocol.entries import decode_entry
from hotline_protocol.merkle import Tree

from ..store.base import Store
from ..types import Sides
from .index import Delivery, FeedIndex

CHUNK = 1000  # entries read from the store at a time


async def load_feed(store: Store, index: FeedIndex, side: str, tree: Tree) -> None:
    origin = index.sides[side]
    size = await store.size(origin)
    stored = sorted((c.size, c.stored_ms) for c in await store.checkpoints(origin))
    sizes = [s for s, _ in stored]
    prev = b""
    for start in range(0, size, CHUNK):
        raws = await store.entries(origin, start, min(size, start + CHUNK))
        for offset, raw in enumerate(raws):
            entry = decode_entry(raw, origin=origin, index=start + offset, prev=prev)
            tree.append(entry.leaf_hash)
            pos = bisect.bisect_right(sizes, entry.index)
            appended = stored[pos][1] if pos < len(stored) else entry.notice.time
            index.add(side, entry.index, entry.leaf_hash, entry.notice, appended)
            prev = entry.leaf_hash


async def load_deliveries(store: Store, index: FeedIndex, sides: Sides) -> None:
    """Own entries are delivered when the peer's witness cosigned; the peer's when this
    node's did."""
    peer = sides.peer
    if peer is None:
        return
    own = sides.own
    for side, origin, witness in (
        (own.name, own.origin, peer.witness_name),
        (peer.name, peer.origin, own.witness_name),
    ):
        for cos in await store.cosignatures(origin):
            if cos.witness == witness:
                index.add_delivery(side, Delivery(cos.size, cos.received_ms, witness))
