"""The peer link's messages and its handshake: JSON objects with a ``type``; binary values in
base64.

hello        listener → dialer   {origin, nonce}
auth         dialer → listener   {origin, nonce, sig}
welcome      listener → dialer   {sig}
status       both                {size, have, cosigned}
entries      sender → receiver   {start, entries: [entry…]}
checkpoint   sender → receiver   {note, old, proof: [hash…]}
cosignature  receiver → sender   {size, line}
flash        sender → receiver   {index, entry, note, proof: [hash…]}
refused      either              {reason, detail}
recover      recovering → holder {size}
recovered    holder → recovering {start, entries: [entry…], note}

A malformed message raises :class:`~hotline_protocol.errors.MessageError` with code
``bad_message``. In the handshake each node proves possession of its log key: the listener sends
a fresh nonce; the dialer signs a transcript naming both origins and both nonces and sends its
own nonce; the listener checks that signature with the pinned log vkey and signs the mirrored
transcript. A transcript starts with ``hotline-peer-auth/v1`` and its second line is a role word,
so it can never be mistaken for a checkpoint (whose second line is a size). A nonce or signature
that does not verify raises :class:`~hotline_protocol.errors.HandshakeError` (``bad_auth``).
"""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any

import orjson

from .errors import HandshakeError, MessageError
from .note import Signer, Verifier

MAX_ENTRIES_PER_MESSAGE = 256
MAX_PROOF = 64
NONCE_BYTES = 32

_FIELDS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "hello": {"origin": str, "nonce": str},
    "auth": {"origin": str, "nonce": str, "sig": str},
    "welcome": {"sig": str},
    "status": {"size": int, "have": int, "cosigned": int},
    "entries": {"start": int, "entries": list},
    "checkpoint": {"note": str, "old": int, "proof": list},
    "cosignature": {"size": int, "line": str},
    "flash": {"index": int, "entry": str, "note": str, "proof": list},
    "refused": {"reason": str, "detail": str},
    # a node restored from an older backup asks the peer for its own feed from ``size``; the
    # peer sends it back in runs, the last with ``note``: the checkpoint it cosigned ("" before)
    "recover": {"size": int},
    "recovered": {"start": int, "entries": list, "note": str},
}
FIELDS = _FIELDS  # each message type's fields and their JSON types, as :func:`decode` checks them


def encode(kind: str, **fields: Any) -> str:
    return orjson.dumps({"type": kind, **fields}).decode()


def decode(text: str) -> dict[str, Any]:
    """Parse and shape-check a message; MessageError ``bad_message`` otherwise."""
    try:
        msg = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise MessageError("bad_message", f"not JSON: {exc}") from exc
    if not isinstance(msg, dict) or msg.get("type") not in _FIELDS:
        kind = msg.get("type") if isinstance(msg, dict) else None
        raise MessageError("bad_message", f"unknown message type {kind!r}")
    spec = _FIELDS[msg["type"]]
    extra = set(msg) - set(spec) - {"type"}
    if extra:
        raise MessageError("bad_message", f"{msg['type']}: unknown fields {sorted(extra)}")
    for name, typ in spec.items():
        value = msg.get(name)
        if not isinstance(value, typ) or isinstance(value, bool):
            raise MessageError("bad_message", f"{msg['type']}.{name} missing or not {typ}")
        if isinstance(value, int) and value < 0:
            raise MessageError("bad_message", f"{msg['type']}.{name} is negative")
    return msg


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: Any, what: str) -> bytes:
    if not isinstance(text, str):
        raise MessageError("bad_message", f"{what} is not a base64 string")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MessageError("bad_message", f"{what} is not base64") from exc


def hashes(values: list[Any], what: str) -> list[bytes]:
    if len(values) > MAX_PROOF:
        raise MessageError("bad_message", f"{what} has more than {MAX_PROOF} hashes")
    out = [unb64(v, what) for v in values]
    if any(len(h) != 32 for h in out):
        raise MessageError("bad_message", f"{what} holds a hash that is not 32 bytes")
    return out


# the handshake --------------------------------------------------------------------------------
def new_nonce() -> str:
    return b64(secrets.token_bytes(NONCE_BYTES))


def check_nonce(nonce: str) -> None:
    """MessageError unless ``nonce`` is base64; HandshakeError unless it holds 32 bytes."""
    if len(unb64(nonce, "nonce")) != NONCE_BYTES:
        raise HandshakeError(f"nonce must be {NONCE_BYTES} bytes")


def transcript(role: str, signer: str, verifier: str, their_nonce: str, my_nonce: str) -> bytes:
    return (
        f"hotline-peer-auth/v1\n{role}\n{signer}\n{verifier}\n{their_nonce}\n{my_nonce}\n"
    ).encode()


def sign(role: str, key: Signer, peer_origin: str, their_nonce: str, my_nonce: str) -> str:
    return b64(key.sign(transcript(role, key.name, peer_origin, their_nonce, my_nonce)))


def check(
    role: str, verifier: Verifier, my_origin: str, my_nonce: str, their_nonce: str, sig: str
) -> None:
    """HandshakeError unless ``sig`` is the peer's signature over the transcript (MessageError
    when the nonce or the signature is not base64)."""
    check_nonce(their_nonce)
    message = transcript(role, verifier.name, my_origin, my_nonce, their_nonce)
    if not verifier.verify(message, unb64(sig, "sig")):
        raise HandshakeError("signature does not verify with the pinned log key")
