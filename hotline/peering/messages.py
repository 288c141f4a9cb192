"""Peer-link messages: JSON objects with a ``type``; binary values in base64.

hello        listener → dialer   {origin, nonce}
auth         dialer → listener   {origin, nonce, sig}
welcome      listener → dialer   {sig}
status       both                {size, have, cosigned}
entries      sender → receiver   {start, entries: [entry…]}
checkpoint   sender → receiver   {note, old, proof: [hash…]}
cosignature  receiver → sender   {size, line}
flash        sender → receiver   {index, entry, note, proof: [hash…]}
refused      either              {reason, detail}
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from .errors import LinkError

MAX_ENTRIES_PER_MESSAGE = 256
MAX_PROOF = 64

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
}


def encode(kind: str, **fields: Any) -> str:
    return orjson.dumps({"type": kind, **fields}).decode()


def decode(text: str) -> dict[str, Any]:
    """Parse and shape-check a message; LinkError ``bad_message`` otherwise."""
    try:
        msg = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise LinkError("bad_message", f"not JSON: {exc}") from exc
    if not isinstance(msg, dict) or msg.get("type") not in _FIELDS:
        kind = msg.get("type") if isinstance(msg, dict) else None
        raise LinkError("bad_message", f"unknown message type {kind!r}")
    spec = _FIELDS[msg["type"]]
    extra = set(msg) - set(spec) - {"type"}
    if extra:
        raise LinkError("bad_message", f"{msg['type']}: unknown fields {sorted(extra)}")
    for name, typ in spec.items():
        value = msg.get(name)
        if not isinstance(value, typ) or isinstance(value, bool):
            raise LinkError("bad_message", f"{msg['type']}.{name} missing or not {typ}")
        if isinstance(value, int) and value < 0:
            raise LinkError("bad_message", f"{msg['type']}.{name} is negative")
    return msg


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: Any, what: str) -> bytes:
    if not isinstance(text, str):
        raise LinkError("bad_message", f"{what} is not a base64 string")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise LinkError("bad_message", f"{what} is not base64") from exc


def hashes(values: list[Any], what: str) -> list[bytes]:
    if len(values) > MAX_PROOF:
        raise LinkError("bad_message", f"{what} has more than {MAX_PROOF} hashes")
    out = [unb64(v, what) for v in values]
    if any(len(h) != 32 for h in out):
        raise LinkError("bad_message", f"{what} holds a hash that is not 32 bytes")
    return out
