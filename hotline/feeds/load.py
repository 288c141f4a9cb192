"""Start-up: the feeds' in-memory state rebuilt from the store.

Every entry of both feeds is read once, its chain checked and its record added to the index
(when it was appended: the time its first checkpoint was stored, for the own feed writes each
batch with its checkpoint and the replica stores the peer's with them); the deliveries come
from the cosignatures of the other side's witness. The trees are not read here: each side's
:class:`~hotline.feeds.feed_tree.FeedTree` loads its edge alone.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable

from hotline_protocol.entries import Entry, decode_entry

from ..store.base import Store
from ..types import Sides
from .index import Delivery, FeedIndex

CHUNK = 1000  # entries read from the store at a time


async def load_feed(
    store: Store,
    index: FeedIndex,
    side: str,
    *,
    witness: str | None = None,
    tolerance_ms: int = 300_000,
    on_entry: Callable[[str, Entry], None] | None = None,
) -> None:
    """Load one feed. For the peer's, ``witness`` is this node's witness name: each entry's
    claimed time is checked again against the bracket this node's cosignatures witnessed."""
    origin = index.sides[side]
    bracket = await _brackets(store, origin, witness) if witness is not None else None
    size = await store.size(origin)
    stored = sorted((c.size, c.stored_ms) for c in await store.checkpoints(origin))
    sizes = [s for s, _ in stored]
    prev = b""
    for start in range(0, size, CHUNK):
        raws = await store.entries(origin, start, min(size, start + CHUNK))
        for offset, raw in enumerate(raws):
            entry = decode_entry(raw, origin=origin, index=start + offset, prev=prev)
            pos = bisect.bisect_right(sizes, entry.index)
            appended = stored[pos][1] if pos < len(stored) else entry.notice.time
            implausible = None
            if bracket is not None:
                after, before = bracket(entry.index)
                claimed = entry.notice.time
                if claimed > before + tolerance_ms or claimed < after - tolerance_ms:
                    implausible = (after, before)
            index.add(side, entry.index, entry.leaf_hash, entry.notice, appended, implausible)
            if on_entry is not None:
                on_entry(side, entry)
            prev = entry.leaf_hash


async def _brackets(store: Store, origin: str, witness: str) -> Callable[[int], tuple[int, int]]:
    """When this node witnessed entry i appended: (after, before) in unix ms, from its
    cosignatures and heartbeats of ``origin`` (sizes only grow with time)."""
    seen = sorted(
        [(c.received_ms, c.size) for c in await store.cosignatures(origin) if c.witness == witness]
        + [(h.received_ms, h.size) for h in await store.heartbeats(origin) if h.witness == witness]
    )
    times = [t for t, _ in seen]
    sizes = [s for _, s in seen]

    def bracket(i: int) -> tuple[int, int]:
        covering = bisect.bisect_right(sizes, i)  # the first cosigned size above i
        before = times[covering] if covering < len(times) else times[-1] if times else 0
        return (times[covering - 1] if covering else 0), before

    return bracket


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
