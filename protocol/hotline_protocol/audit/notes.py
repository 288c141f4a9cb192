"""The signatures on a feed's checkpoint notes, verified a chunk of notes at a time, on every
core.

Each checkpoint listed in an export carries the log's signature and, once the other side
received it, that side's witness cosignature: two Ed25519 verifications, the bulk of the
auditor's work on a quiet line, where every notice is its own checkpoint. They depend on nothing
but the note and the keys, so :func:`open_notes` verifies :data:`CHUNK` notes at a time in the
worker processes that read the entries (:class:`~hotline_protocol.entryblocks.BlockPool`), and
the checks take the outcomes in order: the verdict is the one a single process reaches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from ..checkpoint import open_checkpoint
from ..cosignature import CosignatureVerifier, verify_cosignature
from ..entryblocks import BlockPool
from ..errors import ProtocolError
from ..export_data import CheckpointData
from ..note import Signature, Verifier, split_note

CHUNK = 256  # notes verified at a time

Opened = tuple[int, bytes] | str  # the signed size and root, or why the note does not open
# What a note's other signature lines are: ("cosigned", timestamp) for a valid cosignature by
# the witness key, ("bad", name, reason) for one that fails, ("unpinned", text) for a line by a
# key nobody pinned (shown, not verified)
SigOutcome = tuple[Any, ...]
Outcome = tuple[Opened, list[SigOutcome]]


def opened_notes(
    checkpoints: Sequence[CheckpointData],
    origin: str,
    log_vkey: str,
    witness_vkey: str | None,
    pool: BlockPool,
) -> Iterator[tuple[CheckpointData, Outcome]]:
    """Each listed checkpoint with its note's outcome (:func:`open_notes`), in order."""
    done: list[tuple[CheckpointData, Outcome]] = []

    def keep(chunk: Sequence[CheckpointData]) -> Callable[[list[Outcome]], None]:
        return lambda outcomes: done.extend(zip(chunk, outcomes, strict=True))

    finished = False
    try:
        for start in range(0, len(checkpoints), CHUNK):
            chunk = [checkpoints[k] for k in range(start, min(start + CHUNK, len(checkpoints)))]
            notes = [cp.note for cp in chunk]
            pool.call(keep(chunk), open_notes, origin, log_vkey, witness_vkey, notes)
            yield from done
            done.clear()
        pool.drain()
        yield from done
        finished = True
    finally:
        if not finished:  # the check stopped (or failed) early: its calls are not the next's
            pool.discard()


def open_notes(
    origin: str, log_vkey: str, witness_vkey: str | None, notes: list[bytes]
) -> list[Outcome]:
    """Verify each note's log signature (then its body: origin and shape) and every other
    signature line against the witness key (None: the other side is not in the export)."""
    log, witness = _keys(log_vkey, witness_vkey)
    return [_open(note, origin, log, witness) for note in notes]


@lru_cache(maxsize=4)
def _keys(log_vkey: str, witness_vkey: str | None) -> tuple[Verifier, CosignatureVerifier | None]:
    witness = None if witness_vkey is None else CosignatureVerifier.from_vkey(witness_vkey)
    return Verifier.from_vkey(log_vkey), witness


def _open(note: bytes, origin: str, log: Verifier, witness: CosignatureVerifier | None) -> Outcome:
    try:
        opened = open_checkpoint(note, origin=origin, log=log)
    except ProtocolError as exc:
        return str(exc), []
    cp = opened.checkpoint
    body, lines = split_note(note)  # every line, as written
    sigs: list[SigOutcome] = []
    for sig in lines:
        if (sig.name, sig.key_id) == (log.name, log.key_id):
            continue  # the log's own signature: verified above
        if witness is not None and (sig.name, sig.key_id) == (witness.name, witness.key_id):
            try:
                sigs.append(("cosigned", verify_cosignature(body, sig, witness)))
            except ProtocolError as exc:
                sigs.append(("bad", sig.name, str(exc)))
        else:
            sigs.append(("unpinned", unpinned(sig, [log, *([witness] if witness else [])])))
    return (cp.size, cp.root), sigs


def unpinned(sig: Signature, pinned: list[Verifier]) -> str:
    """A signature line no pinned key made: ignored, as signed-note readers must, but shown."""
    text = f"signature by {sig.name}+{sig.key_id.hex()}, a key not pinned in this export"
    for key in pinned:
        if key.name == sig.name:
            text += f" (the pinned {key.name} has key ID {key.key_id.hex()})"
    return text + ": not verified, ignored"
