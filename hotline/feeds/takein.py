"""Entries of the own feed written other than by posting: a run recovered from the peer, and
what the store holds beyond the feed after a write whose reply was lost.

Both extend the feed's tree and set its checkpoint; the sequencer, which calls them under its
write lock, publishes the entries.
"""

from __future__ import annotations

import logging

from hotline_protocol.checkpoint import Checkpoint, sign_checkpoint
from hotline_protocol.entries import Entry, decode_chain
from hotline_protocol.note import Signer

from ..errors import Refusal, StoreError
from ..store.base import CheckpointRecord, Store
from .own import OwnFeed

log = logging.getLogger("hotline.sequencer")


async def write_recovered(
    feed: OwnFeed,
    signer: Signer,
    store: Store,
    entries: list[Entry],
    cp: Checkpoint,
    raw: bytes,
    now: int,
) -> bytes:
    """Write a run of the own feed recovered from the peer, after the feed: its Merkle root
    must be ``cp``'s (Refusal ``root_mismatch`` with ``raw`` as evidence, and nothing
    appended). Written with a checkpoint of its own, signed here; returns that note."""
    start = feed.size
    feed.tree.extend(e.leaf_hash for e in entries)
    try:
        if feed.tree.root() != cp.root or feed.tree.size != cp.size:
            raise Refusal(
                "root_mismatch",
                "the recovered entries do not make the root of this node's checkpoint",
                raw,
            )
        note = sign_checkpoint(cp, signer)
        record = CheckpointRecord(feed.origin, cp.size, cp.root, note, now)
        await store.append(feed.origin, start, [(e.raw, e.leaf_hash) for e in entries], record, {})
    except BaseException:
        feed.tree.rollback()
        raise
    feed.tree.commit()
    feed.checkpoint = note
    return note


async def read_stored_beyond(feed: OwnFeed, store: Store) -> tuple[list[Entry], bytes] | None:
    """What the store holds of the own feed beyond the feed here, taken into the feed: a write
    can be durable although its reply was lost (the connection died after the fsync). Returns
    the entries and the stored checkpoint at their end, or None if the store holds no more."""
    size = await store.size(feed.origin)
    if size <= feed.size:
        return None
    raws = await store.entries(feed.origin, feed.size, size)
    entries = decode_chain(raws, origin=feed.origin, start=feed.size, prev=feed.prev())
    record = await store.latest_checkpoint(feed.origin)
    if record is None or record.size != size:
        raise StoreError(f"no checkpoint of {feed.origin!r} stored at size {size}")
    feed.tree.extend(e.leaf_hash for e in entries)
    feed.tree.commit()
    feed.checkpoint = record.note
    log.warning("took in %d entries of a write whose reply was lost", len(entries))
    return entries, record.note
