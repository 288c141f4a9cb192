"""Timestamped Ed25519 witness cosignatures (C2SP tlog-cosignature v1.0.1, note type 0x04).

A cosignature is a note signature line on a checkpoint whose signature bytes are::

    u64 big-endian timestamp ‖ Ed25519(b"cosignature/v1\\ntime <timestamp>\\n" ‖ checkpoint body)

The key ID is SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4], so a cosigner key never matches a
plain (0x01) verifier of the same name and key. Timestamps are POSIX seconds, passed in.
"""

from __future__ import annotations

from .errors import NoteError
from .note import (
    COSIGNATURE_V1,
    Ed25519KeyPair,
    Signature,
    Verifier,
    check_text,
)

MAX_TIMESTAMP = 2**63 - 1
_SIG_LEN = 8 + 64


def cosignature_message(body: bytes, timestamp: int) -> bytes:
    """The bytes a cosigner signs for a checkpoint ``body`` at ``timestamp``."""
    _check_timestamp(timestamp)
    return b"cosignature/v1\ntime %d\n" % timestamp + body


class CosignatureSigner(Ed25519KeyPair):
    """A witness key (type 0x04). It only makes cosignatures, never plain note signatures."""

    KEY_TYPE = COSIGNATURE_V1

    def cosign(self, body: bytes, timestamp: int) -> bytes:
        """timestamp ‖ signature over :func:`cosignature_message` (the bytes after the key ID)."""
        check_text(body)
        if body.count(b"\n") < 3:
            raise NoteError("a checkpoint body has at least three lines", code="not_a_checkpoint")
        signature = self._private.sign(cosignature_message(body, timestamp))
        return timestamp.to_bytes(8, "big") + signature

    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier(self.name, self.public_key)


class CosignatureVerifier(Verifier):
    """A trusted witness key (type 0x04). As a note :class:`Verifier` it checks cosignatures,
    so :func:`~hotline_protocol.note.open_note` handles log signatures and cosignatures alike."""

    KEY_TYPE = COSIGNATURE_V1

    def verify(self, msg: bytes, sig: bytes) -> bool:
        if len(sig) != _SIG_LEN:
            return False
        timestamp = int.from_bytes(sig[:8], "big")
        if timestamp > MAX_TIMESTAMP:
            return False
        return super().verify(cosignature_message(msg, timestamp), sig[8:])


def cosignature_timestamp(sig: bytes) -> int:
    """The timestamp carried by cosignature bytes (after the key ID); NoteError if malformed."""
    if len(sig) != _SIG_LEN:
        raise NoteError(
            "cosignature has the wrong length",
            code="malformed_cosignature",
            expected=_SIG_LEN,
            found=len(sig),
        )
    timestamp = int.from_bytes(sig[:8], "big")
    _check_timestamp(timestamp)
    return timestamp


def cosign(checkpoint_body: bytes, signer: CosignatureSigner, timestamp: int) -> Signature:
    """The signature line ``signer`` adds to the checkpoint with this body at ``timestamp``."""
    return Signature(signer.name, signer.key_id, signer.cosign(checkpoint_body, timestamp))


def verify_cosignature(
    checkpoint_body: bytes, signature: Signature, verifier: CosignatureVerifier
) -> int:
    """Check that ``signature`` is ``verifier``'s cosignature of the body; return its timestamp.

    Raises NoteError: ``unknown_key`` if name or key ID differ from the verifier's,
    ``bad_signature`` if the signature does not verify.
    """
    if (signature.name, signature.key_id) != (verifier.name, verifier.key_id):
        raise NoteError(
            "cosignature is from another key",
            code="unknown_key",
            expected=f"{verifier.name}+{verifier.key_id.hex()}",
            found=f"{signature.name}+{signature.key_id.hex()}",
        )
    timestamp = cosignature_timestamp(signature.sig)
    if not verifier.verify(checkpoint_body, signature.sig):
        raise NoteError(
            "cosignature does not verify",
            code="bad_signature",
            found=f"{signature.name}+{signature.key_id.hex()}",
        )
    return timestamp


def _check_timestamp(timestamp: int) -> None:
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise NoteError(
            "cosignature timestamp out of range",
            code="invalid_timestamp",
            expected=f"0..{MAX_TIMESTAMP}",
            found=timestamp,
        )


__all__ = [
    "MAX_TIMESTAMP",
    "CosignatureSigner",
    "CosignatureVerifier",
    "cosign",
    "cosignature_message",
    "cosignature_timestamp",
    "verify_cosignature",
]
