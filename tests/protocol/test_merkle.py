"""Merkle trees against published vectors, the C2SP example tree and the documented errors."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hotline_protocol.errors import ProofError
from hotline_protocol.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    CompactRange,
    Tree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_inclusion_proof,
    root_of,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).parent / "vectors"
TESTDATA = VECTORS / "transparency-dev-merkle" / "testdata"
REFERENCE = json.loads((VECTORS / "rfc6962-reference-tree.json").read_text())
REF_LEAVES = [leaf_hash(bytes.fromhex(h)) for h in REFERENCE["leaves_hex"]]
REF_ROOTS = {i + 1: bytes.fromhex(h) for i, h in enumerate(REFERENCE["root_hex_for_size_1_to_8"])}


def _probes(kind: str, name: str = "*.json") -> list[Path]:
    return sorted((TESTDATA / kind).rglob(name))


def _probe_id(path: Path) -> str:
    return path.relative_to(TESTDATA).as_posix()


def _load(path: Path) -> dict[str, Any]:
    probe: dict[str, Any] = json.loads(path.read_text())
    return probe


def _b64(value: str | None) -> bytes:
    # The probes are Go []byte values marshalled as base64; nil and empty become null and "".
    return base64.b64decode(value) if value else b""


def _proof(probe: dict[str, Any]) -> list[bytes]:
    return [_b64(h) for h in probe["proof"] or []]


def _raises(code: str, call: Callable[[], object]) -> ProofError:
    with pytest.raises(ProofError) as info:
        call()
    assert info.value.code == code, str(info.value)
    return info.value


# --- transparency-dev/merkle probes ------------------------------------------------------------


def test_vector_directories_hold_every_probe() -> None:
    assert len(_probes("inclusion")) == 98
    assert len(_probes("consistency")) == 98


@pytest.mark.parametrize("path", _probes("inclusion"), ids=_probe_id)
def test_inclusion_probe_is_accepted_or_refused_as_published(path: Path) -> None:
    probe = _load(path)
    leaf, root = _b64(probe["leafHash"]), _b64(probe["root"])
    index, size, proof = probe["leafIdx"], probe["treeSize"], _proof(probe)
    if probe["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(leaf, index, size, proof, root)
    else:
        verify_inclusion(leaf, index, size, proof, root)
        assert root_from_inclusion_proof(leaf, index, size, proof) == root


@pytest.mark.parametrize("path", _probes("consistency"), ids=_probe_id)
def test_consistency_probe_is_accepted_or_refused_as_published(path: Path) -> None:
    probe = _load(path)
    args = (
        probe["size1"],
        probe["size2"],
        _proof(probe),
        _b64(probe["root1"]),
        _b64(probe["root2"]),
    )
    if probe["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


@pytest.mark.parametrize("path", _probes("inclusion", "happy-path.json"), ids=_probe_id)
def test_reference_tree_produces_the_published_inclusion_proof(path: Path) -> None:
    probe = _load(path)
    index, size = probe["leafIdx"], probe["treeSize"]
    assert _b64(probe["root"]) == REF_ROOTS[size]
    assert _b64(probe["leafHash"]) == REF_LEAVES[index]
    assert Tree(REF_LEAVES).inclusion_proof(index, size) == _proof(probe)
    assert inclusion_proof(REF_LEAVES, index, size) == _proof(probe)


@pytest.mark.parametrize("path", _probes("consistency", "happy-path.json"), ids=_probe_id)
def test_reference_tree_produces_the_published_consistency_proof(path: Path) -> None:
    probe = _load(path)
    old_size, size = probe["size1"], probe["size2"]
    assert (_b64(probe["root1"]), _b64(probe["root2"])) == (REF_ROOTS[old_size], REF_ROOTS[size])
    assert Tree(REF_LEAVES).consistency_proof(old_size, size) == _proof(probe)
    assert consistency_proof(REF_LEAVES, old_size, size) == _proof(probe)


# --- the reference tree ------------------------------------------------------------------------


def test_hasher_matches_reference_vectors() -> None:
    hasher = REFERENCE["hasher"]
    assert EMPTY_ROOT.hex() == hasher["empty_tree_root"]
    assert leaf_hash(b"").hex() == hasher["leaf_hash(empty)"]
    assert leaf_hash(b"L123456").hex() == hasher["leaf_hash('L123456')"]
    assert (
        node_hash(b"N123", b"N456").hex()
        == hasher["node_hash('N123','N456') (raw bytes, not hashes)"]
    )
    assert HASH_SIZE == len(EMPTY_ROOT) == 32


@pytest.mark.parametrize("size", range(1, 9))
def test_every_construction_gives_the_reference_root(size: int) -> None:
    compact = CompactRange()
    for h in REF_LEAVES[:size]:
        compact.append(h)
    assert root_of(REF_LEAVES[:size]) == REF_ROOTS[size]
    assert Tree(REF_LEAVES[:size]).root() == REF_ROOTS[size]
    assert Tree(REF_LEAVES).root(size) == REF_ROOTS[size]
    assert compact.root() == REF_ROOTS[size]


def test_every_proof_in_the_reference_tree_verifies() -> None:
    tree = Tree(REF_LEAVES)
    for size in range(1, 9):
        for index in range(size):
            proof = tree.inclusion_proof(index, size)
            verify_inclusion(REF_LEAVES[index], index, size, proof, REF_ROOTS[size])
        for old_size in range(1, size + 1):
            proof = tree.consistency_proof(old_size, size)
            verify_consistency(old_size, size, proof, REF_ROOTS[old_size], REF_ROOTS[size])


def test_proofs_match_the_c2sp_example_tree() -> None:
    # The 7-entry example of C2SP merkle-tree.md, with its node labels.
    a, b, c, d, e, f, g = (leaf_hash(bytes([i])) for i in range(7))
    h, i, j = node_hash(a, b), node_hash(c, d), node_hash(e, f)
    k, l_ = node_hash(h, i), node_hash(j, g)
    tree = Tree([a, b, c, d, e, f, g])
    assert tree.root() == node_hash(k, l_)
    assert tree.inclusion_proof(0, 7) == [b, i, l_]
    assert tree.inclusion_proof(3, 7) == [c, h, l_]
    assert tree.inclusion_proof(4, 7) == [f, g, k]
    assert tree.inclusion_proof(6, 7) == [j, k]
    assert tree.consistency_proof(3, 7) == [c, d, h, l_]
    assert tree.consistency_proof(4, 7) == [l_]
    assert tree.consistency_proof(6, 7) == [j, g, k]


def test_worked_example_in_the_protocol_text() -> None:
    a, b, c = (leaf_hash(x) for x in (b"a", b"b", b"c"))
    assert a == hashlib.sha256(b"\x00a").digest()
    assert a.hex() == "022a6979e6dab7aa5ae4c3e5e45f7e977112a7e63593820dbec1ec738a24f93c"
    assert b.hex() == "57eb35615d47f34ec714cacdf5fd74608a5e8e102724e80b24b287c0c27b6a31"
    assert c.hex() == "597fcb31282d34654c200d3418fca5705c648ebf326ec73d8ddef11841f876d8"
    root = root_of([a, b, c])
    assert root == hashlib.sha256(b"\x01" + hashlib.sha256(b"\x01" + a + b).digest() + c).digest()
    assert root.hex() == "36642e73c2540ab121e3a6bf9545b0a24982cd830eb13d3cd19de3ce6c021ec1"
    assert base64.b64encode(root).decode() == "NmQuc8JUCrEh46a/lUWwokmCzYMOsT080Z3jzmwCHsE="
    assert inclusion_proof([a, b, c], 1, 3) == [a, c]
    assert consistency_proof([a, b, c], 2, 3) == [c]
    verify_inclusion(b, 1, 3, [a, c], root)
    verify_consistency(2, 3, [c], node_hash(a, b), root)


# --- errors ------------------------------------------------------------------------------------

LEAF = REF_LEAVES[5]
PROOF_5_8 = Tree(REF_LEAVES).inclusion_proof(5, 8)
PROOF_3_8 = Tree(REF_LEAVES).consistency_proof(3, 8)


@pytest.mark.parametrize(
    ("code", "call"),
    [
        ("bad_index", lambda: verify_inclusion(LEAF, 8, 8, PROOF_5_8, REF_ROOTS[8])),
        ("bad_index", lambda: verify_inclusion(LEAF, -1, 8, PROOF_5_8, REF_ROOTS[8])),
        ("bad_size", lambda: verify_inclusion(LEAF, 0, -1, PROOF_5_8, REF_ROOTS[8])),
        ("bad_hash_size", lambda: verify_inclusion(LEAF[:31], 5, 8, PROOF_5_8, REF_ROOTS[8])),
        ("bad_hash_size", lambda: verify_inclusion(LEAF, 5, 8, PROOF_5_8, b"")),
        (
            "bad_hash_size",
            lambda: verify_inclusion(LEAF, 5, 8, [*PROOF_5_8[:2], LEAF + b"!"], REF_ROOTS[8]),
        ),
        (
            "bad_proof_length",
            lambda: verify_inclusion(LEAF, 5, 8, [*PROOF_5_8, LEAF], REF_ROOTS[8]),
        ),
        ("bad_proof_length", lambda: root_from_inclusion_proof(LEAF, 5, 8, PROOF_5_8[:2])),
        ("bad_size", lambda: verify_consistency(8, 3, PROOF_3_8, REF_ROOTS[3], REF_ROOTS[8])),
        ("bad_size", lambda: verify_consistency(-1, 8, PROOF_3_8, REF_ROOTS[3], REF_ROOTS[8])),
        ("bad_size", lambda: verify_consistency(0, 8, [], EMPTY_ROOT, REF_ROOTS[8])),
        ("bad_size", lambda: verify_consistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)),
        ("bad_proof_length", lambda: verify_consistency(8, 8, [LEAF], REF_ROOTS[8], REF_ROOTS[8])),
        ("bad_proof_length", lambda: verify_consistency(3, 8, [], REF_ROOTS[3], REF_ROOTS[8])),
        (
            "bad_proof_length",
            lambda: verify_consistency(3, 8, PROOF_3_8[1:], REF_ROOTS[3], REF_ROOTS[8]),
        ),
        (
            "bad_hash_size",
            lambda: verify_consistency(3, 8, PROOF_3_8, REF_ROOTS[3][:16], REF_ROOTS[8]),
        ),
        (
            "bad_hash_size",
            lambda: verify_consistency(3, 8, [b"", *PROOF_3_8[1:]], REF_ROOTS[3], REF_ROOTS[8]),
        ),
        ("root_mismatch", lambda: verify_consistency(8, 8, [], REF_ROOTS[7], REF_ROOTS[8])),
    ],
)
def test_malformed_proof_is_refused_with_a_stable_code(
    code: str, call: Callable[[], object]
) -> None:
    error = _raises(code, call)
    assert str(error).startswith(f"{code}: ")
    assert error.to_dict()["code"] == code


def test_bad_index_reports_the_index_found() -> None:
    error = _raises("bad_index", lambda: verify_inclusion(LEAF, 9, 8, PROOF_5_8, REF_ROOTS[8]))
    assert error.found == 9


def test_wrong_proof_length_reports_expected_and_found_lengths() -> None:
    error = _raises(
        "bad_proof_length", lambda: verify_inclusion(LEAF, 5, 8, PROOF_5_8[:1], REF_ROOTS[8])
    )
    assert (error.expected, error.found) == (3, 1)


def test_inclusion_root_mismatch_expects_the_given_root_and_finds_the_calculated_one() -> None:
    error = _raises("root_mismatch", lambda: verify_inclusion(LEAF, 5, 8, PROOF_5_8, REF_ROOTS[7]))
    assert (error.expected, error.found) == (REF_ROOTS[7], REF_ROOTS[8])


def test_consistency_mismatch_of_the_old_root_finds_the_root_the_proof_implies() -> None:
    error = _raises(
        "root_mismatch", lambda: verify_consistency(3, 8, PROOF_3_8, REF_ROOTS[2], REF_ROOTS[8])
    )
    assert (error.expected, error.found) == (REF_ROOTS[2], REF_ROOTS[3])
    assert "old root" in error.message


def test_consistency_mismatch_of_the_new_root_finds_the_root_the_proof_implies() -> None:
    error = _raises(
        "root_mismatch", lambda: verify_consistency(3, 8, PROOF_3_8, REF_ROOTS[3], REF_ROOTS[7])
    )
    assert (error.expected, error.found) == (REF_ROOTS[7], REF_ROOTS[8])


def test_equal_sizes_need_equal_roots_and_no_proof() -> None:
    verify_consistency(5, 5, [], REF_ROOTS[5], REF_ROOTS[5])


# --- Tree and CompactRange ---------------------------------------------------------------------

LEAVES_13 = [leaf_hash(i.to_bytes(2, "big")) for i in range(13)]


def test_subtree_hash_is_the_root_of_each_complete_subtree() -> None:
    tree = Tree(LEAVES_13)
    for level in range(4):
        width = 1 << level
        for index in range(13 // width):
            expected = root_of(LEAVES_13[index * width : (index + 1) * width])
            assert tree.subtree_hash(level, index) == expected


@pytest.mark.parametrize(("level", "index"), [(0, 13), (2, 3), (3, 1), (4, 0), (-1, 0), (0, -1)])
def test_subtree_hash_of_an_incomplete_subtree_is_refused(level: int, index: int) -> None:
    with pytest.raises(ValueError):
        Tree(LEAVES_13).subtree_hash(level, index)


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.root(14),
        lambda t: t.root(-1),
        lambda t: t.leaf(13),
        lambda t: t.leaf(-1),
        lambda t: t.inclusion_proof(5, 5),
        lambda t: t.inclusion_proof(-1, 5),
        lambda t: t.inclusion_proof(0, 14),
        lambda t: t.consistency_proof(6, 5),
        lambda t: t.consistency_proof(-1, 5),
        lambda t: t.consistency_proof(1, 14),
        lambda t: t.truncate(14),
        lambda t: t.truncate(-1),
        lambda t: t.append(b"short"),
        lambda t: inclusion_proof(LEAVES_13, 0, 14),
        lambda t: consistency_proof(LEAVES_13, 1, 14),
    ],
)
def test_out_of_range_arguments_to_producers_raise_value_error(
    call: Callable[[Tree], object],
) -> None:
    tree = Tree(LEAVES_13)
    with pytest.raises(ValueError):
        call(tree)
    assert tree.size == 13
    assert tree.root() == root_of(LEAVES_13)


def test_empty_tree_has_the_empty_root() -> None:
    assert (
        root_of([])
        == Tree().root()
        == Tree(LEAVES_13).root(0)
        == CompactRange().root()
        == EMPTY_ROOT
    )
    assert Tree().size == CompactRange().size == 0


def test_consistency_proof_from_zero_or_to_the_same_size_is_empty() -> None:
    tree = Tree(LEAVES_13)
    assert tree.consistency_proof(0, 13) == tree.consistency_proof(13, 13) == []
    assert tree.consistency_proof(0, 0) == tree.consistency_proof(4, 4) == []


def test_tree_appends_extends_and_reads_leaves() -> None:
    tree = Tree(LEAVES_13[:3])
    tree.append(LEAVES_13[3])
    tree.extend(LEAVES_13[4:])
    assert tree.size == 13
    assert [tree.leaf(i) for i in range(13)] == LEAVES_13
    assert tree.root() == root_of(LEAVES_13)


def test_truncate_rolls_back_to_an_earlier_tree() -> None:
    tree = Tree(LEAVES_13)
    tree.truncate(5)
    assert tree.size == 5
    assert tree.root() == root_of(LEAVES_13[:5])
    with pytest.raises(ValueError):
        tree.subtree_hash(3, 0)
    tree.truncate(0)
    assert tree.root() == EMPTY_ROOT
    tree.extend(LEAVES_13)
    assert tree.subtree_hash(3, 0) == root_of(LEAVES_13[:8])


def test_compact_range_holds_the_perfect_subtree_roots() -> None:
    compact = CompactRange()
    for h in LEAVES_13:
        compact.append(h)
    tree = Tree(LEAVES_13)
    assert compact.size == 13
    assert compact.hashes == [
        tree.subtree_hash(3, 0),
        tree.subtree_hash(2, 2),
        tree.subtree_hash(0, 12),
    ]


def test_compact_range_restored_from_state_continues_the_same_log() -> None:
    compact = CompactRange()
    for h in LEAVES_13[:6]:
        compact.append(h)
    restored = CompactRange.from_state(compact.size, compact.hashes)
    for h in LEAVES_13[6:]:
        restored.append(h)
    assert restored.root() == root_of(LEAVES_13)
    assert compact.root() == root_of(LEAVES_13[:6])


def test_compact_range_copy_is_independent() -> None:
    compact = CompactRange()
    compact.append(LEAVES_13[0])
    clone = compact.copy()
    clone.append(LEAVES_13[1])
    assert (compact.size, compact.root()) == (1, LEAVES_13[0])
    assert (clone.size, clone.root()) == (2, root_of(LEAVES_13[:2]))


@pytest.mark.parametrize(
    ("size", "hashes"),
    [(-1, []), (3, [LEAF]), (2, [LEAF, LEAF]), (1, [LEAF[:31]]), (0, [LEAF])],
)
def test_compact_range_state_must_be_well_formed(size: int, hashes: list[bytes]) -> None:
    with pytest.raises(ValueError):
        CompactRange.from_state(size, hashes)


def test_compact_range_refuses_a_hash_of_the_wrong_size() -> None:
    with pytest.raises(ValueError):
        CompactRange().append(b"\x00" * 31)
