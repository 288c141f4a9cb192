"""A feed's Merkle tree as the node holds it: the right edge in memory, the rest in the store.

Loading reads O(log n) subtree hashes (the edge of the stored size, see
:func:`hotline.store.treenodes.edge_nodes`), whatever the feed's size. The current root, the
size and the last leaf are answered from memory; appending needs only the edge. Roots of other
sizes, leaves and proofs are folded from complete subtree hashes as
:class:`~hotline.feeds.stored_tree.StoredTree` folds them, looked up first in memory and read
from the store for the rest in one call:

* the nodes completed since the last durable write (``pending``: the batch being written, kept
  until the store holds it, dropped by :meth:`FeedTree.rollback` if the write fails);
* the last :data:`RECENT_PER_LEVEL` complete nodes of each level (the edge among them): an
  inclusion proof of a recent entry against the latest size (a FLASH pushed to the peer) finds
  all its hashes here and reads nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hotline_protocol.merkle import node_hash
from hotline_protocol.tree import fold

from ..store.base import Store
from ..store.treenodes import Node, edge_nodes
from .stored_tree import Range, consistency_ranges, inclusion_ranges, perfect_subtrees

RECENT_PER_LEVEL = 128  # complete nodes kept per level (a few thousand hashes at most)


class FeedTree:
    """One feed's tree: the edge of its size in memory, its other nodes in the store."""

    def __init__(self, store: Store, origin: str, recent: int = RECENT_PER_LEVEL) -> None:
        self._store = store
        self.origin = origin
        self._recent_max = recent
        self._size = 0
        self._edge: dict[int, bytes] = {}  # level -> hash of the edge node at that level
        self._last = b""  # the last leaf hash
        # (size, edge, last leaf) as the store holds them
        self._durable: tuple[int, dict[int, bytes], bytes] = (0, {}, b"")
        self._pending: dict[Node, bytes] = {}
        self._recent: dict[int, dict[int, bytes]] = {}  # level -> index -> hash, oldest first

    async def load(self) -> None:
        """Read the edge of the stored feed: O(log n) subtree hashes."""
        size = await self._store.size(self.origin)
        nodes = edge_nodes(size)
        last = (0, size - 1)
        wanted = nodes if not size or last in nodes else [*nodes, last]
        hashes = await self._store.tree_hashes(self.origin, wanted) if wanted else []
        found = dict(zip(wanted, hashes, strict=True))
        self._size = size
        self._edge = {level: found[(level, index)] for level, index in nodes}
        self._last = found[last] if size else b""
        self._pending.clear()
        self._recent.clear()
        self._remember(found.items())
        self._durable = (size, dict(self._edge), self._last)

    # in memory ---------------------------------------------------------------------------
    @property
    def size(self) -> int:
        return self._size

    @property
    def durable_size(self) -> int:
        """The size the store holds (the tree may hold a batch being written beyond it)."""
        return self._durable[0]

    @property
    def last_leaf(self) -> bytes:
        """The last leaf's hash (an appended entry's ``prev``); empty for an empty tree."""
        return self._last

    def root(self) -> bytes:
        """The root of the whole tree."""
        return fold([self._edge[level] for level in sorted(self._edge, reverse=True)])

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append leaves (a batch before its write: :meth:`commit` once the store holds it,
        :meth:`rollback` if the write failed)."""
        size, edge, pending = self._size, self._edge, self._pending
        for leaf in leaf_hashes:
            pending[(0, size)] = leaf
            level, carry = 0, leaf
            while size >> level & 1:  # the left sibling is complete: merge upwards
                carry = node_hash(edge.pop(level), carry)
                level += 1
                pending[(level, size >> level)] = carry
            edge[level] = carry
            size += 1
            self._last = leaf
        self._size = size

    def commit(self) -> None:
        """The store holds every leaf appended: the batch's nodes join the recent ones."""
        self._remember(sorted(self._pending.items()))
        self._pending.clear()
        self._durable = (self._size, dict(self._edge), self._last)

    def rollback(self) -> None:
        """Forget the leaves appended since the store last held the tree (a failed write)."""
        size, edge, last = self._durable
        self._size, self._edge, self._last = size, dict(edge), last
        self._pending.clear()

    def _remember(self, nodes: Iterable[tuple[Node, bytes]]) -> None:
        for (level, index), value in nodes:
            row = self._recent.setdefault(level, {})
            row[index] = value
            if len(row) > self._recent_max:
                del row[next(iter(row))]

    # from memory, or the store -------------------------------------------------------------
    async def range_hashes(self, ranges: Sequence[Range]) -> list[bytes]:
        """The hash of each range of leaves, from the nodes in memory and the store."""
        parts = [perfect_subtrees(b, e) for b, e in ranges]
        found: dict[Node, bytes] = {}
        missing: list[Node] = []
        for nodes in parts:
            for node in nodes:
                if node in found:
                    continue
                value = self._in_memory(node)
                if value is None:
                    missing.append(node)
                    found[node] = b""
                else:
                    found[node] = value
        if missing:
            missing = list(dict.fromkeys(missing))
            read = await self._store.tree_hashes(self.origin, missing)
            found.update(zip(missing, read, strict=True))
        return [fold([found[node] for node in nodes]) for nodes in parts]

    def _in_memory(self, node: Node) -> bytes | None:
        value = self._pending.get(node)
        if value is None:
            row = self._recent.get(node[0])
            value = None if row is None else row.get(node[1])
        return value

    async def root_at(self, size: int) -> bytes:
        """The root of the first ``size`` leaves."""
        _check(0 <= size <= self._size, f"size {size} out of range for a tree of {self._size}")
        if size == self._size:
            return self.root()
        return (await self.range_hashes([(0, size)]))[0]

    async def leaf(self, index: int) -> bytes:
        _check(0 <= index < self._size, f"leaf {index} out of range for a tree of {self._size}")
        return (await self.range_hashes([(index, index + 1)]))[0]

    async def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, lowest level first."""
        _check(0 <= index < size <= self._size, f"no leaf {index} in a tree of size {size}")
        return await self.range_hashes(inclusion_ranges(index, size))

    def inclusion_proof_in_memory(self, index: int, size: int) -> list[bytes] | None:
        """The inclusion proof if every hash it needs is in memory (a recent entry against a
        recent size), else None: nothing is read."""
        _check(0 <= index < size <= self._size, f"no leaf {index} in a tree of size {size}")
        out = []
        for begin, end in inclusion_ranges(index, size):
            hashes = []
            for node in perfect_subtrees(begin, end):
                value = self._in_memory(node)
                if value is None:
                    return None
                hashes.append(value)
            out.append(fold(hashes))
        return out

    async def consistency_proof(self, old: int, size: int) -> list[bytes]:
        """PROOF(old, D[0:size]) of RFC 9162 §2.1.4.1; empty if old is 0 or size."""
        _check(0 <= old <= size <= self._size, f"no sizes {old} <= {size} <= {self._size}")
        return await self.range_hashes(consistency_ranges(old, size))


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(message)
