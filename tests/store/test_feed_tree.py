"""A feed's tree held as its right edge: loading reads O(log n) hashes whatever the feed's size,
and roots, leaves and proofs equal the whole in-memory tree's, before and after a batch is
written, and after a failed write is rolled back."""

from __future__ import annotations

import gc
import hashlib
import tracemalloc
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, cast

import pytest

from hotline.feeds.feed_tree import FeedTree
from hotline.store import SqliteStore, Store
from hotline_protocol.merkle import Tree

A = "a.example/hotline"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = SqliteStore(f"sqlite:///{tmp_path / 'node.db'}")
    await store.open()
    try:
        yield store
    finally:
        await store.close()


class Counting:
    """The store, counting the tree nodes read through it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.nodes = 0

    async def tree_hashes(self, origin: str, nodes: Sequence[tuple[int, int]]) -> list[bytes]:
        self.nodes += len(nodes)
        return await self.store.tree_hashes(origin, nodes)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def batch(start: int, n: int) -> list[tuple[bytes, bytes]]:
    return [
        (b"entry-%d" % i, hashlib.sha256(b"leaf-%d" % i).digest()) for i in range(start, start + n)
    ]


async def grow(store: Store, tree: Tree, sizes: Sequence[int]) -> None:
    for n in sizes:
        rows = batch(tree.size, n)
        await store.append(A, tree.size, rows)
        tree.extend(h for _, h in rows)


async def same(edge: FeedTree, tree: Tree) -> None:
    size = tree.size
    assert (edge.size, edge.root()) == (size, tree.root())
    for s in {0, 1, size // 3, size // 2, size - 1, size}:
        if 0 <= s <= size:
            assert await edge.root_at(s) == tree.root(s), s
    for i in {0, size // 2, size - 2, size - 1}:
        if 0 <= i < size:
            assert await edge.leaf(i) == tree.leaf(i)
            assert await edge.inclusion_proof(i, size) == tree.inclusion_proof(i, size)
    for old in {1, size // 3, size - 1}:
        if 0 < old <= size:
            assert await edge.consistency_proof(old, size) == tree.consistency_proof(old, size)


async def test_loading_reads_a_number_of_hashes_that_does_not_grow_with_the_feed(
    store: Store,
) -> None:
    tree = Tree()
    reads = []
    for sizes in ([1023], [3 * 1024 + 1]):  # 1023 entries, then 4096: as many set bits and more
        await grow(store, tree, sizes)
        counting = Counting(store)
        edge = FeedTree(cast(Store, counting), A)
        await edge.load()
        reads.append(counting.nodes)
        assert (edge.size, edge.root(), edge.last_leaf) == (
            tree.size,
            tree.root(),
            tree.leaf(tree.size - 1),
        )
        await same(edge, tree)
    assert reads[0] <= 11 and reads[1] <= 2  # one hash per set bit of the size, and the last leaf


async def test_a_batch_is_answered_before_and_after_its_write_and_forgotten_if_it_fails(
    store: Store,
) -> None:
    tree = Tree()
    await grow(store, tree, [700])
    edge = FeedTree(store, A, recent=4)
    await edge.load()
    for n in (1, 5, 64, 300):
        rows = batch(tree.size, n)
        start = tree.size
        tree.extend(h for _, h in rows)
        edge.extend(h for _, h in rows)
        await same(edge, tree)  # before the write: the batch's nodes are in memory alone
        if n == 64:  # the write fails: the tree is back at the stored size
            edge.rollback()
            tree.truncate(start)
            assert (edge.size, edge.durable_size) == (start, start)
            await same(edge, tree)
            continue
        await store.append(A, start, rows)
        edge.commit()
        assert edge.durable_size == tree.size
        await same(edge, tree)


async def test_a_recent_entrys_proof_is_made_from_memory(store: Store) -> None:
    tree = Tree()
    await grow(store, tree, [5000])
    counting = Counting(store)
    edge = FeedTree(cast(Store, counting), A)
    await edge.load()
    for _ in range(40):  # batches of a FLASH and a few more
        rows = batch(tree.size, 3)
        start = tree.size
        await store.append(A, start, rows)
        tree.extend(h for _, h in rows)
        edge.extend(h for _, h in rows)
        edge.commit()
        loaded = counting.nodes
        for i in range(start, tree.size):
            assert edge.inclusion_proof_in_memory(i, tree.size) == tree.inclusion_proof(
                i, tree.size
            )
        assert counting.nodes == loaded
    # an old entry's proof is not in memory: it is read from the store
    assert edge.inclusion_proof_in_memory(10, tree.size) is None
    assert await edge.inclusion_proof(10, tree.size) == tree.inclusion_proof(10, tree.size)


async def test_sizes_beyond_the_tree_are_refused(store: Store) -> None:
    tree = Tree()
    await grow(store, tree, [10])
    edge = FeedTree(store, A)
    await edge.load()
    for call in (
        edge.root_at(11),
        edge.leaf(10),
        edge.inclusion_proof(3, 11),
        edge.consistency_proof(3, 11),
    ):
        with pytest.raises(ValueError):
            await call


async def test_a_loaded_tree_holds_as_much_memory_for_4n_entries_as_for_n(store: Store) -> None:
    tree = Tree()
    held = []
    for sizes in ([1000], [3000]):  # 1,000 entries, then 4,000
        await grow(store, tree, sizes)
        edge = FeedTree(store, A)
        tracemalloc.start()
        try:
            await edge.load()
            gc.collect()
            held.append(tracemalloc.get_traced_memory()[0])
        finally:
            tracemalloc.stop()
        assert edge.root() == tree.root()
    # a few hashes, not one per entry (4,000 hashes alone would be more than 200 KB)
    assert max(held) < 64 * 1024 and abs(held[1] - held[0]) < 16 * 1024, held
