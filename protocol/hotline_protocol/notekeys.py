"""Ed25519 keys for signed notes (C2SP signed-note v1.0.0), as Go's sumdb/note spells them.

The key ID is the first four bytes of SHA-256(key name ‖ 0x0A ‖ type byte ‖ public key). Keys
travel as text:

* vkey (public): ``<name>+<hex8 key ID>+base64(type ‖ public key)``
* skey (private, golang.org/x/mod/sumdb/note compatible): ``PRIVATE+KEY+<name>+<hex8>+base64(type ‖
  32-byte seed)``

Type 0x01 (plain Ed25519) lives here; type 0x04 (timestamped cosignatures) in ``cosignature``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import ClassVar, Self

import pybase64
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .errors import NoteError

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
_HEX8 = re.compile(r"[0-9a-fA-F]{8}")
_NOT_IN_NAME = re.compile(r"[\s+\x00-\x1f]")  # \s: exactly what str.isspace() is true of


def is_valid_key_name(name: str) -> bool:
    """Non-empty, no Unicode space, no ``+``, no control character."""
    return bool(name) and _NOT_IN_NAME.search(name) is None


def key_id(name: str, key_type: int, public_key: bytes) -> bytes:
    """SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([key_type]) + public_key).digest()[:4]


def b64decode_strict(text: str) -> bytes | None:
    """Standard padded base64 in its one canonical spelling, or None. (pybase64's vectorised
    codec: an auditor reads every entry through this, and the standard library's decoding and
    encoding back were a seventh of the instructions it spent on an entry.)"""
    try:
        raw = pybase64.b64decode(text, validate=True)
        return raw if pybase64.b64encode(raw) == text.encode() else None
    except (binascii.Error, ValueError):
        return None


def _parse_key_text(text: str, *, private: bool) -> tuple[str, bytes, int, bytes]:
    """Split ``[PRIVATE+KEY+]name+hex8+base64(type‖key)`` into (name, id, type, key)."""
    code = "malformed_skey" if private else "malformed_vkey"
    what = "signer key" if private else "verifier key"
    if private:
        if not text.startswith("PRIVATE+KEY+"):
            raise NoteError(f"{what} must start with PRIVATE+KEY+", code=code)
        text = text[len("PRIVATE+KEY+") :]
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise NoteError(f"{what} must be name+id+key", code=code)
    name, hex8, b64 = parts
    _check_name(name)
    if not _HEX8.fullmatch(hex8):
        raise NoteError(f"{what} id must be 8 hex digits", code=code, found=hex8)
    raw = b64decode_strict(b64)
    if not raw:
        raise NoteError(f"{what} key is not base64", code=code)
    return name, bytes.fromhex(hex8), raw[0], raw[1:]


def _check(expected: object, found: object, code: str, message: str) -> None:
    if found != expected:
        raise NoteError(message, code=code, expected=expected, found=found)


def _check_name(name: str) -> None:
    if not is_valid_key_name(name):
        raise NoteError("invalid key name", code="invalid_key_name", found=name)


class _NamedKey:
    """What signers and verifiers share: a name, a type byte, a public key and its key ID."""

    KEY_TYPE: ClassVar[int] = ED25519

    def __init__(self, name: str, public_key: bytes) -> None:
        _check_name(name)
        _check(32, len(public_key), "malformed_vkey", "Ed25519 public key must be 32 bytes")
        self._name = name
        self._public = bytes(public_key)
        self._key_id = key_id(name, self.KEY_TYPE, self._public)

    @property
    def name(self) -> str:
        return self._name

    @property
    def key_id(self) -> bytes:
        return self._key_id

    @property
    def key_type(self) -> int:
        return self.KEY_TYPE

    @property
    def public_key(self) -> bytes:
        return self._public

    @property
    def vkey(self) -> str:
        body = base64.b64encode(bytes([self.KEY_TYPE]) + self._public).decode()
        return f"{self._name}+{self._key_id.hex()}+{body}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.vkey!r})"


class Ed25519KeyPair(_NamedKey):
    """An Ed25519 private key with a name; subclasses fix the note signature type byte."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        super().__init__(name, private_key.public_key().public_bytes_raw())
        self._private = private_key

    @classmethod
    def generate(cls, name: str) -> Self:
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> Self:
        _check(32, len(seed), "malformed_skey", "Ed25519 seed must be 32 bytes")
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def from_skey(cls, text: str) -> Self:
        """Parse ``PRIVATE+KEY+name+hex8+base64(type‖seed)``; type and key ID must match."""
        name, kid, key_type, seed = _parse_key_text(text.strip(), private=True)
        _check(cls.KEY_TYPE, key_type, "wrong_key_type", "signer key has the wrong key type")
        signer = cls.from_seed(name, seed)
        _check(signer.key_id, kid, "key_id_mismatch", "signer key id does not match its key")
        return signer

    @property
    def skey(self) -> str:
        body = base64.b64encode(bytes([self.KEY_TYPE]) + self._private.private_bytes_raw())
        return f"PRIVATE+KEY+{self._name}+{self._key_id.hex()}+{body.decode()}"


class Signer(Ed25519KeyPair):
    """A note signer (type 0x01): signs the note text itself."""

    def sign(self, msg: bytes) -> bytes:
        return self._private.sign(msg)

    def verifier(self) -> Verifier:
        return Verifier(self.name, self.public_key)


class Verifier(_NamedKey):
    """A trusted public key (type 0x01) that verifies note signatures."""

    def __init__(self, name: str, public_key: bytes) -> None:
        super().__init__(name, public_key)
        self._key = Ed25519PublicKey.from_public_bytes(self._public)

    @classmethod
    def from_vkey(cls, text: str) -> Self:
        """Parse ``name+hex8+base64(type‖key)``; name, type, length and key ID are checked."""
        name, kid, key_type, key = _parse_key_text(text.strip(), private=False)
        _check(cls.KEY_TYPE, key_type, "wrong_key_type", "verifier key has the wrong key type")
        verifier = cls(name, key)
        _check(verifier.key_id, kid, "key_id_mismatch", "verifier key id does not match its key")
        return verifier

    def verify(self, msg: bytes, sig: bytes) -> bool:
        """Whether ``sig`` (the bytes after the key ID) is this key's signature of ``msg``."""
        if len(sig) != 64:
            return False
        try:
            self._key.verify(sig, msg)
        except InvalidSignature:
            return False
        return True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Verifier) and self._ident() == other._ident()

    def __hash__(self) -> int:
        return hash(self._ident())

    def _ident(self) -> tuple[int, str, bytes]:
        return (self.KEY_TYPE, self._name, self._public)


def verifier_from_vkey(text: str) -> Verifier:
    """A verifier of the class its type byte names: 0x01 :class:`Verifier`, 0x04
    :class:`~hotline_protocol.cosignature.CosignatureVerifier`."""
    from .cosignature import CosignatureVerifier  # defined there; imported late to avoid a cycle

    _, _, key_type, _ = _parse_key_text(text.strip(), private=False)
    for cls in (Verifier, CosignatureVerifier):
        if cls.KEY_TYPE == key_type:
            return cls.from_vkey(text)
    raise NoteError("unsupported key type", code="unknown_key_type", found=key_type)
