"""Proof bundles: C2SP tlog-proof v1, an offline proof that one entry is in a cosigned log.

A bundle is exactly a ``.tlog-proof`` file::

    c2sp.org/tlog-proof@v1
    [extra <base64 of opaque, unauthenticated bytes>]
    index <0-based entry index, decimal, no leading zeros>
    <base64 inclusion proof hash, leaf's sibling first>   (zero or more lines)
    <blank line>
    <the checkpoint note, verbatim, with the log signature and witness cosignatures>

tlog-proof does not carry the entry: like a detached signature, the bundle travels next to the
entry bytes, and :func:`verify_bundle` takes both. The leaf hash is SHA-256(0x00 ‖ entry bytes).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .checkpoint import Checkpoint, open_checkpoint
from .cosignature import CosignatureVerifier
from .errors import BundleError, NoteError
from .merkle import leaf_hash, verify_inclusion
from .note import Verifier, b64decode_strict, split_note

HEADER = b"c2sp.org/tlog-proof@v1"
MAX_PROOF_HASHES = 64
_INDEX = re.compile(rb"index (0|[1-9][0-9]*)")


@dataclass(frozen=True, slots=True)
class ParsedBundle:
    """A bundle's parts, syntax-checked only."""

    index: int
    proof: tuple[bytes, ...]
    checkpoint_note: bytes
    extra: bytes | None = None


@dataclass(frozen=True, slots=True)
class VerifiedBundle:
    """The outcome of :func:`verify_bundle`: the entry is leaf ``index`` of ``checkpoint``, which
    the log signed and the witnesses in ``cosignatures`` (name → timestamp) cosigned.
    ``extra`` is carried along unauthenticated."""

    index: int
    checkpoint: Checkpoint
    cosignatures: dict[str, int] = field(default_factory=dict)
    extra: bytes | None = None


def write_bundle(
    *,
    index: int,
    proof: Sequence[bytes],
    checkpoint_note: bytes,
    extra: bytes | None = None,
) -> bytes:
    """Serialise a bundle; checks the shape of every part (nothing is verified)."""
    if index < 0:
        raise BundleError("index must not be negative", code="malformed_bundle", found=index)
    _check_proof(proof)
    if extra is not None and not extra:
        raise BundleError("extra data, when present, must not be empty", code="malformed_bundle")
    try:
        split_note(checkpoint_note)
    except NoteError as exc:
        raise BundleError(f"checkpoint note: {exc.message}", code="malformed_bundle") from exc
    lines = [HEADER]
    if extra is not None:
        lines.append(b"extra " + base64.b64encode(extra))
    lines.append(b"index %d" % index)
    lines.extend(base64.b64encode(h) for h in proof)
    return b"".join(line + b"\n" for line in lines) + b"\n" + checkpoint_note


def parse_bundle(bundle: bytes) -> ParsedBundle:
    """Split a bundle into its parts; BundleError ``malformed_bundle`` if its syntax is wrong."""
    head, sep, note = bundle.partition(b"\n\n")
    lines = head.split(b"\n")
    if not sep or not note or lines[0] != HEADER:
        raise BundleError(
            "bundle must start with the tlog-proof header and hold a checkpoint after a blank line",
            code="malformed_bundle",
            expected=HEADER.decode(),
            found=lines[0][:64].decode("utf-8", "replace"),
        )
    extra = None
    rest = lines[1:]
    if rest and rest[0].startswith(b"extra "):
        extra = b64decode_strict(rest[0][len(b"extra ") :].decode("ascii", "replace"))
        if not extra:
            raise BundleError("extra line is not base64 data", code="malformed_bundle")
        rest = rest[1:]
    match = _INDEX.fullmatch(rest[0]) if rest else None
    if match is None:
        raise BundleError("missing or malformed index line", code="malformed_bundle")
    proof = [b64decode_strict(line.decode("ascii", "replace")) for line in rest[1:]]
    hashes = [h for h in proof if h is not None]
    if len(hashes) != len(proof):
        raise BundleError("proof lines must be base64 hashes", code="malformed_bundle")
    _check_proof(hashes)
    return ParsedBundle(int(match.group(1)), tuple(hashes), note, extra)


def verify_bundle(
    bundle: bytes,
    entry: bytes,
    *,
    origin: str,
    log: Verifier,
    witnesses: Sequence[CosignatureVerifier] = (),
    required_witnesses: int = 0,
) -> VerifiedBundle:
    """Verify, offline, that ``entry`` is in the log ``origin`` as the bundle claims.

    Order: bundle syntax; log signature and trusted cosignatures (before the checkpoint body is
    parsed); origin; at least ``required_witnesses`` distinct witnesses cosigned; the index lies in
    the tree; the inclusion proof leads from the entry's leaf hash to the checkpoint root.

    Raises BundleError (``malformed_bundle``, ``missing_cosignatures``, ``index_out_of_range``),
    NoteError or CheckpointError from :func:`~hotline_protocol.checkpoint.open_checkpoint`, and
    ProofError if the inclusion proof fails.
    """
    parsed = parse_bundle(bundle)
    signed = open_checkpoint(parsed.checkpoint_note, origin=origin, log=log, witnesses=witnesses)
    if len(signed.cosignatures) < required_witnesses:
        raise BundleError(
            "not enough trusted witnesses cosigned the checkpoint",
            code="missing_cosignatures",
            expected=required_witnesses,
            found=len(signed.cosignatures),
        )
    checkpoint = signed.checkpoint
    if parsed.index >= checkpoint.size:
        raise BundleError(
            "index is not in the checkpointed tree",
            code="index_out_of_range",
            expected=f"< {checkpoint.size}",
            found=parsed.index,
        )
    verify_inclusion(leaf_hash(entry), parsed.index, checkpoint.size, parsed.proof, checkpoint.root)
    return VerifiedBundle(parsed.index, checkpoint, signed.cosignatures, parsed.extra)


def _check_proof(proof: Sequence[bytes]) -> None:
    if len(proof) > MAX_PROOF_HASHES or any(len(h) != 32 for h in proof):
        raise BundleError(
            f"inclusion proof must be at most {MAX_PROOF_HASHES} hashes of 32 bytes",
            code="malformed_bundle",
            found=[len(h) for h in proof[: MAX_PROOF_HASHES + 1]],
        )


__all__ = [
    "HEADER",
    "MAX_PROOF_HASHES",
    "ParsedBundle",
    "VerifiedBundle",
    "parse_bundle",
    "verify_bundle",
    "write_bundle",
]
