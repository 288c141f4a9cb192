"""Signed notes (C2SP signed-note v1.0.0); their keys are in ``notekeys`` (re-exported here).

A signed note is a text ending in a newline, a blank line, then one or more signature lines
``— <key name> base64(key ID ‖ signature)``. The key ID is the first four bytes of
SHA-256(key name ‖ 0x0A ‖ type byte ‖ public key). Keys travel as text:

* vkey (public): ``<name>+<hex8 key ID>+base64(type ‖ public key)``
* skey (private, golang.org/x/mod/sumdb/note compatible): ``PRIVATE+KEY+<name>+<hex8>+base64(type ‖
  32-byte seed)``

:func:`open_note` verifies signatures before anyone reads the text; nothing here parses the text.
Type 0x01 (plain Ed25519) lives here; type 0x04 (timestamped cosignatures) in ``cosignature``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import NoteError
from .notekeys import (
    COSIGNATURE_V1,
    ED25519,
    Ed25519KeyPair,
    Signer,
    Verifier,
    _check_name,
    b64decode_strict,
    is_valid_key_name,
    key_id,
    verifier_from_vkey,
)

MAX_SIGNATURES = 100
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")  # a control character but newline
_PREFIX = "— "


def check_text(text: bytes) -> str:
    """Note text rules: UTF-8, no control character but newline, ends in newline."""
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NoteError("note is not valid UTF-8", code="invalid_utf8") from exc
    control = _CONTROL.search(decoded)
    if control is not None:
        raise NoteError(
            "note holds a control character", code="control_character", found=control.start()
        )
    if not decoded.endswith("\n"):
        raise NoteError("note text must end in a newline", code="text_not_terminated")
    return decoded


@dataclass(frozen=True, slots=True)
class Signature:
    """One signature line: key name, 4-byte key ID and the signature bytes after it."""

    name: str
    key_id: bytes
    sig: bytes

    def __post_init__(self) -> None:
        _check_name(self.name)
        if len(self.key_id) != 4 or not self.sig:
            raise NoteError(
                "signature needs a 4-byte key id and a signature", code="malformed_signature_line"
            )

    @classmethod
    def parse_line(cls, line: str) -> Signature:
        """Parse one line without its newline: ``— <name> <base64>``."""
        if not line.startswith(_PREFIX):
            raise NoteError(
                "signature line must start with an em dash and a space",
                code="malformed_signature_line",
                found=line,
            )
        name, sep, b64 = line[len(_PREFIX) :].partition(" ")
        raw = b64decode_strict(b64)
        if not sep or not is_valid_key_name(name) or raw is None or len(raw) < 5:
            raise NoteError("malformed signature line", code="malformed_signature_line", found=line)
        return cls(name, raw[:4], raw[4:])

    def line(self) -> str:
        return f"{_PREFIX}{self.name} {base64.b64encode(self.key_id + self.sig).decode()}\n"


@dataclass(frozen=True, slots=True)
class OpenedNote:
    """A note whose signatures were checked: ``text`` may be read only because one verified."""

    text: bytes
    verified: list[Signature]
    unverified: list[Signature]


def split_note(note: bytes) -> tuple[bytes, list[Signature]]:
    """Check the note syntax and split it into text and signatures; verifies nothing."""
    check_text(note)
    split = note.rfind(b"\n\n")
    if split < 0:
        raise NoteError("note has no blank line before its signatures", code="no_signature_block")
    text, block = note[: split + 1], note[split + 2 :]
    lines = block.decode().split("\n")[:-1] if block else []
    if not lines:
        raise NoteError("note has no signature lines", code="no_signature_block")
    _check_count(len(lines))
    return text, [Signature.parse_line(line) for line in lines]


def sign_note(text: bytes, signers: Iterable[Signer]) -> bytes:
    """Sign ``text`` (which must end in a newline) with every signer, in order."""
    check_text(text)
    sigs = [Signature(s.name, s.key_id, s.sign(text)) for s in signers]
    if not sigs:
        raise NoteError("a note needs at least one signer", code="no_signature_block")
    return _join(text, _unique(sigs))


def add_signatures(note: bytes, sigs: Iterable[Signature]) -> bytes:
    """Append signature lines; a key (name and ID) already present keeps its first line.

    Verifies nothing: check each signature (e.g. ``verify_cosignature``) before adding it.
    """
    text, existing = split_note(note)
    return _join(text, _unique([*existing, *sigs]))


def open_note(note: bytes, verifiers: Iterable[Verifier]) -> OpenedNote:
    """Verify the note's signatures against trusted keys, then hand out the text.

    Signatures from unknown keys (name and ID not both known) are listed as unverified. A known
    key whose signature fails → ``bad_signature``; no known key signed → ``no_verified_signature``.
    """
    known: dict[tuple[str, bytes], Verifier] = {}
    for v in verifiers:
        prior = known.setdefault((v.name, v.key_id), v)
        if prior != v:
            raise NoteError(
                "two trusted keys share a name and key id",
                code="ambiguous_key",
                found=f"{v.name}+{v.key_id.hex()}",
            )
    text, sigs = split_note(note)
    verified: list[Signature] = []
    unverified: list[Signature] = []
    for sig in dict.fromkeys(sigs):
        key = known.get((sig.name, sig.key_id))
        if key is None:
            unverified.append(sig)
        elif key.verify(text, sig.sig):
            verified.append(sig)
        else:
            raise NoteError(
                "signature from a trusted key does not verify",
                code="bad_signature",
                found=f"{sig.name}+{sig.key_id.hex()}",
            )
    if not verified:
        raise NoteError(
            "no trusted key signed this note",
            code="no_verified_signature",
            expected=sorted(f"{n}+{k.hex()}" for n, k in known),
            found=[f"{s.name}+{s.key_id.hex()}" for s in unverified],
        )
    return OpenedNote(text, verified, unverified)


def _unique(sigs: list[Signature]) -> list[Signature]:
    seen: dict[tuple[str, bytes], Signature] = {}
    for sig in sigs:
        seen.setdefault((sig.name, sig.key_id), sig)
    _check_count(len(seen))
    return list(seen.values())


def _check_count(count: int) -> None:
    if count > MAX_SIGNATURES:
        raise NoteError(
            "too many signatures", code="too_many_signatures", expected=MAX_SIGNATURES, found=count
        )


def _join(text: bytes, sigs: list[Signature]) -> bytes:
    return text + b"\n" + "".join(s.line() for s in sigs).encode()


__all__ = [
    "COSIGNATURE_V1",
    "ED25519",
    "MAX_SIGNATURES",
    "Ed25519KeyPair",
    "OpenedNote",
    "Signature",
    "Signer",
    "Verifier",
    "add_signatures",
    "b64decode_strict",
    "check_text",
    "is_valid_key_name",
    "key_id",
    "open_note",
    "sign_note",
    "split_note",
    "verifier_from_vkey",
]
