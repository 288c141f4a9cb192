"""Proof bundles (C2SP tlog-proof): one entry, its inclusion proof, a cosigned checkpoint."""

from __future__ import annotations

import base64

import pytest

from hotline_protocol.checkpoint import Checkpoint, sign_checkpoint
from hotline_protocol.cosignature import CosignatureSigner, cosign
from hotline_protocol.errors import BundleError, CheckpointError, NoteError, ProofError
from hotline_protocol.merkle import Tree, leaf_hash
from hotline_protocol.note import Signer, add_signatures
from hotline_protocol.proof import HEADER, parse_bundle, verify_bundle, write_bundle

ORIGIN = "alpha.hotline.example/log"
ENTRIES = [b'{"index":%d,"notice":"planned operation"}' % i for i in range(11)]
TREE = Tree([leaf_hash(e) for e in ENTRIES])
SIZE = len(ENTRIES)
LOG = Signer.from_seed(ORIGIN, bytes(range(1, 33)))
WITNESS = CosignatureSigner.from_seed("bravo.hotline.example/witness", bytes(range(33, 65)))
TS = 1_700_000_000


def cosigned_note(size: int = SIZE) -> bytes:
    cp = Checkpoint(ORIGIN, size, TREE.root(size))
    return add_signatures(sign_checkpoint(cp, LOG), [cosign(cp.body(), WITNESS, TS)])


def bundle_for(index: int, *, extra: bytes | None = None) -> bytes:
    return write_bundle(
        index=index,
        proof=TREE.inclusion_proof(index, SIZE),
        checkpoint_note=cosigned_note(),
        extra=extra,
    )


def verify(bundle: bytes, entry: bytes, required: int = 0) -> object:
    return verify_bundle(
        bundle,
        entry,
        origin=ORIGIN,
        log=LOG.verifier(),
        witnesses=[WITNESS.verifier()],
        required_witnesses=required,
    )


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :]


@pytest.mark.parametrize("index", range(SIZE))
def test_every_entry_round_trips_through_a_bundle(index: int) -> None:
    result = verify_bundle(
        bundle_for(index),
        ENTRIES[index],
        origin=ORIGIN,
        log=LOG.verifier(),
        witnesses=[WITNESS.verifier()],
        required_witnesses=1,
    )
    assert result.index == index
    assert (result.checkpoint.size, result.checkpoint.root) == (SIZE, TREE.root(SIZE))
    assert result.cosignatures == {WITNESS.name: TS}
    assert result.extra is None


def test_bundle_text_is_the_tlog_proof_layout() -> None:
    proof = TREE.inclusion_proof(3, SIZE)
    bundle = bundle_for(3, extra=b"ctx")
    head, note = bundle.split(b"\n\n", 1)
    assert head.split(b"\n") == [
        HEADER,
        b"extra " + base64.b64encode(b"ctx"),
        b"index 3",
        *(base64.b64encode(h) for h in proof),
    ]
    assert note == cosigned_note()
    parsed = parse_bundle(bundle)
    assert (parsed.index, list(parsed.proof), parsed.extra) == (3, proof, b"ctx")


def test_extra_data_is_carried_but_not_trusted() -> None:
    result = verify_bundle(
        bundle_for(2, extra=b"\x00\xffopaque"), ENTRIES[2], origin=ORIGIN, log=LOG.verifier()
    )
    assert result.extra == b"\x00\xffopaque"
    assert result.cosignatures == {}


def test_a_flipped_entry_fails_the_inclusion_proof() -> None:
    with pytest.raises(ProofError) as info:
        verify(bundle_for(4), flip(ENTRIES[4], 5))
    assert info.value.code == "root_mismatch"
    with pytest.raises(ProofError):
        verify(bundle_for(4), ENTRIES[5])


def test_a_flipped_proof_hash_fails() -> None:
    proof = TREE.inclusion_proof(6, SIZE)
    proof[1] = flip(proof[1], 0)
    bundle = write_bundle(index=6, proof=proof, checkpoint_note=cosigned_note())
    with pytest.raises(ProofError) as info:
        verify(bundle, ENTRIES[6])
    assert info.value.code == "root_mismatch"


def test_a_wrong_index_fails() -> None:
    bundle = bundle_for(6).replace(b"\nindex 6\n", b"\nindex 7\n")
    with pytest.raises(ProofError):
        verify(bundle, ENTRIES[6])


def test_an_index_beyond_the_checkpoint_is_refused() -> None:
    bundle = bundle_for(6).replace(b"\nindex 6\n", b"\nindex 11\n")
    with pytest.raises(BundleError) as info:
        verify(bundle, ENTRIES[6])
    assert (info.value.code, info.value.found) == ("index_out_of_range", 11)


def test_a_missing_cosignature_is_refused_when_required() -> None:
    uncosigned = write_bundle(
        index=1,
        proof=TREE.inclusion_proof(1, SIZE),
        checkpoint_note=sign_checkpoint(Checkpoint(ORIGIN, SIZE, TREE.root(SIZE)), LOG),
    )
    assert verify(uncosigned, ENTRIES[1], required=0) is not None
    with pytest.raises(BundleError) as info:
        verify(uncosigned, ENTRIES[1], required=1)
    assert (info.value.code, info.value.expected, info.value.found) == (
        "missing_cosignatures",
        1,
        0,
    )
    with pytest.raises(BundleError):
        verify(bundle_for(1), ENTRIES[1], required=2)


def test_a_cosignature_from_an_untrusted_witness_does_not_count() -> None:
    stranger = CosignatureSigner.generate("stranger.example/witness")
    cp = Checkpoint(ORIGIN, SIZE, TREE.root(SIZE))
    note = add_signatures(sign_checkpoint(cp, LOG), [cosign(cp.body(), stranger, TS)])
    bundle = write_bundle(index=0, proof=TREE.inclusion_proof(0, SIZE), checkpoint_note=note)
    with pytest.raises(BundleError) as info:
        verify(bundle, ENTRIES[0], required=1)
    assert info.value.code == "missing_cosignatures"


def test_a_checkpoint_from_another_log_key_or_origin_is_refused() -> None:
    with pytest.raises(NoteError):
        verify_bundle(
            bundle_for(0), ENTRIES[0], origin=ORIGIN, log=Signer.generate(ORIGIN).verifier()
        )
    with pytest.raises(CheckpointError) as info:
        verify_bundle(bundle_for(0), ENTRIES[0], origin="other.example/log", log=LOG.verifier())
    assert info.value.code == "wrong_origin"


def test_a_tampered_checkpoint_in_the_bundle_is_refused() -> None:
    bundle = bundle_for(0).replace(b"\n11\n", b"\n12\n")
    with pytest.raises(NoteError) as info:
        verify(bundle, ENTRIES[0])
    assert info.value.code == "bad_signature"


def test_a_bundle_for_an_older_checkpoint_verifies_against_that_checkpoint() -> None:
    older = Tree([leaf_hash(e) for e in ENTRIES[:5]])
    bundle = write_bundle(
        index=4, proof=older.inclusion_proof(4, 5), checkpoint_note=cosigned_note(5)
    )
    assert verify_bundle(bundle, ENTRIES[4], origin=ORIGIN, log=LOG.verifier()).checkpoint.size == 5


def _malformed() -> dict[str, bytes]:
    good = bundle_for(3)
    head, note = good.split(b"\n\n", 1)
    lines = head.split(b"\n")
    return {
        "empty": b"",
        "wrong header": good.replace(HEADER, b"c2sp.org/tlog-proof@v2", 1),
        "no blank line": head + b"\n",
        "no checkpoint": head + b"\n\n",
        "no index": b"\n".join([lines[0], *lines[2:]]) + b"\n\n" + note,
        "index with leading zero": good.replace(b"\nindex 3\n", b"\nindex 03\n"),
        "negative index": good.replace(b"\nindex 3\n", b"\nindex -3\n"),
        "proof line not base64": good.replace(lines[2], b"!!!!"),
        "proof hash of 31 bytes": good.replace(lines[2], base64.b64encode(bytes(31))),
        "empty extra": good.replace(b"\nindex 3\n", b"\nextra \nindex 3\n"),
        "extra not base64": good.replace(b"\nindex 3\n", b"\nextra !!\nindex 3\n"),
        "extra after index": good.replace(b"\nindex 3\n", b"\nindex 3\nextra AA==\n"),
    }


@pytest.mark.parametrize(("case", "bundle"), _malformed().items(), ids=_malformed().keys())
def test_malformed_bundles_are_refused(case: str, bundle: bytes) -> None:
    with pytest.raises(BundleError) as info:
        verify(bundle, ENTRIES[3])
    assert info.value.code == "malformed_bundle", case


def test_write_bundle_refuses_bad_parts() -> None:
    note = cosigned_note()
    bad_calls = [
        {"index": -1, "proof": [], "checkpoint_note": note},
        {"index": 0, "proof": [b"short"], "checkpoint_note": note},
        {"index": 0, "proof": [], "checkpoint_note": b"not a note"},
        {"index": 0, "proof": [], "checkpoint_note": note, "extra": b""},
    ]
    for kwargs in bad_calls:
        with pytest.raises(BundleError):
            write_bundle(**kwargs)  # type: ignore[arg-type]


def test_worked_example_from_fixed_seeds_is_stable() -> None:
    """The worked example of the protocol text, byte for byte."""
    witness = CosignatureSigner.from_seed("bravo.hotline.example/witness", bytes(range(0x21, 0x41)))
    assert witness.vkey == (
        "bravo.hotline.example/witness+ae3afc3c+BOfxYqEL7FWa/qGV5NzoS2lWjV0ssJY+tEbAaF4rF/Lw"
    )
    entries = [b"entry 0", b"entry 1", b"entry 2"]
    tree = Tree([leaf_hash(e) for e in entries])
    body = Checkpoint(ORIGIN, 3, tree.root(3)).body()
    assert body == b"alpha.hotline.example/log\n3\nlPvQ3YNvUDAWkubQ6t5yjuGexSv/8WBu2AfIV11aqhk=\n"
    log_line = (
        "— alpha.hotline.example/log "
        "5a5LZMZAVcAMGqMxha7eb3NgUBSXsvjtySmDeSVvKTCgwMHGZVImcExfvPPlwSPYYDM6XePpzhYs/TxkoAwTsqkGDQA=\n"
    )
    cosig_line = (
        "— bravo.hotline.example/witness "
        "rjr8PAAAAABpVbkA9nkK+yKzq6zrmLyqPftT6NMPvKSrJTsaa52nPhvK88qjzwmCWqgpNM2kuwSAuQW20zWp7P3wS3F3"
        "WF6mPEFdCA==\n"
    )
    note = sign_checkpoint(Checkpoint(ORIGIN, 3, tree.root(3)), LOG)
    assert note == body + b"\n" + log_line.encode()
    assert cosign(body, witness, 1767225600).line() == cosig_line
    bundle = write_bundle(
        index=1,
        proof=tree.inclusion_proof(1, 3),
        checkpoint_note=note + cosig_line.encode(),
    )
    assert bundle == (
        b"c2sp.org/tlog-proof@v1\nindex 1\n"
        b"dziFphNIniTOLPdhmdakI/BC5LvxLX7s7pEu8nbGVwE=\n"
        b"V8efTzGuApxdS9MLBzwnyU35NDiytGl+Hh7vW8A5SkE=\n\n" + note + cosig_line.encode()
    )
    result = verify_bundle(
        bundle,
        b"entry 1",
        origin=ORIGIN,
        log=LOG.verifier(),
        witnesses=[witness.verifier()],
        required_witnesses=1,
    )
    assert (result.index, result.checkpoint.size) == (1, 3)
    assert result.cosignatures == {witness.name: 1767225600}
