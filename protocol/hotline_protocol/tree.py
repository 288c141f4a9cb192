"""RFC 9162 Merkle tree hashing and the in-memory trees that produce proofs.

Import these names from :mod:`hotline_protocol.merkle`, which re-exports them next to the
verifiers. The hashing primitives live here so that this module depends on nothing else.

* :class:`CompactRange` keeps only the roots of the perfect subtrees covering the leaves (one per
  set bit of the size): enough to append and to compute the root, small enough to persist.
* :class:`Tree` keeps every complete subtree hash, level by level, so roots of any earlier size,
  inclusion and consistency proofs and tlog-tiles hashes all cost O(log n) hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 ‖ data): the hash of one log entry."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right): the hash of an interior node."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash (RFC 9162 §2.1.1) over already-hashed leaves."""
    compact = CompactRange()
    for h in leaf_hashes:
        compact.append(h)
    return compact.root()


def _check_hash(value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ValueError(f"a hash is {HASH_SIZE} bytes, got {len(value)}")


def fold(hashes: Sequence[bytes]) -> bytes:
    """Hash perfect-subtree roots (left to right, decreasing in size) into one root."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


class CompactRange:
    """The perfect-subtree roots of a log prefix: O(log n) state, amortised O(1) appends."""

    __slots__ = ("_hashes", "_size")

    def __init__(self) -> None:
        self._size = 0
        self._hashes: list[bytes] = []

    @classmethod
    def from_state(cls, size: int, hashes: Sequence[bytes]) -> CompactRange:
        """Rebuild from a persisted :attr:`size` and :attr:`hashes`."""
        if size < 0:
            raise ValueError(f"size must not be negative, got {size}")
        if len(hashes) != size.bit_count():
            raise ValueError(f"size {size} needs {size.bit_count()} hashes, got {len(hashes)}")
        for h in hashes:
            _check_hash(h)
        compact = cls()
        compact._size = size
        compact._hashes = list(hashes)
        return compact

    @property
    def size(self) -> int:
        return self._size

    @property
    def hashes(self) -> list[bytes]:
        """The perfect-subtree roots, largest (leftmost) first; a copy."""
        return list(self._hashes)

    def append(self, leaf_hash: bytes) -> None:
        _check_hash(leaf_hash)
        self._hashes.append(leaf_hash)
        size = self._size
        while size & 1:  # each trailing one bit of the old size is a subtree to merge
            right = self._hashes.pop()
            self._hashes[-1] = node_hash(self._hashes[-1], right)
            size >>= 1
        self._size += 1

    def append_subtree(self, subtree_hash: bytes, leaves: int) -> None:
        """Append the hash of a perfect subtree of ``leaves`` leaves (a power of two) at a size
        that is a multiple of it: as if its leaves were appended one by one."""
        _check_hash(subtree_hash)
        if leaves <= 0 or leaves & (leaves - 1) or self._size % leaves:
            raise ValueError(f"no aligned subtree of {leaves} leaves at size {self._size}")
        self._hashes.append(subtree_hash)
        size = self._size // leaves
        while size & 1:
            right = self._hashes.pop()
            self._hashes[-1] = node_hash(self._hashes[-1], right)
            size >>= 1
        self._size += leaves

    def root(self) -> bytes:
        return fold(self._hashes)

    def copy(self) -> CompactRange:
        return CompactRange.from_state(self._size, self._hashes)

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size})"


def _split(n: int) -> int:
    """The largest power of two strictly smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


class Tree:
    """An append-only tree over leaf hashes caching every complete subtree hash.

    ``self._levels[k][i]`` is the hash of leaves [i·2^k, (i+1)·2^k); level k holds
    ``size >> k`` hashes. Appends are amortised O(1); everything else is O(log n).
    """

    __slots__ = ("_levels",)

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = [[]]
        self.extend(leaf_hashes)

    @property
    def size(self) -> int:
        return len(self._levels[0])

    def append(self, leaf_hash: bytes) -> None:
        _check_hash(leaf_hash)
        levels = self._levels
        levels[0].append(leaf_hash)
        level = 0
        while len(levels[level]) % 2 == 0:
            row = levels[level]
            if level + 1 == len(levels):
                levels.append([])
            levels[level + 1].append(node_hash(row[-2], row[-1]))
            level += 1

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        for h in leaf_hashes:
            self.append(h)

    def leaf(self, index: int) -> bytes:
        if not 0 <= index < self.size:
            raise ValueError(f"leaf index {index} out of range for size {self.size}")
        return self._levels[0][index]

    def subtree_hash(self, level: int, index: int) -> bytes:
        """Hash of the complete subtree over leaves [index·2^level, (index+1)·2^level)."""
        if level < 0 or index < 0 or level >= len(self._levels):
            raise ValueError(f"no complete subtree at level {level}, index {index}")
        row = self._levels[level]
        if index >= len(row):
            raise ValueError(f"no complete subtree at level {level}, index {index}")
        return row[index]

    def root(self, size: int | None = None) -> bytes:
        """The root of the first ``size`` leaves (default: all of them)."""
        if size is None:
            size = self.size
        self._check_size(size)
        return self._range_hash(0, size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, lowest level first."""
        self._check_size(size)
        if not 0 <= index < size:
            raise ValueError(f"leaf index {index} out of range for size {size}")
        top_down: list[bytes] = []
        begin, end = 0, size
        while end - begin > 1:
            mid = begin + _split(end - begin)
            if index < mid:
                top_down.append(self._range_hash(mid, end))
                end = mid
            else:
                top_down.append(self._range_hash(begin, mid))
                begin = mid
        return top_down[::-1]

    def consistency_proof(self, old_size: int, size: int) -> list[bytes]:
        """PROOF(old_size, D[0:size]) of RFC 9162 §2.1.4.1; empty if old_size is 0 or size."""
        self._check_size(size)
        if not 0 <= old_size <= size:
            raise ValueError(f"old size {old_size} out of range for size {size}")
        if old_size in (0, size):
            return []
        top_down: list[bytes] = []
        begin, end, whole = 0, size, True  # whole: the old tree's root is known to the verifier
        while old_size != end:
            mid = begin + _split(end - begin)
            if old_size <= mid:
                top_down.append(self._range_hash(mid, end))
                end = mid
            else:
                top_down.append(self._range_hash(begin, mid))
                begin, whole = mid, False
        if not whole:
            top_down.append(self._range_hash(begin, end))
        return top_down[::-1]

    def truncate(self, size: int) -> None:
        """Drop every leaf at index ``size`` and beyond (and the subtrees they complete)."""
        self._check_size(size)
        for level, row in enumerate(self._levels):
            del row[size >> level :]
        while len(self._levels) > 1 and not self._levels[-1]:
            self._levels.pop()

    def _check_size(self, size: int) -> None:
        if not 0 <= size <= self.size:
            raise ValueError(f"size {size} out of range for a tree of {self.size} leaves")

    def _range_hash(self, begin: int, end: int) -> bytes:
        """MTH of leaves [begin, end), where begin is a multiple of the next power of two ≥
        end - begin (true of every range in the RFC's recursion): fold its perfect subtrees."""
        parts: list[bytes] = []
        for level in range((end - begin).bit_length() - 1, -1, -1):
            if (end - begin) >> level & 1:
                parts.append(self._levels[level][begin >> level])
                begin += 1 << level
        return fold(parts)

    def __repr__(self) -> str:
        return f"Tree(size={self.size})"
