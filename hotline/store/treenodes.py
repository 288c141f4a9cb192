"""The Merkle tree's interior nodes as the stores keep them.

Each append stores, next to the entries, the hash of every complete subtree the new leaves
complete: node (level, index) covers leaves [index·2^level, (index+1)·2^level); level 0 is the
leaf hashes themselves (stored with the entries). With every complete node stored, a root of any
size, an inclusion or a consistency proof and a tlog-tiles hash tile read O(log n) nodes and no
leaf beyond them (see :mod:`hotline.feeds.stored_tree`).

Appending needs only the tree's right edge before the batch: the node of each set bit of the
size (:func:`edge_nodes`), read from the store, O(log n) of them.

A store keys each node by its place in the order nodes are made (:func:`stored_index`, the
numbering of tlog's hash storage): the nodes an append completes come after every node stored
before them, so they are written at the end of the store's index, on a page or two, not at the
end of each level's stretch of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hotline_protocol.merkle import node_hash

Node = tuple[int, int]  # (level, index)


def edge_nodes(size: int) -> list[Node]:
    """The complete subtrees a tree of ``size`` leaves ends with, one per set bit of the size,
    largest first: their hashes are what appending more leaves needs."""
    return [
        (level, (size >> level) - 1)
        for level in range(size.bit_length() - 1, -1, -1)
        if size >> level & 1
    ]


def stored_index(level: int, index: int) -> int:
    """The place of node (level, index) among a tree's hashes in the order they are made when
    its leaves are appended one at a time: each leaf's hash, then the node of every subtree it
    completes (tlog's ``StoredHashIndex``). The nodes an append completes come after every hash
    made before them."""
    n = index
    for _ in range(level):  # the right-most leaf below the node
        n = 2 * n + 1
    made = 0  # hashes made before leaf n: each leaf, and a node per completed pair above it
    while n > 0:
        made += n
        n >>= 1
    return made + level


def completed_nodes(
    size: int, edge: Sequence[bytes], leaf_hashes: Iterable[bytes]
) -> list[tuple[int, int, bytes]]:
    """The interior nodes (level ≥ 1, index, hash) that appending ``leaf_hashes`` to a tree of
    ``size`` leaves completes; ``edge``: the hashes of :func:`edge_nodes` of ``size``."""
    nodes = edge_nodes(size)
    if len(edge) != len(nodes):
        raise ValueError(f"a tree of size {size} has {len(nodes)} edge nodes, got {len(edge)}")
    pending = {level: h for (level, _), h in zip(nodes, edge, strict=True)}
    out: list[tuple[int, int, bytes]] = []
    for leaf in leaf_hashes:
        level, carry = 0, leaf
        while size >> level & 1:  # the left sibling is complete: merge upwards
            carry = node_hash(pending.pop(level), carry)
            level += 1
            out.append((level, size >> level, carry))
        pending[level] = carry
        size += 1
    return out
