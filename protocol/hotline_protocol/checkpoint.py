"""Checkpoints (C2SP tlog-checkpoint v1.0.0): a log's signed tree head, as a signed note.

The body is three or more newline-terminated lines::

    <origin>
    <tree size, ASCII decimal, no leading zeros>
    <base64 of the 32-byte RFC 6962 root hash>
    [<extension line>...]

:func:`open_checkpoint` verifies the log's signature (and any trusted witness cosignatures) before
it parses the body, then checks the origin. Parsing is strict, so ``parse(body).body() == body``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .cosignature import CosignatureVerifier, cosignature_timestamp
from .errors import CheckpointError, NoteError
from .note import Signer, Verifier, b64decode_strict, open_note, sign_note

MAX_SIZE = 2**64 - 1
_DECIMAL = re.compile(rb"0|[1-9][0-9]*")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A tree head: origin, size and root, plus opaque extension lines (not recommended)."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or any(c.isspace() or c < " " for c in self.origin):
            raise CheckpointError(
                "origin must be non-empty, without spaces or control characters",
                code="bad_origin",
                found=self.origin,
            )
        if isinstance(self.size, bool) or not 0 <= self.size <= MAX_SIZE:
            raise CheckpointError(
                "size out of range", code="bad_size", expected=f"0..{MAX_SIZE}", found=self.size
            )
        if len(self.root) != 32:
            raise CheckpointError(
                "root hash must be 32 bytes", code="bad_root", expected=32, found=len(self.root)
            )
        for line in self.extensions:
            if not line or any(c < " " for c in line):
                raise CheckpointError(
                    "extension lines must be non-empty, without control characters",
                    code="bad_extension",
                    found=line,
                )

    def body(self) -> bytes:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        return "".join(f"{line}\n" for line in [*lines, *self.extensions]).encode()

    @classmethod
    def parse(cls, body: bytes) -> Checkpoint:
        """Strictly parse a checkpoint body (the note text, final newline included)."""
        if not body.endswith(b"\n"):
            raise CheckpointError("checkpoint must end in a newline", code="malformed_checkpoint")
        lines = body[:-1].split(b"\n")
        if len(lines) < 3 or not all(lines):
            raise CheckpointError(
                "checkpoint needs at least three lines, none empty",
                code="malformed_checkpoint",
                expected=">= 3 non-empty lines",
                found=len(lines),
            )
        try:
            origin, *rest = (line.decode("utf-8") for line in lines)
        except UnicodeDecodeError as exc:
            raise CheckpointError("checkpoint is not UTF-8", code="malformed_checkpoint") from exc
        if not _DECIMAL.fullmatch(lines[1]):
            raise CheckpointError(
                "size must be decimal without leading zeros", code="bad_size", found=rest[0]
            )
        root = b64decode_strict(rest[1])
        if root is None:
            raise CheckpointError(
                "root hash is not canonical base64", code="bad_root", found=rest[1]
            )
        return cls(origin, int(lines[1]), root, tuple(rest[2:]))


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    """A checkpoint whose log signature verified; ``cosignatures`` maps witness name to the
    timestamp of its verified cosignature (the earliest, if it cosigned more than once)."""

    checkpoint: Checkpoint
    note: bytes
    cosignatures: dict[str, int] = field(default_factory=dict)


def sign_checkpoint(checkpoint: Checkpoint, signer: Signer) -> bytes:
    """The checkpoint as a note signed by the log key."""
    return sign_note(checkpoint.body(), [signer])


def open_checkpoint(
    note: bytes,
    *,
    origin: str,
    log: Verifier,
    witnesses: Sequence[CosignatureVerifier] = (),
) -> SignedCheckpoint:
    """Verify ``log``'s signature (and trusted cosignatures), then parse and check the origin.

    NoteError: ``no_verified_signature`` if the log key did not sign, ``bad_signature`` if a trusted
    key's signature fails. CheckpointError: a malformed body, or ``wrong_origin``.
    """
    opened = open_note(note, [log, *witnesses])
    if not any((s.name, s.key_id) == (log.name, log.key_id) for s in opened.verified):
        raise NoteError(
            "the log key did not sign this checkpoint",
            code="no_verified_signature",
            expected=f"{log.name}+{log.key_id.hex()}",
            found=[f"{s.name}+{s.key_id.hex()}" for s in opened.verified],
        )
    checkpoint = Checkpoint.parse(opened.text)
    if checkpoint.origin != origin:
        raise CheckpointError(
            "checkpoint names another log",
            code="wrong_origin",
            expected=origin,
            found=checkpoint.origin,
        )
    witness_ids = {(w.name, w.key_id) for w in witnesses}
    cosignatures: dict[str, int] = {}
    for sig in opened.verified:
        if (sig.name, sig.key_id) in witness_ids:
            timestamp = cosignature_timestamp(sig.sig)
            cosignatures[sig.name] = min(timestamp, cosignatures.get(sig.name, timestamp))
    return SignedCheckpoint(checkpoint, note, cosignatures)


__all__ = ["MAX_SIZE", "Checkpoint", "SignedCheckpoint", "open_checkpoint", "sign_checkpoint"]
