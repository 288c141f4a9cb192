"""The witness rules (C2SP tlog-witness v1.0.0, ``add-checkpoint``) as pure functions.

A witness holds, per log origin, the size and root of the latest checkpoint it cosigned. Given a
submitted checkpoint note, the old size the submitter believes the witness holds and a consistency
proof, :func:`check_checkpoint` either returns the checkpoint to cosign or raises
:class:`WitnessError` with a code and the HTTP status tlog-witness assigns to it (:data:`STATUS`):

    unknown_origin     404  no trusted log key for the checkpoint's origin
    bad_signature      403  the log's key did not sign it (or its signature fails)
    bad_request        400  malformed note or checkpoint, old size > size, malformed proof
    old_size_mismatch  409  old size is not the size the witness holds (expected: held, found: old)
    bad_proof          422  the consistency proof does not verify
    conflict           409  same size as held, different root

Nothing here stores anything: the caller cosigns, then records ``(size, root)`` of the returned
checkpoint atomically with the check, as tlog-witness requires.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from .checkpoint import Checkpoint
from .cosignature import CosignatureSigner, cosign
from .errors import CheckpointError, NoteError, ProofError, WitnessError
from .merkle import verify_consistency
from .note import Signature, Verifier, b64decode_strict, open_note, split_note

STATUS: Mapping[str, int] = MappingProxyType(
    {
        "unknown_origin": 404,
        "bad_signature": 403,
        "bad_request": 400,
        "old_size_mismatch": 409,
        "bad_proof": 422,
        "conflict": 409,
    }
)
MAX_PROOF_LINES = 63
SIZE_CONTENT_TYPE = "text/x.tlog.size"
_OLD_LINE = re.compile(rb"old (0|[1-9][0-9]*)")


def status_of(error: WitnessError) -> int:
    """The HTTP status for a refusal (400 for a code this module does not raise)."""
    return STATUS.get(error.code, 400)


def check_checkpoint(
    *,
    note: bytes,
    old_size: int,
    proof: Sequence[bytes],
    last: tuple[int, bytes] | None,
    logs: Mapping[str, Verifier],
) -> Checkpoint:
    """Apply the add-checkpoint rules; return the checkpoint to cosign or raise WitnessError.

    ``last`` is the (size, root) the witness holds for this origin, None if it holds nothing;
    ``logs`` maps each trusted origin to its log key.
    """
    try:
        text, _ = split_note(note)
    except NoteError as exc:
        raise WitnessError(f"malformed note: {exc.message}", code="bad_request") from exc
    # The origin line only selects the key; the text is parsed once that key has verified it.
    origin = text.split(b"\n", 1)[0].decode()
    log = logs.get(origin)
    if log is None:
        raise WitnessError("no trusted key for this origin", code="unknown_origin", found=origin)
    try:
        opened = open_note(note, [log])
    except NoteError as exc:
        raise WitnessError(
            "the log's key did not sign this checkpoint",
            code="bad_signature",
            expected=f"{log.name}+{log.key_id.hex()}",
            found=exc.found,
        ) from exc
    try:
        checkpoint = Checkpoint.parse(opened.text)
    except CheckpointError as exc:
        raise WitnessError(f"malformed checkpoint: {exc.message}", code="bad_request") from exc
    _check_request(old_size, proof, checkpoint.size)

    held_size, held_root = last if last is not None else (0, b"")
    if old_size != held_size:
        raise WitnessError(
            "old size is not the size this witness holds",
            code="old_size_mismatch",
            expected=held_size,
            found=old_size,
        )
    if old_size == 0:
        return checkpoint
    if checkpoint.size == old_size and checkpoint.root != held_root:
        raise WitnessError(
            "same size as the cosigned checkpoint but another root",
            code="conflict",
            expected=held_root,
            found=checkpoint.root,
        )
    try:
        verify_consistency(old_size, checkpoint.size, proof, held_root, checkpoint.root)
    except ProofError as exc:
        raise WitnessError(
            f"consistency proof does not verify: {exc.message}",
            code="bad_proof",
            expected=exc.expected,
            found=exc.found,
        ) from exc
    return checkpoint


def witness_cosign(
    *,
    note: bytes,
    old_size: int,
    proof: Sequence[bytes],
    last: tuple[int, bytes] | None,
    logs: Mapping[str, Verifier],
    signer: CosignatureSigner,
    timestamp: int,
) -> Signature:
    """:func:`check_checkpoint`, then the witness's cosignature of the checkpoint. The caller's
    new state is the (size, root) of ``Checkpoint.parse`` of the note text."""
    checkpoint = check_checkpoint(note=note, old_size=old_size, proof=proof, last=last, logs=logs)
    return cosign(checkpoint.body(), signer, timestamp)


def _check_request(old_size: int, proof: Sequence[bytes], size: int) -> None:
    if old_size > size:
        raise WitnessError(
            "old size exceeds the checkpoint size",
            code="bad_request",
            expected=f"<= {size}",
            found=old_size,
        )
    _check_proof_shape(old_size, proof)


def _check_proof_shape(old_size: int, proof: Sequence[bytes]) -> None:
    if old_size < 0:
        raise WitnessError("old size is negative", code="bad_request", found=old_size)
    if len(proof) > MAX_PROOF_LINES or any(len(h) != 32 for h in proof):
        raise WitnessError("proof must be at most 63 hashes of 32 bytes", code="bad_request")
    if old_size == 0 and proof:
        raise WitnessError("proof must be empty when the old size is 0", code="bad_request")


@dataclass(frozen=True, slots=True)
class AddCheckpoint:
    """An ``add-checkpoint`` request: old size, consistency proof, checkpoint note."""

    old_size: int
    proof: tuple[bytes, ...]
    note: bytes


def encode_add_checkpoint(old_size: int, proof: Sequence[bytes], note: bytes) -> bytes:
    """``old <n>\\n``, one base64 hash per line, a blank line, then the checkpoint note."""
    _check_proof_shape(old_size, proof)
    lines = [b"old %d" % old_size, *(base64.b64encode(h) for h in proof)]
    return b"".join(line + b"\n" for line in lines) + b"\n" + note


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    """Parse an ``add-checkpoint`` request body; WitnessError ``bad_request`` if malformed."""
    head, sep, note = body.partition(b"\n\n")
    lines = head.split(b"\n")
    match = _OLD_LINE.fullmatch(lines[0])
    if not sep or not note or match is None:
        raise WitnessError(
            "request must be an old size line, proof lines, a blank line and a checkpoint",
            code="bad_request",
        )
    proof = [b64decode_strict(line.decode("ascii", "replace")) for line in lines[1:]]
    hashes = [h for h in proof if h is not None and len(h) == 32]
    if len(hashes) != len(proof) or len(hashes) > MAX_PROOF_LINES:
        raise WitnessError(
            "proof lines must be at most 63 base64 32-byte hashes",
            code="bad_request",
            found=len(proof),
        )
    return AddCheckpoint(int(match.group(1)), tuple(hashes), note)


def encode_cosignatures(sigs: Iterable[Signature]) -> bytes:
    """The 200 response body: one note signature line per cosignature."""
    return "".join(s.line() for s in sigs).encode()


def parse_cosignatures(body: bytes) -> list[Signature]:
    """Parse a 200 response body into signature lines (unverified; check each one)."""
    try:
        text = body.decode("utf-8")
        if not text.endswith("\n"):
            raise NoteError("response must end in a newline", code="malformed_signature_line")
        return [Signature.parse_line(line) for line in text[:-1].split("\n")]
    except (UnicodeDecodeError, NoteError) as exc:
        raise WitnessError("malformed cosignature response", code="bad_request") from exc


__all__ = [
    "MAX_PROOF_LINES",
    "SIZE_CONTENT_TYPE",
    "STATUS",
    "AddCheckpoint",
    "check_checkpoint",
    "encode_add_checkpoint",
    "encode_cosignatures",
    "parse_add_checkpoint",
    "parse_cosignatures",
    "status_of",
    "witness_cosign",
]
