"""Mutual authentication on the peer link: each node proves possession of its log key.

The listener sends a fresh nonce; the dialer signs a transcript naming both origins and both
nonces and sends its own nonce; the listener checks that signature with the pinned log vkey and
signs the mirrored transcript. A transcript starts with ``hotline-peer-auth/v1`` and its second
line is a role word, so it can never be mistaken for a checkpoint (whose second line is a size).
"""

from __future__ import annotations

import secrets

from hotline_protocol.note import Signer, Verifier

from .errors import LinkError
from .messages import b64, unb64

NONCE_BYTES = 32


def new_nonce() -> str:
    return b64(secrets.token_bytes(NONCE_BYTES))


def transcript(role: str, signer: str, verifier: str, their_nonce: str, my_nonce: str) -> bytes:
    return (
        f"hotline-peer-auth/v1\n{role}\n{signer}\n{verifier}\n{their_nonce}\n{my_nonce}\n"
    ).encode()


def sign(role: str, key: Signer, peer_origin: str, their_nonce: str, my_nonce: str) -> str:
    return b64(key.sign(transcript(role, key.name, peer_origin, their_nonce, my_nonce)))


def check(
    role: str, verifier: Verifier, my_origin: str, my_nonce: str, their_nonce: str, sig: str
) -> None:
    """LinkError ``bad_auth`` unless ``sig`` is the peer's signature over the transcript."""
    if len(unb64(their_nonce, "nonce")) != NONCE_BYTES:
        raise LinkError("bad_auth", "nonce must be 32 bytes", 4401)
    message = transcript(role, verifier.name, my_origin, my_nonce, their_nonce)
    if not verifier.verify(message, unb64(sig, "sig")):
        raise LinkError("bad_auth", "signature does not verify with the pinned log key", 4401)
