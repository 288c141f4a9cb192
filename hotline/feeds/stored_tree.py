"""A feed's Merkle tree read from the store: roots, proofs and tile hashes from the complete
subtree hashes every append stores (see :mod:`hotline.store.treenodes`).

Each answer is computed as :class:`hotline_protocol.merkle.Tree` computes it (RFC 9162's
recursion, each range folded from its perfect subtrees), but the subtree hashes are read from the
store in one call: a root or a proof reads O(log n) nodes, whatever the size of the feed. The
sizes asked must be stored (a published checkpoint's size is).
"""

from __future__ import annotations

from collections.abc import Sequence

from hotline_protocol.tree import fold

from ..store.base import Store

Range = tuple[int, int]  # leaves [begin, end)


def _split(n: int) -> int:
    """The largest power of two strictly smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_subtrees(begin: int, end: int) -> list[tuple[int, int]]:
    """The complete subtrees (level, index) that make up leaves [begin, end), left to right, for
    a range of RFC 9162's recursion (begin a multiple of the next power of two ≥ its width)."""
    out = []
    for level in range((end - begin).bit_length() - 1, -1, -1):
        if (end - begin) >> level & 1:
            out.append((level, begin >> level))
            begin += 1 << level
    return out


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The ranges whose hashes are PATH(index, D[0:size]), lowest level first."""
    top_down: list[Range] = []
    begin, end = 0, size
    while end - begin > 1:
        mid = begin + _split(end - begin)
        if index < mid:
            top_down.append((mid, end))
            end = mid
        else:
            top_down.append((begin, mid))
            begin = mid
    return top_down[::-1]


def consistency_ranges(old: int, size: int) -> list[Range]:
    """The ranges whose hashes are PROOF(old, D[0:size]); none if old is 0 or size."""
    if old in (0, size):
        return []
    top_down: list[Range] = []
    begin, end, whole = 0, size, True
    while old != end:
        mid = begin + _split(end - begin)
        if old <= mid:
            top_down.append((mid, end))
            end = mid
        else:
            top_down.append((begin, mid))
            begin, whole = mid, False
    if not whole:
        top_down.append((begin, end))
    return top_down[::-1]


class StoredTree:
    """One feed's tree as its store holds it."""

    def __init__(self, store: Store, origin: str) -> None:
        self._store = store
        self.origin = origin

    async def range_hashes(self, ranges: Sequence[Range]) -> list[bytes]:
        """The hash of each range, its subtree hashes read in one call."""
        parts = [perfect_subtrees(b, e) for b, e in ranges]
        wanted = list(dict.fromkeys(node for nodes in parts for node in nodes))
        found = dict(zip(wanted, await self._store.tree_hashes(self.origin, wanted), strict=True))
        return [fold([found[node] for node in nodes]) for nodes in parts]

    async def root(self, size: int) -> bytes:
        _check(size >= 0, f"size must not be negative, got {size}")
        return (await self.range_hashes([(0, size)]))[0]

    async def leaf(self, index: int) -> bytes:
        _check(index >= 0, f"leaf index must not be negative, got {index}")
        return (await self._store.tree_hashes(self.origin, [(0, index)]))[0]

    async def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, lowest level first."""
        _check(0 <= index < size, f"leaf index {index} out of range for size {size}")
        return await self.range_hashes(inclusion_ranges(index, size))

    async def consistency_proof(self, old: int, size: int) -> list[bytes]:
        """PROOF(old, D[0:size]) of RFC 9162 §2.1.4.1; empty if old is 0 or size."""
        _check(0 <= old <= size, f"old size {old} out of range for size {size}")
        return await self.range_hashes(consistency_ranges(old, size))

    async def subtree_hashes(self, level: int, first: int, count: int) -> list[bytes]:
        """The hashes of ``count`` complete subtrees at ``level`` from index ``first`` (a row of
        a tlog-tiles hash tile)."""
        nodes = [(level, first + i) for i in range(count)]
        return await self._store.tree_hashes(self.origin, nodes)


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(message)
