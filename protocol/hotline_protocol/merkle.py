"""RFC 9162 (RFC 6962) Merkle trees: hashing, proofs and their verification.

Hashing and the trees that produce proofs are in :mod:`hotline_protocol.tree` and re-exported
here; this module adds the verifiers. They take plain values, return nothing on success and raise
:class:`~hotline_protocol.errors.ProofError` otherwise, with one of these codes:

    bad_index          the leaf index is negative or not below the tree size
    bad_size           a size is negative, the old size exceeds the new one, or the old size is 0
    bad_proof_length   the proof has the wrong number of hashes for the sizes given
    bad_hash_size      a leaf hash, root or proof hash is not 32 bytes
    root_mismatch      the proof leads to another root (expected: the given root, found: the
                       calculated one)

The checks follow transparency-dev/merkle (package ``proof``), including two of its choices: a
consistency proof from size 0 is refused as meaningless, and between equal sizes it must be empty
and the two roots equal as bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

from .errors import ProofError
from .tree import (
    EMPTY_ROOT,
    HASH_SIZE,
    CompactRange,
    Tree,
    leaf_hash,
    node_hash,
    root_of,
)

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "CompactRange",
    "Tree",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root_from_inclusion_proof",
    "root_of",
    "verify_consistency",
    "verify_inclusion",
]


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int, size: int) -> list[bytes]:
    """The inclusion proof for leaf ``index`` in the tree of the first ``size`` leaf hashes."""
    if not 0 <= size <= len(leaf_hashes):
        raise ValueError(f"size {size} out of range for {len(leaf_hashes)} leaves")
    return Tree(leaf_hashes[:size]).inclusion_proof(index, size)


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int, size: int) -> list[bytes]:
    """The consistency proof from ``old_size`` to ``size`` over a list of leaf hashes."""
    if not 0 <= size <= len(leaf_hashes):
        raise ValueError(f"size {size} out of range for {len(leaf_hashes)} leaves")
    return Tree(leaf_hashes[:size]).consistency_proof(old_size, size)


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` leaves with ``root``."""
    found = root_from_inclusion_proof(leaf_hash, index, size, proof)
    _check_hash("root", root)
    _check_root("root", root, found)


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]
) -> bytes:
    """The root that an inclusion proof leads to (RFC 9162 §2.1.3.2)."""
    if size < 0:
        raise ProofError("tree size is negative", code="bad_size", expected=">= 0", found=size)
    if not 0 <= index < size:
        raise ProofError(
            f"leaf index {index} is not in a tree of size {size}",
            code="bad_index",
            expected=f"0 <= index < {size}",
            found=index,
        )
    _check_hash("leaf hash", leaf_hash)
    inner = (index ^ (size - 1)).bit_length()  # levels below where the paths to index, size-1 split
    border = (index >> inner).bit_count()  # left siblings above that split
    _check_length(proof, inner + border)
    for h in proof:
        _check_hash("proof hash", h)
    return _chain_border(_chain_inner(leaf_hash, proof[:inner], index), proof[inner:])


def verify_consistency(
    old_size: int, size: int, proof: Sequence[bytes], old_root: bytes, root: bytes
) -> None:
    """Check that the tree of ``old_size`` with ``old_root`` is a prefix of the tree of ``size``
    with ``root`` (RFC 9162 §2.1.4.2)."""
    if old_size < 0 or size < old_size:
        raise ProofError(
            f"sizes {old_size} -> {size} do not grow",
            code="bad_size",
            expected=f"0 <= old size <= {size}",
            found=old_size,
        )
    if old_size == 0:
        raise ProofError(
            "a consistency proof from the empty tree is meaningless",
            code="bad_size",
            expected="old size > 0",
            found=0,
        )
    if old_size == size:
        _check_length(proof, 0)
        if old_root != root:
            raise ProofError(
                "two trees of the same size have different roots",
                code="root_mismatch",
                expected=root,
                found=old_root,
            )
        return
    _check_hash("old root", old_root)
    _check_hash("root", root)

    # The proof is the inclusion proof, in the tree of ``size``, of the last perfect subtree of
    # the old tree (at level ``shift``), preceded by that subtree's hash unless it is the whole
    # old tree (old_size a power of two), whose root the verifier already holds.
    shift = (old_size & -old_size).bit_length() - 1
    inner = ((old_size - 1) ^ (size - 1)).bit_length()
    border = ((old_size - 1) >> inner).bit_count()
    inner -= shift  # always >= 1 when old_size < size
    start = 0 if old_size == 1 << shift else 1
    _check_length(proof, start + inner + border)
    for h in proof:
        _check_hash("proof hash", h)
    seed = old_root if start == 0 else proof[0]
    rest = proof[start:]
    mask = (old_size - 1) >> shift

    old_found = _chain_border(_chain_inner_right(seed, rest[:inner], mask), rest[inner:])
    _check_root("old root", old_root, old_found)
    found = _chain_border(_chain_inner(seed, rest[:inner], mask), rest[inner:])
    _check_root("root", root, found)


def _chain_inner(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    """Climb from node ``index`` through siblings on either side."""
    for i, h in enumerate(proof):
        seed = node_hash(seed, h) if (index >> i) & 1 == 0 else node_hash(h, seed)
    return seed


def _chain_inner_right(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    """Like :func:`_chain_inner` but only through left siblings: the old version of the node."""
    for i, h in enumerate(proof):
        if (index >> i) & 1:
            seed = node_hash(h, seed)
    return seed


def _chain_border(seed: bytes, proof: Sequence[bytes]) -> bytes:
    """Climb the right border, where every sibling is on the left."""
    for h in proof:
        seed = node_hash(h, seed)
    return seed


def _check_hash(what: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(
            f"{what} is not {HASH_SIZE} bytes",
            code="bad_hash_size",
            expected=HASH_SIZE,
            found=len(value),
        )


def _check_length(proof: Sequence[bytes], want: int) -> None:
    if len(proof) != want:
        raise ProofError(
            f"proof has {len(proof)} hashes, want {want}",
            code="bad_proof_length",
            expected=want,
            found=len(proof),
        )


def _check_root(what: str, expected: bytes, found: bytes) -> None:
    if found != expected:
        raise ProofError(
            f"calculated {what} does not match the given {what}",
            code="root_mismatch",
            expected=expected,
            found=found,
        )
