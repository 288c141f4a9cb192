"""The own feed's start reads a bounded amount of its store: the tree's edge and the latest
checkpoint, as many rows for a feed of N batches as for one of 4N; older checkpoints are read
from the store when asked for."""

from __future__ import annotations

import hashlib
from typing import Any, cast

from hotline.feeds.feed_tree import FeedTree
from hotline.feeds.own import OwnFeed
from hotline.store.base import CheckpointRecord, Store
from hotline_protocol.merkle import Tree

from .conftest import Parts


class Reads:
    """The store, counting the calls made and the rows they returned."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.calls: list[str] = []
        self.rows = 0

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.store, name)
        if not callable(attr):
            return attr

        async def counted(*args: Any, **kwargs: Any) -> Any:
            result = await attr(*args, **kwargs)
            self.calls.append(name)
            self.rows += len(result) if isinstance(result, list) else result is not None
            return result

        return counted


async def grow(parts: Parts, tree: Tree, batches: int) -> list[int]:
    """Append ``batches`` batches of 3 entries, each with its checkpoint; their sizes."""
    origin, sizes = parts.alpha.origin, []
    for _ in range(batches):
        start = tree.size
        rows = [
            (b"entry-%d" % i, hashlib.sha256(b"leaf-%d" % i).digest())
            for i in range(start, start + 3)
        ]
        tree.extend(h for _, h in rows)
        note = b"note-%d" % tree.size
        await parts.store.append(
            origin, start, rows, CheckpointRecord(origin, tree.size, tree.root(), note, 1)
        )
        sizes.append(tree.size)
    return sizes


async def started(parts: Parts) -> tuple[OwnFeed, Reads]:
    reads = Reads(parts.store)
    store = cast(Store, reads)
    tree = FeedTree(store, parts.alpha.origin)
    await tree.load()
    feed = OwnFeed(
        parts.alpha.side,
        tree=tree,
        store=store,
        signer=parts.alpha.log,
        index=parts.index,
        recorder=parts.recorder,
        clock_ms=parts.clock,
    )
    await feed.load_checkpoints()
    return feed, reads


async def test_the_own_feed_starts_reading_as_much_for_4n_batches_as_for_n(
    parts: Parts,
) -> None:
    tree = Tree()
    counts = []
    for batches in (64, 192):  # 64 batches, then 256 in all
        sizes = await grow(parts, tree, batches)
        feed, reads = await started(parts)
        counts.append(reads.rows)
        assert "checkpoints" not in reads.calls and "entries" not in reads.calls
        assert (feed.size, feed.tree.root(), feed.latest()) == (
            tree.size,
            tree.root(),
            (tree.size, b"note-%d" % tree.size),
        )
        # an older checkpoint is read when asked for, and the best one for a run found
        assert await feed.note(sizes[0]) == b"note-%d" % sizes[0]
        assert await feed.note(sizes[0] + 1) is None
        assert await feed.checkpoints.best(sizes[0], 10) == sizes[0] + 9
    assert abs(counts[1] - counts[0]) <= 4  # one edge hash per set bit of the size
    assert max(counts) <= 12
