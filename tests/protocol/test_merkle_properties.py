"""Properties of random trees: every proof produced verifies, every tampered one is refused, and
all the ways of computing a root agree with the RFC 9162 definition."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline_protocol.errors import ProofError
from hotline_protocol.merkle import (
    EMPTY_ROOT,
    CompactRange,
    Tree,
    leaf_hash,
    node_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)

MAX_SIZE = 300
SOME = settings(max_examples=50, deadline=None)


@st.composite
def leaf_lists(draw: st.DrawFn, min_size: int = 1) -> list[bytes]:
    size = draw(st.integers(min_size, MAX_SIZE))
    salt = draw(st.binary(max_size=4))
    return [leaf_hash(salt + i.to_bytes(2, "big")) for i in range(size)]


def reference_roots(leaves: list[bytes]) -> list[bytes]:
    """MTH(D[0:k]) for every k, by the recursive definition of RFC 9162 §2.1.1 (memoised)."""
    memo: dict[tuple[int, int], bytes] = {}

    def mth(begin: int, end: int) -> bytes:
        if end - begin == 1:
            return leaves[begin]
        if (begin, end) not in memo:
            k = 1
            while k * 2 < end - begin:
                k *= 2
            memo[begin, end] = node_hash(mth(begin, begin + k), mth(begin + k, end))
        return memo[begin, end]

    return [EMPTY_ROOT] + [mth(0, k) for k in range(1, len(leaves) + 1)]


def flip(value: bytes, bit: int) -> bytes:
    bit %= len(value) * 8
    return value[: bit // 8] + bytes([value[bit // 8] ^ (1 << bit % 8)]) + value[bit // 8 + 1 :]


def refused(call: Callable[[], None]) -> None:
    with pytest.raises(ProofError):
        call()


def tree_state(tree: Tree) -> list[list[bytes]]:
    """Every complete subtree hash, through the public interface."""
    levels, level = [], 0
    while 1 << level <= tree.size:
        levels.append([tree.subtree_hash(level, i) for i in range(tree.size >> level)])
        level += 1
    return levels


@SOME
@given(leaf_lists())
def test_every_way_of_computing_a_root_agrees_with_the_definition(leaves: list[bytes]) -> None:
    expected = reference_roots(leaves)
    tree, compact = Tree(leaves), CompactRange()
    assert root_of(leaves) == expected[-1]
    assert compact.root() == expected[0]
    for k, h in enumerate(leaves, start=1):
        compact.append(h)
        assert compact.root() == expected[k]
    for k in range(len(leaves) + 1):
        assert tree.root(k) == expected[k]


@SOME
@given(leaf_lists())
def test_every_inclusion_proof_produced_verifies(leaves: list[bytes]) -> None:
    tree, roots = Tree(leaves), reference_roots(leaves)
    size = len(leaves)
    for index in range(size):
        verify_inclusion(leaves[index], index, size, tree.inclusion_proof(index, size), roots[size])
    smaller = size // 3 + 1
    for index in range(smaller):
        proof = tree.inclusion_proof(index, smaller)
        verify_inclusion(leaves[index], index, smaller, proof, roots[smaller])


@SOME
@given(leaf_lists())
def test_every_consistency_proof_produced_verifies(leaves: list[bytes]) -> None:
    tree, roots = Tree(leaves), reference_roots(leaves)
    size = len(leaves)
    for old_size in range(1, size + 1):
        proof = tree.consistency_proof(old_size, size)
        verify_consistency(old_size, size, proof, roots[old_size], roots[size])
    smaller = size // 3 + 1
    for old_size in range(1, smaller + 1):
        proof = tree.consistency_proof(old_size, smaller)
        verify_consistency(old_size, smaller, proof, roots[old_size], roots[smaller])


@SOME
@given(leaf_lists(), st.data())
def test_tampered_inclusion_proof_is_refused(leaves: list[bytes], data: st.DataObject) -> None:
    tree, roots = Tree(leaves), reference_roots(leaves)
    size = data.draw(st.integers(1, len(leaves)), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    leaf, proof, root = leaves[index], tree.inclusion_proof(index, size), roots[size]
    bit = data.draw(st.integers(0, 255), label="bit")

    refused(lambda: verify_inclusion(leaf, index, size, proof, flip(root, bit)))
    refused(lambda: verify_inclusion(flip(leaf, bit), index, size, proof, root))
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1), label="element")
        bad = [*proof[:at], flip(proof[at], bit), *proof[at + 1 :]]
        refused(lambda: verify_inclusion(leaf, index, size, bad, root))
    other_index = data.draw(st.integers(-2, size + 2).filter(lambda i: i != index), label="index")
    refused(lambda: verify_inclusion(leaf, other_index, size, proof, root))
    # A proof binds the leaf to a root, not to a size: the size is bound to the root by the
    # signed checkpoint. So the claim refused is "in the tree of other_size, whose root is ...".
    other_size = data.draw(st.integers(0, len(leaves)).filter(lambda s: s != size), label="size")
    refused(lambda: verify_inclusion(leaf, index, other_size, proof, roots[other_size]))


@SOME
@given(leaf_lists(min_size=2), st.data())
def test_tampered_consistency_proof_is_refused(leaves: list[bytes], data: st.DataObject) -> None:
    tree, roots = Tree(leaves), reference_roots(leaves)
    size = data.draw(st.integers(2, len(leaves)), label="size")
    old_size = data.draw(st.integers(1, size - 1), label="old_size")
    proof = tree.consistency_proof(old_size, size)
    old_root, root = roots[old_size], roots[size]
    bit = data.draw(st.integers(0, 255), label="bit")

    refused(lambda: verify_consistency(old_size, size, proof, flip(old_root, bit), root))
    refused(lambda: verify_consistency(old_size, size, proof, old_root, flip(root, bit)))
    at = data.draw(st.integers(0, len(proof) - 1), label="element")
    bad = [*proof[:at], flip(proof[at], bit), *proof[at + 1 :]]
    refused(lambda: verify_consistency(old_size, size, bad, old_root, root))
    refused(lambda: verify_consistency(old_size, size, proof[:-1], old_root, root))
    refused(lambda: verify_consistency(old_size, size, [*proof, root], old_root, root))

    other_old = data.draw(st.integers(0, size + 1).filter(lambda s: s != old_size), label="old")
    refused(lambda: verify_consistency(other_old, size, proof, old_root, root))
    if other_old <= size:
        refused(lambda: verify_consistency(other_old, size, proof, roots[other_old], root))
    other_size = data.draw(st.integers(0, len(leaves)).filter(lambda s: s != size), label="size")
    refused(lambda: verify_consistency(old_size, other_size, proof, old_root, roots[other_size]))


@SOME
@given(leaf_lists(), st.data())
def test_truncate_then_append_gives_the_state_of_a_fresh_tree(
    leaves: list[bytes], data: st.DataObject
) -> None:
    keep = data.draw(st.integers(0, len(leaves)), label="keep")
    tree = Tree(leaves)
    tree.truncate(keep)
    assert tree_state(tree) == tree_state(Tree(leaves[:keep]))
    assert tree.root() == root_of(leaves[:keep])

    tree.extend(leaves[keep:])
    assert tree_state(tree) == tree_state(Tree(leaves))
    assert [tree.leaf(i) for i in range(tree.size)] == leaves

    # Rolled back and then grown with different leaves: no stale subtree survives.
    other = [leaf_hash(b"other" + h) for h in leaves[keep:]]
    tree.truncate(keep)
    tree.extend(other)
    assert tree_state(tree) == tree_state(Tree(leaves[:keep] + other))
    assert tree.root() == root_of(leaves[:keep] + other)


@SOME
@given(leaf_lists(), st.data())
def test_compact_range_survives_persistence(leaves: list[bytes], data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(leaves)), label="cut")
    compact = CompactRange()
    for h in leaves[:cut]:
        compact.append(h)
    assert len(compact.hashes) == cut.bit_count()
    restored = CompactRange.from_state(compact.size, compact.hashes)
    for h in leaves[cut:]:
        restored.append(h)
    assert restored.size == len(leaves)
    assert restored.root() == root_of(leaves)
