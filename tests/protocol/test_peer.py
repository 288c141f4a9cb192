"""Peer-link messages and handshake: every message is a JSON object of a known type with exactly
its fields, of the right types; binary values are canonical base64; the handshake transcript is
signed by the log key and checked against the pinned one."""

from __future__ import annotations

from typing import Any

import pytest

from hotline_protocol import peer as m
from hotline_protocol.errors import HandshakeError, MessageError, ProtocolError
from hotline_protocol.note import Signer
from hotline_protocol.peer import check, check_nonce, new_nonce, sign, transcript

GOOD: dict[str, dict[str, Any]] = {
    "hello": {"origin": "a.example", "nonce": "AA=="},
    "auth": {"origin": "a.example", "nonce": "AA==", "sig": "AA=="},
    "welcome": {"sig": "AA=="},
    "status": {"size": 3, "have": 2, "cosigned": 1},
    "entries": {"start": 0, "entries": ["AA=="]},
    "checkpoint": {"note": "x", "old": 0, "proof": []},
    "cosignature": {"size": 1, "line": "— x AAAA"},
    "flash": {"index": 0, "entry": "AA==", "note": "x", "proof": []},
    "refused": {"reason": "gap", "detail": "entries start at 4, expected 3"},
    "recover": {"size": 3},
    "recovered": {"start": 3, "entries": ["AA=="], "note": ""},
}


@pytest.mark.parametrize("kind", list(GOOD))
def test_every_message_round_trips(kind: str) -> None:
    text = m.encode(kind, **GOOD[kind])
    assert m.decode(text) == {"type": kind, **GOOD[kind]}
    assert text.startswith(f'{{"type":"{kind}",')  # compact JSON, type first


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "unknown message type None"),
        ('{"type": "gossip"}', "unknown message type 'gossip'"),
        ('{"size": 1}', "unknown message type None"),
        ('{"type": "status", "size": 1, "have": 0}', "status.cosigned missing"),
        ('{"type": "status", "size": 1, "have": 0, "cosigned": 0, "x": 1}', "unknown fields"),
        ('{"type": "status", "size": -1, "have": 0, "cosigned": 0}', "negative"),
        ('{"type": "status", "size": true, "have": 0, "cosigned": 0}', "status.size"),
        ('{"type": "status", "size": 1.0, "have": 0, "cosigned": 0}', "status.size"),
        ('{"type": "status", "size": "1", "have": 0, "cosigned": 0}', "status.size"),
        ('{"type": "entries", "start": 0, "entries": "AA=="}', "entries.entries"),
        ('{"type": "refused", "reason": 1, "detail": ""}', "refused.reason"),
        ("[" * 100_000, "not JSON"),
    ],
)
def test_malformed_messages_are_refused(text: str, detail: str) -> None:
    with pytest.raises(MessageError) as info:
        m.decode(text)
    assert info.value.code == "bad_message"
    assert detail in info.value.detail
    assert isinstance(info.value, ProtocolError)


def test_base64_and_hashes() -> None:
    assert m.unb64(m.b64(b"\x00\xff"), "x") == b"\x00\xff"
    for bad in ("not base64!", "AA=", 5, None):
        with pytest.raises(MessageError) as info:
            m.unb64(bad, "x")
        assert info.value.code == "bad_message"
    h = m.b64(bytes(32))
    assert m.hashes([h, h], "proof") == [bytes(32)] * 2
    with pytest.raises(MessageError, match="not 32 bytes"):
        m.hashes([m.b64(bytes(31))], "proof")
    with pytest.raises(MessageError, match="more than 64"):
        m.hashes([h] * 65, "proof")


def test_auth_transcript_bytes_and_checks() -> None:
    key = Signer.generate("alpha.hotline.example")
    theirs, mine = new_nonce(), new_nonce()
    assert transcript("dialer", "a", "b", theirs, mine) == (
        f"hotline-peer-auth/v1\ndialer\na\nb\n{theirs}\n{mine}\n".encode()
    )
    sig = sign("dialer", key, "bravo.hotline.example", theirs, mine)
    # the listener (bravo) checks it: its own nonce is ``theirs`` from the dialer's view
    check("dialer", key.verifier(), "bravo.hotline.example", theirs, mine, sig)
    for role, origin, nonce in [
        ("listener", "bravo.hotline.example", theirs),  # another role
        ("dialer", "charlie.hotline.example", theirs),  # addressed to someone else
        ("dialer", "bravo.hotline.example", new_nonce()),  # another challenge
    ]:
        with pytest.raises(HandshakeError) as info:
            check(role, key.verifier(), origin, nonce, mine, sig)
        assert info.value.code == "bad_auth"
        assert info.value.message == "signature does not verify with the pinned log key"
    with pytest.raises(HandshakeError, match="32 bytes"):
        check("dialer", key.verifier(), "bravo.hotline.example", theirs, m.b64(b"short"), sig)
    with pytest.raises(MessageError, match="nonce is not base64"):
        check("dialer", key.verifier(), "bravo.hotline.example", theirs, "not base64!", sig)
    with pytest.raises(MessageError, match="sig is not base64"):
        check("dialer", key.verifier(), "bravo.hotline.example", theirs, mine, "AA=")


def test_nonces_are_fresh_32_bytes() -> None:
    nonces = {new_nonce() for _ in range(8)}
    assert len(nonces) == 8
    for nonce in nonces:
        assert len(m.unb64(nonce, "nonce")) == 32
        check_nonce(nonce)
    with pytest.raises(HandshakeError) as info:
        check_nonce(m.b64(bytes(31)))
    assert (info.value.code, info.value.message) == ("bad_auth", "nonce must be 32 bytes")
