"""Checkpoints (C2SP tlog-checkpoint) and timestamped cosignatures (C2SP tlog-cosignature)."""

from __future__ import annotations

import base64

import pytest

from hotline_protocol.checkpoint import MAX_SIZE, Checkpoint, open_checkpoint, sign_checkpoint
from hotline_protocol.cosignature import (
    MAX_TIMESTAMP,
    CosignatureSigner,
    CosignatureVerifier,
    cosign,
    cosignature_message,
    cosignature_timestamp,
    verify_cosignature,
)
from hotline_protocol.errors import CheckpointError, NoteError
from hotline_protocol.note import (
    Signature,
    Signer,
    Verifier,
    add_signatures,
    open_note,
    sign_note,
    split_note,
)

ORIGIN = "alpha.hotline.example/log"
ROOT = bytes(range(32))
ROOT_B64 = base64.b64encode(ROOT).decode()
# The checkpoint body from the C2SP tlog-checkpoint example.
SOFA = b"example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
TS = 1_700_000_000


@pytest.fixture
def log() -> Signer:
    return Signer.from_seed(ORIGIN, bytes(range(1, 33)))


@pytest.fixture
def witness() -> CosignatureSigner:
    return CosignatureSigner.from_seed("bravo.hotline.example/witness", bytes(range(33, 65)))


def test_body_is_origin_size_and_base64_root_each_on_its_own_line() -> None:
    cp = Checkpoint(ORIGIN, 7, ROOT)
    assert cp.body() == f"{ORIGIN}\n7\n{ROOT_B64}\n".encode()
    assert Checkpoint.parse(cp.body()) == cp


def test_parse_round_trips_extensions_and_the_spec_example() -> None:
    cp = Checkpoint(ORIGIN, 0, ROOT, ("ext one", "ext+two"))
    assert Checkpoint.parse(cp.body()) == cp
    sofa = Checkpoint.parse(SOFA)
    assert (sofa.origin, sofa.size, sofa.extensions) == (
        "example.com/behind-the-sofa",
        20852163,
        (),
    )
    assert sofa.body() == SOFA


MALFORMED_BODIES = {
    "no final newline": f"{ORIGIN}\n7\n{ROOT_B64}".encode(),
    "two lines": f"{ORIGIN}\n7\n".encode(),
    "empty origin": f"\n7\n{ROOT_B64}\n".encode(),
    "origin with a space": f"alpha log\n7\n{ROOT_B64}\n".encode(),
    "origin with a control character": f"alpha\x01log\n7\n{ROOT_B64}\n".encode(),
    "origin not utf-8": b"alpha\xff\n7\n" + ROOT_B64.encode() + b"\n",
    "size with leading zero": f"{ORIGIN}\n07\n{ROOT_B64}\n".encode(),
    "size 00": f"{ORIGIN}\n00\n{ROOT_B64}\n".encode(),
    "size with plus": f"{ORIGIN}\n+7\n{ROOT_B64}\n".encode(),
    "negative size": f"{ORIGIN}\n-1\n{ROOT_B64}\n".encode(),
    "size with space": f"{ORIGIN}\n 7\n{ROOT_B64}\n".encode(),
    "size with underscore": f"{ORIGIN}\n1_0\n{ROOT_B64}\n".encode(),
    "size in hex": f"{ORIGIN}\n0x7\n{ROOT_B64}\n".encode(),
    "size in arabic-indic digits": f"{ORIGIN}\n\u0667\n{ROOT_B64}\n".encode(),
    "size above 2^64-1": f"{ORIGIN}\n{MAX_SIZE + 1}\n{ROOT_B64}\n".encode(),
    "empty size": f"{ORIGIN}\n\n{ROOT_B64}\n".encode(),
    "root not base64": f"{ORIGIN}\n7\nnot-base64!\n".encode(),
    "root of 31 bytes": f"{ORIGIN}\n7\n{base64.b64encode(ROOT[:31]).decode()}\n".encode(),
    "root of 33 bytes": f"{ORIGIN}\n7\n{base64.b64encode(ROOT + b'x').decode()}\n".encode(),
    "root without padding": f"{ORIGIN}\n7\n{ROOT_B64.rstrip('=')}\n".encode(),
    "root with non-canonical trailing bits": f"{ORIGIN}\n7\n{ROOT_B64[:-2]}9=\n".encode(),
    "empty extension line": f"{ORIGIN}\n7\n{ROOT_B64}\n\next\n".encode(),
    "trailing empty line": f"{ORIGIN}\n7\n{ROOT_B64}\n\n".encode(),
}


@pytest.mark.parametrize("body", MALFORMED_BODIES.values(), ids=MALFORMED_BODIES.keys())
def test_malformed_checkpoint_bodies_are_refused(body: bytes) -> None:
    with pytest.raises(CheckpointError):
        Checkpoint.parse(body)


def test_size_limits_are_zero_and_two_to_the_64_minus_one() -> None:
    assert Checkpoint.parse(f"{ORIGIN}\n0\n{ROOT_B64}\n".encode()).size == 0
    assert Checkpoint.parse(f"{ORIGIN}\n{MAX_SIZE}\n{ROOT_B64}\n".encode()).size == MAX_SIZE


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"origin": ""}, "bad_origin"),
        ({"origin": "a b"}, "bad_origin"),
        ({"size": -1}, "bad_size"),
        ({"size": MAX_SIZE + 1}, "bad_size"),
        ({"root": b"short"}, "bad_root"),
        ({"extensions": ("",)}, "bad_extension"),
        ({"extensions": ("two\nlines",)}, "bad_extension"),
    ],
)
def test_checkpoints_cannot_be_built_with_bad_fields(kwargs: dict[str, object], code: str) -> None:
    fields: dict[str, object] = {"origin": ORIGIN, "size": 1, "root": ROOT} | kwargs
    with pytest.raises(CheckpointError) as info:
        Checkpoint(**fields)  # type: ignore[arg-type]
    assert info.value.code == code


def test_signed_checkpoint_opens_with_the_log_key(log: Signer) -> None:
    cp = Checkpoint(ORIGIN, 3, ROOT)
    note = sign_checkpoint(cp, log)
    signed = open_checkpoint(note, origin=ORIGIN, log=log.verifier())
    assert signed.checkpoint == cp
    assert signed.note == note
    assert signed.cosignatures == {}


def test_a_checkpoint_signed_by_another_key_with_the_same_name_is_refused(log: Signer) -> None:
    impostor = Signer.generate(ORIGIN)
    note = sign_checkpoint(Checkpoint(ORIGIN, 3, ROOT), impostor)
    with pytest.raises(NoteError) as info:
        open_checkpoint(note, origin=ORIGIN, log=log.verifier())
    assert info.value.code == "no_verified_signature"


def test_wrong_origin_is_refused_with_expected_and_found(log: Signer) -> None:
    note = sign_checkpoint(Checkpoint("other.example/log", 3, ROOT), log)
    with pytest.raises(CheckpointError) as info:
        open_checkpoint(note, origin=ORIGIN, log=log.verifier())
    assert info.value.code == "wrong_origin"
    assert (info.value.expected, info.value.found) == (ORIGIN, "other.example/log")


def test_signatures_are_checked_before_the_body_is_parsed(log: Signer) -> None:
    garbage = b"this is\nnot a checkpoint\n"
    unsigned = sign_note(garbage, [Signer.generate("stranger")])
    with pytest.raises(NoteError):
        open_checkpoint(unsigned, origin=ORIGIN, log=log.verifier())
    signed = sign_note(garbage, [log])
    with pytest.raises(CheckpointError):
        open_checkpoint(signed, origin=ORIGIN, log=log.verifier())


def test_a_witness_cosignature_alone_does_not_stand_for_the_log(
    log: Signer, witness: CosignatureSigner
) -> None:
    body = Checkpoint(ORIGIN, 3, ROOT).body()
    note = body + b"\n" + cosign(body, witness, TS).line().encode()
    with pytest.raises(NoteError) as info:
        open_checkpoint(note, origin=ORIGIN, log=log.verifier(), witnesses=[witness.verifier()])
    assert info.value.code == "no_verified_signature"


def test_cosigned_checkpoint_reports_each_trusted_witness_and_its_timestamp(
    log: Signer, witness: CosignatureSigner
) -> None:
    cp = Checkpoint(ORIGIN, 3, ROOT)
    stranger = CosignatureSigner.generate("stranger.example/witness")
    note = add_signatures(
        sign_checkpoint(cp, log),
        [cosign(cp.body(), witness, TS), cosign(cp.body(), stranger, TS + 5)],
    )
    signed = open_checkpoint(
        note, origin=ORIGIN, log=log.verifier(), witnesses=[witness.verifier()]
    )
    assert signed.cosignatures == {witness.name: TS}


def test_a_bad_cosignature_from_a_trusted_witness_rejects_the_note(
    log: Signer, witness: CosignatureSigner
) -> None:
    cp = Checkpoint(ORIGIN, 3, ROOT)
    other = Checkpoint(ORIGIN, 4, ROOT)
    note = add_signatures(sign_checkpoint(cp, log), [cosign(other.body(), witness, TS)])
    with pytest.raises(NoteError) as info:
        open_checkpoint(note, origin=ORIGIN, log=log.verifier(), witnesses=[witness.verifier()])
    assert info.value.code == "bad_signature"


def test_cosignature_round_trip_returns_the_timestamp(witness: CosignatureSigner) -> None:
    sig = cosign(SOFA, witness, TS)
    assert sig.sig[:8] == TS.to_bytes(8, "big")
    assert len(sig.sig) == 72
    assert verify_cosignature(SOFA, sig, witness.verifier()) == TS
    assert cosignature_timestamp(sig.sig) == TS
    verifier = CosignatureVerifier.from_vkey(witness.vkey)
    assert verify_cosignature(SOFA, sig, verifier) == TS
    assert CosignatureSigner.from_skey(witness.skey).vkey == witness.vkey


def test_cosigned_message_is_header_time_line_and_body() -> None:
    assert cosignature_message(SOFA, 1679315147) == b"cosignature/v1\ntime 1679315147\n" + SOFA


def test_a_cosignature_with_another_timestamp_fails(witness: CosignatureSigner) -> None:
    sig = cosign(SOFA, witness, TS)
    moved = Signature(sig.name, sig.key_id, (TS + 1).to_bytes(8, "big") + sig.sig[8:])
    with pytest.raises(NoteError) as info:
        verify_cosignature(SOFA, moved, witness.verifier())
    assert info.value.code == "bad_signature"


def test_a_cosignature_over_another_body_fails(witness: CosignatureSigner) -> None:
    sig = cosign(SOFA, witness, TS)
    other = SOFA.replace(b"20852163", b"20852164")
    with pytest.raises(NoteError) as info:
        verify_cosignature(other, sig, witness.verifier())
    assert info.value.code == "bad_signature"


def test_a_cosignature_checked_against_another_witness_is_refused(
    witness: CosignatureSigner,
) -> None:
    sig = cosign(SOFA, witness, TS)
    other = CosignatureSigner.generate(witness.name).verifier()
    with pytest.raises(NoteError) as info:
        verify_cosignature(SOFA, sig, other)
    assert info.value.code == "unknown_key"


def test_cosignature_keys_are_domain_separated_from_plain_keys(witness: CosignatureSigner) -> None:
    plain = Verifier(witness.name, witness.public_key)
    assert plain.key_id != witness.key_id
    note = SOFA + b"\n" + cosign(SOFA, witness, TS).line().encode()
    with pytest.raises(NoteError) as info:
        open_note(note, [plain])
    assert info.value.code == "no_verified_signature"
    assert open_note(note, [witness.verifier()]).verified[0].name == witness.name


def test_cosignature_timestamps_must_fit_in_63_bits(witness: CosignatureSigner) -> None:
    for bad in (-1, MAX_TIMESTAMP + 1):
        with pytest.raises(NoteError) as info:
            cosign(SOFA, witness, bad)
        assert info.value.code == "invalid_timestamp"
    assert verify_cosignature(SOFA, cosign(SOFA, witness, MAX_TIMESTAMP), witness.verifier()) == (
        MAX_TIMESTAMP
    )
    high = Signature(witness.name, witness.key_id, b"\x80" + b"\x00" * 71)
    assert not witness.verifier().verify(SOFA, high.sig)
    with pytest.raises(NoteError):
        cosignature_timestamp(high.sig)


def test_cosign_refuses_a_body_that_is_not_checkpoint_shaped(witness: CosignatureSigner) -> None:
    with pytest.raises(NoteError):
        cosign(b"one line\n", witness, TS)
    with pytest.raises(NoteError):
        cosign(SOFA[:-1], witness, TS)


def test_the_witness_response_lines_can_be_appended_to_the_checkpoint(
    log: Signer, witness: CosignatureSigner
) -> None:
    cp = Checkpoint(ORIGIN, 9, ROOT)
    note = sign_checkpoint(cp, log)
    line = cosign(cp.body(), witness, TS).line().encode()
    signed = open_checkpoint(
        note + line, origin=ORIGIN, log=log.verifier(), witnesses=[witness.verifier()]
    )
    assert signed.cosignatures == {witness.name: TS}
    assert split_note(note + line)[0] == cp.body()


def test_cosignature_timestamp_reads_the_transparency_dev_vector() -> None:
    # From transparency-dev/formats note_cosigv1_test.go (TestCosignatureTimestamp "works").
    raw = base64.b64decode(
        "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJ"
        "XORmnFBOBA=="
    )
    assert cosignature_timestamp(raw[4:]) == 1727964367
