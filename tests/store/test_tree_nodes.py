"""The Merkle trees in the store: every append stores the subtree hashes it completes, and roots
and proofs read from them equal the in-memory tree's, reading O(log n) nodes."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest

from hotline.errors import StoreError
from hotline.feeds.stored_tree import StoredTree
from hotline.store import CheckpointRecord, CosignatureRecord, RedisStore, Store
from hotline.store.treenodes import stored_index
from hotline_protocol.merkle import Tree, verify_consistency, verify_inclusion
from tests.helpers.older_store import older, opened
from tests.helpers.redis_server import RedisServer

A = "a.example/hotline"


def leaves(start: int, n: int) -> list[tuple[bytes, bytes]]:
    return [
        (b"entry-%d" % i, hashlib.sha256(b"leaf-%d" % i).digest()) for i in range(start, start + n)
    ]


async def grow(store: Store, sizes: Sequence[int]) -> Tree:
    """Append batches of these sizes (plain and cosigned appends in turn); the same tree in
    memory."""
    tree = Tree()
    for turn, n in enumerate(sizes):
        start = tree.size
        batch = leaves(start, n)
        tree.extend(h for _, h in batch)
        if turn % 2 == 0:
            await store.append(A, start, batch)
        else:
            cp = CheckpointRecord(A, tree.size, tree.root(), b"note", 1)
            state = await store.witness_state(A)
            cosig = CosignatureRecord(A, tree.size, "w", 1, 2)
            await store.append_cosigned(A, start, batch, cp, (state, (tree.size, cp.root)), cosig)
    return tree


class Counting:
    """The store, counting the tree nodes read through it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.nodes = 0

    async def tree_hashes(self, origin: str, nodes: Sequence[tuple[int, int]]) -> list[bytes]:
        self.nodes += len(nodes)
        return await self.store.tree_hashes(origin, nodes)


async def test_every_complete_subtree_is_stored_whatever_the_batches(store: Store) -> None:
    tree = await grow(store, [1, 2, 3, 1, 8, 5, 600, 1, 31])
    for level in range(tree.size.bit_length()):
        count = tree.size >> level
        got = await store.tree_hashes(A, [(level, i) for i in range(count)])
        assert got == [tree.subtree_hash(level, i) for i in range(count)], level


async def test_a_node_not_complete_is_a_store_error(store: Store) -> None:
    await grow(store, [5])
    for node in [(0, 5), (1, 2), (3, 0)]:
        with pytest.raises(StoreError):
            await store.tree_hashes(A, [node])


async def test_roots_and_proofs_from_the_store_equal_the_tree_in_memory(store: Store) -> None:
    tree = await grow(store, [1, 1, 3, 4, 9, 2, 17, 1, 33])
    stored = StoredTree(store, A)
    assert tree.size == 71
    for size in range(0, tree.size + 1):
        root = await stored.root(size)
        assert root == tree.root(size), size
        for index in range(size):
            proof = await stored.inclusion_proof(index, size)
            assert proof == tree.inclusion_proof(index, size)
            verify_inclusion(tree.leaf(index), index, size, proof, root)
        for old in range(1, size + 1):
            proof = await stored.consistency_proof(old, size)
            assert proof == tree.consistency_proof(old, size)
            verify_consistency(old, size, proof, tree.root(old), root)


async def test_a_proof_reads_a_number_of_nodes_logarithmic_in_the_size(store: Store) -> None:
    tree = await grow(store, [1000, 1000, 2000, 95])
    counting = Counting(store)
    stored = StoredTree(counting, A)  # type: ignore[arg-type]
    size = tree.size
    most = 0
    for index in (0, 1, 777, 2048, size - 2, size - 1):
        for read in (
            stored.root(size),
            stored.inclusion_proof(index, size),
            stored.consistency_proof(index + 1, size),
        ):
            counting.nodes = 0
            await read
            most = max(most, counting.nodes)
    assert 0 < most <= 2 * size.bit_length(), most  # a root: popcount; a proof: ~2 log n


async def test_sqlite_a_store_of_schema_4_gets_its_tree_nodes(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = await opened(path)
    tree = await grow(store, [7, 300, 2])
    await store.close()
    with older(path, 4) as conn:  # no nodes
        conn.execute("DROP TABLE tree_nodes")
        conn.execute("DROP TABLE notices")
    await _reopened_still_grows(path, tree)


async def test_sqlite_a_store_of_schema_7_gets_its_tree_nodes_keyed_in_the_order_made(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    store = await opened(path)
    tree = await grow(store, [7, 300, 2, 64])
    await store.close()
    with older(path, 7) as conn:  # the nodes by level and index
        conn.execute(
            "CREATE TABLE old_nodes (origin TEXT NOT NULL, level INTEGER NOT NULL, idx INTEGER"
            " NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (origin, level, idx)) WITHOUT ROWID"
        )
        for level in range(1, tree.size.bit_length()):
            conn.executemany(
                "INSERT INTO old_nodes VALUES (?, ?, ?, ?)",
                ((A, level, i, tree.subtree_hash(level, i)) for i in range(tree.size >> level)),
            )
        conn.execute("DROP TABLE tree_nodes")
        conn.execute("ALTER TABLE old_nodes RENAME TO tree_nodes")
    await _reopened_still_grows(path, tree)
    assert node_keys(path) == every_node(tree)


def node_keys(path: Path) -> list[int]:
    with sqlite3.connect(path) as conn:
        keys = [n for (n,) in conn.execute("SELECT n FROM tree_nodes WHERE origin = ?", (A,))]
    conn.close()
    return sorted(keys)


def every_node(tree: Tree) -> list[int]:
    """The keys of every complete interior node of ``tree``."""
    return sorted(
        stored_index(level, i)
        for level in range(1, tree.size.bit_length())
        for i in range(tree.size >> level)
    )


async def test_sqlite_appends_write_the_nodes_they_complete_after_all_others(
    tmp_path: Path,
) -> None:
    path = tmp_path / "node.db"
    store = await opened(path)
    tree = Tree()
    try:
        for n in [1, 2, 3, 1, 8, 5, 600, 1, 31]:
            before = node_keys(path)
            batch = leaves(tree.size, n)
            await store.append(A, tree.size, batch)
            tree.extend(h for _, h in batch)
            after = node_keys(path)
            assert after[: len(before)] == before
            assert all(k > max(before, default=-1) for k in after[len(before) :])
        assert await StoredTree(store, A).root(tree.size) == tree.root()
    finally:
        await store.close()
    assert node_keys(path) == every_node(tree)


async def _reopened_still_grows(path: Path, tree: Tree) -> None:
    """The SQLite store at ``path``, opened afresh (upgraded), gives ``tree``'s root and grows."""
    store = await opened(path)
    try:
        assert await StoredTree(store, A).root(tree.size) == tree.root()
        await grow_more(store, tree)
    finally:
        await store.close()


async def grow_more(store: Store, tree: Tree) -> None:
    """An append after the upgrade completes nodes over what was stored before it."""
    batch = leaves(tree.size, 13)
    await store.append(A, tree.size, batch)
    tree.extend(h for _, h in batch)
    assert await StoredTree(store, A).root(tree.size) == tree.root()
    top = tree.size.bit_length() - 1
    assert await store.tree_hashes(A, [(top, 0)]) == [tree.subtree_hash(top, 0)]


async def test_redis_data_of_version_1_gets_its_tree_nodes_at_open(
    redis_server: RedisServer,
) -> None:
    store = RedisStore(redis_server.url, key_prefix="old:")
    await store.open()
    tree = await grow(store, [7, 1300, 2])
    try:
        await store._r.delete("old:tree:" + A, "old:version")
    finally:
        await store.close()
    store = RedisStore(redis_server.url, key_prefix="old:")
    await store.open()
    try:
        assert await StoredTree(store, A).root(tree.size) == tree.root()
        await grow_more(store, tree)
    finally:
        await store.close()
