"""The witness rules (C2SP tlog-witness add-checkpoint) as a pure function."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from typing import Any

import pytest

from hotline_protocol.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from hotline_protocol.cosignature import CosignatureSigner, verify_cosignature
from hotline_protocol.errors import WitnessError
from hotline_protocol.merkle import Tree
from hotline_protocol.note import Signer, Verifier, add_signatures, sign_note
from hotline_protocol.witness import (
    STATUS,
    check_checkpoint,
    encode_add_checkpoint,
    encode_cosignatures,
    parse_add_checkpoint,
    parse_cosignatures,
    status_of,
    witness_cosign,
)

ORIGIN = "alpha.hotline.example/log"
LEAVES = [hashlib.sha256(b"leaf %d" % i).digest() for i in range(12)]
TREE = Tree(LEAVES)
LOG = Signer.from_seed(ORIGIN, bytes(range(1, 33)))
WITNESS = CosignatureSigner.from_seed("bravo.hotline.example/witness", bytes(range(33, 65)))
LOGS: dict[str, Verifier] = {ORIGIN: LOG.verifier()}
TS = 1_700_000_000


def note_at(size: int, signer: Signer = LOG, origin: str = ORIGIN) -> bytes:
    return sign_checkpoint(Checkpoint(origin, size, TREE.root(size)), signer)


def held(size: int) -> tuple[int, bytes]:
    return (size, TREE.root(size))


def refuse(code: str, **request: Any) -> WitnessError:
    """The request is refused with ``code``, the same way every time, and ``last`` is untouched."""
    last = request["last"]
    before = None if last is None else (last[0], bytes(last[1]))
    errors = []
    for _ in range(2):
        with pytest.raises(WitnessError) as info:
            check_checkpoint(**request)
        errors.append(info.value)
    first, second = errors
    assert first.code == code, first
    assert (second.code, second.expected, second.found) == (first.code, first.expected, first.found)
    assert request["last"] == before
    assert status_of(first) == STATUS[code]
    return first


def request(
    note: bytes, old_size: int, proof: Sequence[bytes], last: tuple[int, bytes] | None
) -> dict[str, Any]:
    return {"note": note, "old_size": old_size, "proof": proof, "last": last, "logs": LOGS}


def test_first_checkpoint_is_accepted_from_old_size_zero() -> None:
    cp = check_checkpoint(**request(note_at(5), 0, [], None))
    assert (cp.origin, cp.size, cp.root) == (ORIGIN, 5, TREE.root(5))


def test_extending_with_a_valid_consistency_proof_is_accepted() -> None:
    for old, new in [(1, 2), (4, 8), (5, 12), (7, 11)]:
        proof = TREE.consistency_proof(old, new)
        cp = check_checkpoint(**request(note_at(new), old, proof, held(old)))
        assert (cp.size, cp.root) == held(new)


def test_same_size_same_root_is_accepted_again() -> None:
    cp = check_checkpoint(**request(note_at(6), 6, [], held(6)))
    assert (cp.size, cp.root) == held(6)


def test_the_empty_tree_can_be_cosigned() -> None:
    cp = check_checkpoint(**request(note_at(0), 0, [], None))
    assert cp.size == 0


def test_unknown_origin_is_404() -> None:
    stranger = Signer.generate("other.example/log")
    err = refuse(
        "unknown_origin", **request(note_at(3, stranger, "other.example/log"), 0, [], None)
    )
    assert err.found == "other.example/log"
    assert STATUS["unknown_origin"] == 404


def test_a_checkpoint_signed_by_another_key_is_403() -> None:
    impostor = Signer.generate(ORIGIN)
    refuse(
        "bad_signature", **request(note_at(8, impostor), 4, TREE.consistency_proof(4, 8), held(4))
    )
    assert STATUS["bad_signature"] == 403


def test_a_tampered_checkpoint_is_403() -> None:
    note = note_at(8).replace(b"\n8\n", b"\n9\n")
    refuse("bad_signature", **request(note, 4, TREE.consistency_proof(4, 8), held(4)))


def test_old_size_other_than_the_held_size_is_409_with_the_held_size() -> None:
    proof = TREE.consistency_proof(3, 8)
    err = refuse("old_size_mismatch", **request(note_at(8), 3, proof, held(4)))
    assert (err.expected, err.found) == (4, 3)
    fresh = refuse(
        "old_size_mismatch", **request(note_at(8), 4, TREE.consistency_proof(4, 8), None)
    )
    assert (fresh.expected, fresh.found) == (0, 4)
    assert STATUS["old_size_mismatch"] == 409


def test_a_proof_that_does_not_verify_is_422() -> None:
    wrong = TREE.consistency_proof(5, 8)
    refuse("bad_proof", **request(note_at(8), 4, wrong, held(4)))
    flipped = [bytes([wrong[0][0] ^ 1]) + wrong[0][1:], *wrong[1:]]
    refuse("bad_proof", **request(note_at(8), 5, flipped, held(5)))
    assert STATUS["bad_proof"] == 422


def test_a_checkpoint_forked_from_the_held_one_is_422() -> None:
    fork = Tree([*LEAVES[:3], hashlib.sha256(b"forged").digest(), *LEAVES[4:8]])
    note = sign_checkpoint(Checkpoint(ORIGIN, 8, fork.root(8)), LOG)
    refuse("bad_proof", **request(note, 4, fork.consistency_proof(4, 8), held(4)))


def test_same_size_with_another_root_is_a_409_conflict() -> None:
    note = sign_checkpoint(Checkpoint(ORIGIN, 6, hashlib.sha256(b"fork").digest()), LOG)
    err = refuse("conflict", **request(note, 6, [], held(6)))
    assert (err.expected, err.found) == (TREE.root(6), hashlib.sha256(b"fork").digest())
    assert STATUS["conflict"] == 409


def test_old_size_above_the_checkpoint_size_is_400() -> None:
    err = refuse("bad_request", **request(note_at(4), 6, [], held(6)))
    assert err.found == 6
    assert STATUS["bad_request"] == 400


@pytest.mark.parametrize(
    ("note", "old_size", "proof", "last"),
    [
        pytest.param(b"not a note", 0, [], None, id="malformed note"),
        pytest.param(note_at(4)[:-1], 0, [], None, id="truncated note"),
        pytest.param(sign_note(f"{ORIGIN}\n04\nAAAA\n".encode(), [LOG]), 0, [], None, id="body"),
        pytest.param(note_at(4), 0, [LEAVES[0]], None, id="proof with old size 0"),
        pytest.param(note_at(8), 4, [b"short"], held(4), id="proof hash of 5 bytes"),
        pytest.param(note_at(8), 4, [LEAVES[0]] * 64, held(4), id="64 proof lines"),
        pytest.param(note_at(8), -1, [], None, id="negative old size"),
    ],
)
def test_malformed_requests_are_400(
    note: bytes, old_size: int, proof: list[bytes], last: tuple[int, bytes] | None
) -> None:
    refuse("bad_request", **request(note, old_size, proof, last))


def test_every_code_has_the_tlog_witness_status() -> None:
    assert dict(STATUS) == {
        "unknown_origin": 404,
        "bad_signature": 403,
        "bad_request": 400,
        "old_size_mismatch": 409,
        "bad_proof": 422,
        "conflict": 409,
    }


def test_witness_cosign_returns_a_cosignature_the_log_can_attach() -> None:
    note = note_at(8)
    sig = witness_cosign(
        **request(note, 4, TREE.consistency_proof(4, 8), held(4)), signer=WITNESS, timestamp=TS
    )
    body = Checkpoint(ORIGIN, 8, TREE.root(8)).body()
    assert verify_cosignature(body, sig, WITNESS.verifier()) == TS
    signed = open_checkpoint(
        add_signatures(note, [sig]),
        origin=ORIGIN,
        log=LOG.verifier(),
        witnesses=[WITNESS.verifier()],
    )
    assert signed.cosignatures == {WITNESS.name: TS}


def test_witness_cosign_refuses_like_check_checkpoint() -> None:
    with pytest.raises(WitnessError) as info:
        witness_cosign(**request(note_at(8), 3, [], held(4)), signer=WITNESS, timestamp=TS)
    assert info.value.code == "old_size_mismatch"


def test_add_checkpoint_request_round_trips() -> None:
    proof = TREE.consistency_proof(5, 12)
    body = encode_add_checkpoint(5, proof, note_at(12))
    lines = body.split(b"\n")
    assert lines[0] == b"old 5"
    assert lines[1 : 1 + len(proof)] == [base64.b64encode(h) for h in proof]
    assert lines[1 + len(proof)] == b""
    parsed = parse_add_checkpoint(body)
    assert (parsed.old_size, list(parsed.proof), parsed.note) == (5, proof, note_at(12))
    empty = parse_add_checkpoint(encode_add_checkpoint(0, [], note_at(3)))
    assert (empty.old_size, empty.proof, empty.note) == (0, (), note_at(3))


def test_the_spec_example_request_parses() -> None:
    example = (
        "old 20852014\n"
        "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
        "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
        "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n"
        "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n"
        "\n"
        "example.com/behind-the-sofa\n"
        "20852163\n"
        "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        "\n"
        "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/"
        "Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    ).encode()
    parsed = parse_add_checkpoint(example)
    assert parsed.old_size == 20852014
    assert len(parsed.proof) == 4
    assert parsed.note.startswith(b"example.com/behind-the-sofa\n20852163\n")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"old 1\n",
        b"old 01\n\nnote\n",
        b"old -1\n\nnote\n",
        b"old\n\nnote\n",
        b"new 1\n\nnote\n",
        b"old 1\nnot-base64\n\nnote\n",
        b"old 1\n" + base64.b64encode(b"short") + b"\n\nnote\n",
        b"old 1\n" + (base64.b64encode(bytes(32)) + b"\n") * 64 + b"\nnote\n",
        b"old 1\n\n",
    ],
)
def test_malformed_add_checkpoint_bodies_are_400(body: bytes) -> None:
    with pytest.raises(WitnessError) as info:
        parse_add_checkpoint(body)
    assert info.value.code == "bad_request"
    assert status_of(info.value) == 400


def test_cosignature_response_round_trips() -> None:
    sig = witness_cosign(**request(note_at(3), 0, [], None), signer=WITNESS, timestamp=TS)
    body = encode_cosignatures([sig])
    assert body == sig.line().encode()
    assert parse_cosignatures(body) == [sig]
    with pytest.raises(WitnessError):
        parse_cosignatures(b"garbage\n")
