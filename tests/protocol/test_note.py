"""Signed notes (C2SP signed-note), vkeys and skeys, against public vectors and failure cases."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from hotline_protocol.cosignature import CosignatureSigner, CosignatureVerifier
from hotline_protocol.errors import NoteError
from hotline_protocol.note import (
    MAX_SIGNATURES,
    Signature,
    Signer,
    Verifier,
    add_signatures,
    key_id,
    open_note,
    sign_note,
    split_note,
    verifier_from_vkey,
)
from hotline_protocol.notekeys import b64decode_strict

VECTORS = json.loads((Path(__file__).parent / "vectors" / "signed-note-vectors.json").read_text())
CASES: list[dict[str, Any]] = VECTORS["cases"]

# The signer key from the golang.org/x/mod/sumdb/note package documentation; it made the
# PeterNeumann signature in the second vector.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
SEED = bytes(range(1, 33))


def code_of(excinfo: pytest.ExceptionInfo[NoteError]) -> str:
    return excinfo.value.code


def flip_bit(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


@pytest.fixture
def alpha() -> Signer:
    return Signer.from_seed("alpha.hotline.example/log", SEED)


@pytest.mark.parametrize("case", CASES, ids=[c["source"][:20] for c in CASES])
def test_vector_notes_verify_with_their_vkeys(case: dict[str, Any]) -> None:
    verifiers = [Verifier.from_vkey(k) for k in case["vkeys"]]
    opened = open_note(case["note"].encode(), verifiers)
    assert [s.name for s in opened.verified] == [v.name for v in verifiers]
    assert opened.unverified == []
    assert case["note"].encode().startswith(opened.text)
    assert opened.text.endswith(b"\n") and not opened.text.endswith(b"\n\n")


@pytest.mark.parametrize("vkey", [k for c in CASES for k in c["vkeys"]])
def test_vector_key_ids_are_sha256_of_name_newline_type_and_key(vkey: str) -> None:
    name, hex8, b64 = vkey.split("+", 2)
    raw = base64.b64decode(b64)
    expected = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    assert expected.hex() == hex8
    assert key_id(name, raw[0], raw[1:]) == bytes.fromhex(hex8)
    verifier = Verifier.from_vkey(vkey)
    assert verifier.key_id.hex() == hex8
    assert verifier.vkey == vkey


@pytest.mark.parametrize("case", CASES, ids=[c["source"][:20] for c in CASES])
def test_a_flipped_bit_in_text_or_signature_fails(case: dict[str, Any]) -> None:
    note = case["note"].encode()
    verifiers = [Verifier.from_vkey(k) for k in case["vkeys"]]
    with pytest.raises(NoteError) as text_flip:
        open_note(flip_bit(note, 0), verifiers)
    assert code_of(text_flip) == "bad_signature"
    text, sigs = split_note(note)
    forged = Signature(sigs[0].name, sigs[0].key_id, flip_bit(sigs[0].sig, 10))
    tampered = text + b"\n" + forged.line().encode()
    with pytest.raises(NoteError) as sig_flip:
        open_note(tampered, verifiers)
    assert code_of(sig_flip) == "bad_signature"


@pytest.mark.parametrize("case", CASES, ids=[c["source"][:20] for c in CASES])
def test_an_unknown_key_alone_gives_no_verified_signature(case: dict[str, Any]) -> None:
    stranger = Signer.generate("stranger.example").verifier()
    with pytest.raises(NoteError) as info:
        open_note(case["note"].encode(), [stranger])
    assert code_of(info) == "no_verified_signature"
    with pytest.raises(NoteError) as none:
        open_note(case["note"].encode(), [])
    assert code_of(none) == "no_verified_signature"


def test_go_skey_reproduces_the_go_signature_byte_for_byte() -> None:
    signer = Signer.from_skey(GO_SKEY)
    assert signer.skey == GO_SKEY
    assert signer.vkey == CASES[1]["vkeys"][0]
    text, sigs = split_note(CASES[1]["note"].encode())
    assert sign_note(text, [signer]) == text + b"\n" + sigs[0].line().encode()


def test_generated_keys_round_trip_through_skey_and_vkey(alpha: Signer) -> None:
    fresh = Signer.generate("bravo.hotline.example/log")
    for signer in (alpha, fresh):
        again = Signer.from_skey(signer.skey)
        assert (again.name, again.key_id, again.vkey) == (signer.name, signer.key_id, signer.vkey)
        verifier = Verifier.from_vkey(signer.vkey)
        assert verifier == signer.verifier()
        assert verifier.key_type == 0x01
        assert verifier.verify(b"msg\n", signer.sign(b"msg\n"))
        assert not verifier.verify(b"msg!\n", signer.sign(b"msg\n"))


def test_fixed_seed_gives_a_fixed_key(alpha: Signer) -> None:
    assert (
        alpha.vkey
        == "alpha.hotline.example/log+e5ae4b64+AXm1Vi6P5lT5QHixEuipi6eQH4U65pW+1+DjkQutBJZk"
    )


def test_verifier_from_vkey_picks_the_class_by_type_byte(alpha: Signer) -> None:
    witness = CosignatureSigner.from_seed("w.example", SEED)
    assert type(verifier_from_vkey(alpha.vkey)) is Verifier
    assert type(verifier_from_vkey(witness.vkey)) is CosignatureVerifier
    # A type 0x04 vkey published by transparency-dev/formats (note_cosigv1_test.go).
    remora = verifier_from_vkey(
        "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
    )
    assert remora.key_type == 0x04


def _vkey_with(name: str, hex8: str, raw: bytes) -> str:
    return f"{name}+{hex8}+{base64.b64encode(raw).decode()}"


def _malformed_vkeys() -> list[tuple[str, str]]:
    pub = Signer.from_seed("k", SEED).public_key
    good_id = key_id("k", 1, pub).hex()
    return [
        ("k+" + good_id, "malformed_vkey"),
        ("", "malformed_vkey"),
        (_vkey_with("k", "0x" + good_id[2:], b"\x01" + pub), "malformed_vkey"),
        (_vkey_with("k", good_id[:7], b"\x01" + pub), "malformed_vkey"),
        (f"k+{good_id}+not base64!", "malformed_vkey"),
        (f"k+{good_id}+" + base64.b64encode(b"\x01" + pub).decode()[:-1], "malformed_vkey"),
        (_vkey_with("k", "00000000", b"\x01" + pub), "key_id_mismatch"),
        (_vkey_with("k", key_id("k", 1, pub[:31]).hex(), b"\x01" + pub[:31]), "malformed_vkey"),
        (_vkey_with("a b", key_id("a b", 1, pub).hex(), b"\x01" + pub), "invalid_key_name"),
        (_vkey_with("", key_id("", 1, pub).hex(), b"\x01" + pub), "invalid_key_name"),
        (_vkey_with("k", key_id("k", 4, pub).hex(), b"\x04" + pub), "wrong_key_type"),
    ]


@pytest.mark.parametrize(("vkey", "code"), _malformed_vkeys())
def test_malformed_vkeys_are_refused_with_a_reason(vkey: str, code: str) -> None:
    with pytest.raises(NoteError) as info:
        Verifier.from_vkey(vkey)
    assert code_of(info) == code


def test_verifier_from_vkey_refuses_unknown_key_types() -> None:
    pub = Signer.from_seed("k", SEED).public_key
    with pytest.raises(NoteError) as info:
        verifier_from_vkey(_vkey_with("k", key_id("k", 2, pub).hex(), b"\x02" + pub))
    assert code_of(info) == "unknown_key_type"
    assert info.value.found == 2


def test_malformed_skeys_are_refused(alpha: Signer) -> None:
    cases = {
        alpha.skey.removeprefix("PRIVATE+KEY+"): "malformed_skey",
        alpha.skey.replace("+e5ae4b64+", "+e5ae4b65+"): "key_id_mismatch",
        CosignatureSigner.from_seed("k", SEED).skey: "wrong_key_type",
    }
    for skey, code in cases.items():
        with pytest.raises(NoteError) as info:
            Signer.from_skey(skey)
        assert code_of(info) == code, skey
    with pytest.raises(NoteError) as cosigner:
        CosignatureSigner.from_skey(alpha.skey)
    assert code_of(cosigner) == "wrong_key_type"


def test_a_key_with_the_same_name_but_another_key_is_ignored(alpha: Signer) -> None:
    impostor = Signer.generate(alpha.name)
    note = sign_note(b"hello\n", [impostor])
    with pytest.raises(NoteError) as info:
        open_note(note, [alpha.verifier()])
    assert code_of(info) == "no_verified_signature"
    both = sign_note(b"hello\n", [impostor, alpha])
    opened = open_note(both, [alpha.verifier()])
    assert [s.key_id for s in opened.verified] == [alpha.key_id]
    assert [s.key_id for s in opened.unverified] == [impostor.key_id]


def test_a_signature_with_the_right_id_but_another_name_is_ignored(alpha: Signer) -> None:
    note = sign_note(b"hello\n", [alpha])
    text, sigs = split_note(note)
    renamed = Signature("other.example/log", sigs[0].key_id, sigs[0].sig)
    with pytest.raises(NoteError) as info:
        open_note(text + b"\n" + renamed.line().encode(), [alpha.verifier()])
    assert code_of(info) == "no_verified_signature"


def test_several_signatures_and_unknown_ones_are_sorted_into_verified_and_unverified(
    alpha: Signer,
) -> None:
    bravo = Signer.generate("bravo.hotline.example/log")
    charlie = Signer.generate("charlie.example")
    note = sign_note(b"three signers\n", [alpha, bravo, charlie])
    opened = open_note(note, [alpha.verifier(), bravo.verifier()])
    assert opened.text == b"three signers\n"
    assert [s.name for s in opened.verified] == [alpha.name, bravo.name]
    assert [s.name for s in opened.unverified] == [charlie.name]


def test_text_may_contain_blank_lines_and_signature_like_lines(alpha: Signer) -> None:
    text = "para one\n\n— not a signature\n\npara three\n".encode()
    opened = open_note(sign_note(text, [alpha]), [alpha.verifier()])
    assert opened.text == text


def test_add_signatures_appends_without_duplicates_and_keeps_the_text(alpha: Signer) -> None:
    bravo = Signer.generate("bravo.hotline.example/log")
    note = sign_note(b"body\n", [alpha])
    bravo_sig = Signature(bravo.name, bravo.key_id, bravo.sign(b"body\n"))
    again = Signature(alpha.name, alpha.key_id, alpha.sign(b"body\n"))
    out = add_signatures(note, [bravo_sig, again, bravo_sig])
    text, sigs = split_note(out)
    assert text == b"body\n"
    assert out.startswith(note)
    assert [s.name for s in sigs] == [alpha.name, bravo.name]
    assert len(open_note(out, [alpha.verifier(), bravo.verifier()]).verified) == 2
    assert add_signatures(out, [bravo_sig]) == out


def test_identical_duplicate_lines_count_once(alpha: Signer) -> None:
    note = sign_note(b"x\n", [alpha])
    line = split_note(note)[1][0].line().encode()
    opened = open_note(note + line, [alpha.verifier()])
    assert len(opened.verified) == 1


def _malformed_notes() -> list[tuple[bytes, str]]:
    signer = Signer.from_seed("k", SEED)
    good = sign_note(b"text\n", [signer])
    line = good.split(b"\n\n", 1)[1]
    return [
        (good[:-1], "text_not_terminated"),
        (b"text\n" + line, "no_signature_block"),
        (b"text\n\n", "no_signature_block"),
        (good + b"\n", "no_signature_block"),
        (b"te\x01xt\n\n" + line, "control_character"),
        (b"text\r\n\n" + line, "control_character"),
        (b"te\xffxt\n\n" + line, "invalid_utf8"),
        (b"text\n\n- k " + line.split(b" ", 2)[2], "malformed_signature_line"),
        (b"text\n\n" + line.replace(b" ", b"  ", 1), "malformed_signature_line"),
        (b"text\n\n" + "— k AAAA\n".encode(), "malformed_signature_line"),
        (b"text\n\n" + "— k AAAAAA==x\n".encode(), "malformed_signature_line"),
        (b"text\n\n" + "— k+1 AAAAAAA=\n".encode(), "malformed_signature_line"),
        (b"text\n\n" + "— k\n".encode(), "malformed_signature_line"),
        (b"text\n\n" + line * (MAX_SIGNATURES + 1), "too_many_signatures"),
    ]


@pytest.mark.parametrize(("note", "code"), _malformed_notes())
def test_malformed_notes_are_refused_before_any_verification(note: bytes, code: str) -> None:
    verifier = Signer.from_seed("k", SEED).verifier()
    with pytest.raises(NoteError) as info:
        open_note(note, [verifier])
    assert code_of(info) == code
    with pytest.raises(NoteError):
        split_note(note)


def test_a_hundred_signatures_are_accepted(alpha: Signer) -> None:
    others = [Signer.from_seed(f"s{i}.example", bytes([i]) * 32) for i in range(MAX_SIGNATURES - 1)]
    note = sign_note(b"crowd\n", [alpha, *others])
    assert len(split_note(note)[1]) == MAX_SIGNATURES
    assert len(open_note(note, [alpha.verifier()]).unverified) == MAX_SIGNATURES - 1
    extra = Signer.from_seed("one.too.many", bytes([255]) * 32)
    with pytest.raises(NoteError) as info:
        add_signatures(note, [Signature(extra.name, extra.key_id, extra.sign(b"crowd\n"))])
    assert code_of(info) == "too_many_signatures"


def test_sign_note_refuses_text_without_final_newline_or_without_signers(alpha: Signer) -> None:
    with pytest.raises(NoteError) as unterminated:
        sign_note(b"no newline", [alpha])
    assert code_of(unterminated) == "text_not_terminated"
    with pytest.raises(NoteError) as unsigned:
        sign_note(b"text\n", [])
    assert code_of(unsigned) == "no_signature_block"


def test_two_trusted_keys_with_the_same_name_and_id_are_ambiguous(alpha: Signer) -> None:
    note = sign_note(b"x\n", [alpha])

    class Twin(Verifier):
        @property
        def key_id(self) -> bytes:
            return alpha.key_id

    twin = Twin(alpha.name, Signer.generate("x").public_key)
    with pytest.raises(NoteError) as info:
        open_note(note, [alpha.verifier(), twin])
    assert code_of(info) == "ambiguous_key"


def test_signature_line_format_uses_em_dash_name_and_base64(alpha: Signer) -> None:
    sig = Signature(alpha.name, alpha.key_id, b"\x00" * 64)
    assert (
        sig.line()
        == "— alpha.hotline.example/log "
        + base64.b64encode(alpha.key_id + b"\x00" * 64).decode()
        + "\n"
    )
    assert Signature.parse_line(sig.line()[:-1]) == sig
    with pytest.raises(NoteError):
        Signature("bad name", alpha.key_id, b"\x00")
    with pytest.raises(NoteError):
        Signature(alpha.name, b"\x00", b"\x00")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("QQ==", b"A"),
        ("QUI=", b"AB"),
        ("QUJD", b"ABC"),
        ("", b""),
        ("QR==", None),  # the same byte with non-zero unused bits: not its canonical spelling
        ("QUJ=", None),
        ("QQ", None),
        ("QQ==\n", None),
        (" QQ==", None),
        ("Q-==", None),
        ("QQ==QQ==", None),
        ("QQ=é", None),
    ],
)
def test_base64_is_read_only_in_its_one_canonical_spelling(text: str, expected: Any) -> None:
    assert b64decode_strict(text) == expected
