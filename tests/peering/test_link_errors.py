"""The link's edge: the protocol library's message and handshake errors become the LinkError
that closes the link, with the close code (the transport's table), reason and detail the peer
sees."""

from __future__ import annotations

import pytest

from hotline.errors import LinkError, Refusal
from hotline.peering.errors import link_errors
from hotline.peering.transport import close_code
from hotline_protocol import peer as m
from hotline_protocol.note import Signer


def test_a_handshake_that_does_not_verify_closes_with_4401() -> None:
    key = Signer.generate("alpha.hotline.example")
    theirs, mine = m.new_nonce(), m.new_nonce()
    sig = m.sign("dialer", key, "bravo.hotline.example", theirs, mine)
    with pytest.raises(LinkError) as info, link_errors():
        m.check("listener", key.verifier(), "bravo.hotline.example", theirs, mine, sig)
    assert (info.value.reason, close_code(info.value)) == ("bad_auth", 4401)
    assert str(info.value) == "bad_auth: signature does not verify with the pinned log key"
    assert not isinstance(info.value, Refusal)
    with pytest.raises(LinkError) as info, link_errors():
        m.check_nonce(m.b64(b"short"))
    assert (info.value.reason, info.value.detail, close_code(info.value)) == (
        "bad_auth",
        "nonce must be 32 bytes",
        4401,
    )


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("{not json", "not JSON"),
        ('{"type": "gossip"}', "unknown message type 'gossip'"),
        ('{"type": "status", "size": 1, "have": 0}', "status.cosigned missing"),
    ],
)
def test_a_malformed_message_closes_with_4400(text: str, detail: str) -> None:
    with pytest.raises(LinkError) as info, link_errors():
        m.decode(text)
    assert (info.value.reason, close_code(info.value)) == ("bad_message", 4400)
    assert detail in info.value.detail
    assert str(info.value) == f"bad_message: {info.value.detail}"


def test_a_nonce_that_is_not_base64_is_a_bad_message() -> None:
    with pytest.raises(LinkError) as info, link_errors():
        m.check_nonce("not base64!")
    assert (info.value.reason, info.value.detail, close_code(info.value)) == (
        "bad_message",
        "nonce is not base64",
        4400,
    )


def test_other_errors_pass_through() -> None:
    with pytest.raises(ValueError, match="other"), link_errors():
        raise ValueError("other")
