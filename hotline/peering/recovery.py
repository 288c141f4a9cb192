"""Recovery of the own feed from the peer: a node restored from an older backup takes back the
entries the peer holds of its feed, instead of forking its own log.

The peer's first ``status`` says how much of this node's feed it holds and has cosigned. When it
has cosigned more than this node holds, the node is **behind**: posts are refused
(``feed_behind``) and the link sends ``recover`` ``{size}``. The peer (:func:`serve`) answers
with ``recovered`` messages: the entries ``[size, cosigned)`` in order, each run of them closed
by a ``note``, the checkpoint of the run's end as the peer stores it — signed by this node's log
key, cosigned by the peer's witness. Each run is verified (:class:`RecoveryRun`) as the replica
verifies the peer's runs: the entries' chain from the last entry held here, the note's signature
by this node's own log key and its origin, the size, the peer's cosignature, and the Merkle root
of the feed with the entries equal to the checkpoint's (:meth:`Sequencer.take_in`, under the
single writer's lock). Only then the run is appended durably and the cosignature kept as the
receipt. Anything else is refused with evidence, like all the peer's input, and nothing is
appended; the node stays behind until a recovery completes.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from hotline_protocol import peer as m
from hotline_protocol.checkpoint import Checkpoint, open_checkpoint
from hotline_protocol.cosignature import CosignatureVerifier, verify_cosignature
from hotline_protocol.entries import MAX_ENTRY_BYTES, Entry, decode_chain, peek_entry
from hotline_protocol.errors import ProtocolError
from hotline_protocol.note import Signature, Verifier, split_note

from ..errors import Refusal, StoreError
from ..feeds.own import OwnFeed
from ..feeds.pending import MAX_PENDING
from ..feeds.replica import Replica
from .sender import MAX_MESSAGE_BYTES, MAX_RUN, SEND_ENTRIES

log = logging.getLogger("hotline.peering")

# Appends a verified run of the own feed at ``start`` (its root checked against the checkpoint
# under the writer's lock); raises Refusal ``root_mismatch`` and appends nothing otherwise.
TakeIn = Callable[[int, list[Entry], Checkpoint, bytes], Awaitable[None]]


@dataclass(frozen=True)
class OwnRecovery:
    """What recovering the own feed needs: the feed, the writer's ``take_in``, this node's own
    log key (the checkpoints must be its own) and the peer's witness key (their receipts)."""

    feed: OwnFeed
    take_in: TakeIn
    log_key: Verifier
    witness: CosignatureVerifier

    def begin(self, target: int) -> RecoveryRun:
        """The peer holds the feed up to ``target``: refuse posts until it is recovered."""
        self.feed.behind = max(self.feed.behind, target)
        log.warning(
            "the peer holds %d entries of this node's feed, this node %d: recovering them",
            target,
            self.feed.durable_size,
        )
        return RecoveryRun(self, self.feed.durable_size, target)


class RecoveryRun:
    """One link's recovery, from the size held to the ``target`` the peer cosigned."""

    def __init__(self, parts: OwnRecovery, start: int, target: int) -> None:
        self.parts = parts
        self.target = target
        self.held = start  # the own feed's size: appended up to here
        self.raws: list[bytes] = []  # received since, not yet covered by a note

    @property
    def end(self) -> int:
        return self.held + len(self.raws)

    @property
    def done(self) -> bool:
        return self.held >= self.target

    async def add(self, start: int, raws: list[bytes], note: str, raw_msg: bytes) -> bool:
        """Take one ``recovered`` message; True once the feed is recovered up to the target."""
        if start != self.end:
            reason = "gap" if start > self.end else "overlap"
            raise Refusal(
                reason, f"recovered entries start at {start}, expected {self.end}", raw_msg
            )
        if self.end + len(raws) > self.target:
            raise Refusal(
                "size_mismatch",
                f"recovered entries go beyond the {self.target} the peer said it cosigned",
                raw_msg,
            )
        for offset, raw in enumerate(raws):
            if len(raw) > MAX_ENTRY_BYTES:
                raise Refusal(
                    "entry_too_large", f"entry {start + offset} is {len(raw)} bytes", raw_msg
                )
        if len(self.raws) + len(raws) > MAX_PENDING:
            raise Refusal(
                "too_many_entries", f"more than {MAX_PENDING} entries without a note", raw_msg
            )
        self.raws.extend(raws)
        if note:
            await self._run(note.encode(), raw_msg)
        return self.done

    async def _run(self, note: bytes, raw_msg: bytes) -> None:
        """Verify the entries received since the last note against this note; append them."""
        parts, feed = self.parts, self.parts.feed
        raws, self.raws = self.raws, []
        evidence = raw_msg + b"\n" + b"\n".join(raws) if raws else raw_msg
        try:
            cp = open_checkpoint(note, origin=feed.origin, log=parts.log_key).checkpoint
            if cp.size != self.held + len(raws):
                raise Refusal(
                    "size_mismatch",
                    f"checkpoint size {cp.size}, the recovered entries make "
                    f"{self.held + len(raws)}",
                    evidence,
                )
            if not raws:
                raise Refusal("size_mismatch", "a recovered note with no entries", evidence)
            self._check_not_forked(raws[0], evidence)
            entries = decode_chain(raws, origin=feed.origin, start=self.held, prev=feed.prev())
            sig = _cosignature(note, parts.witness)
            timestamp = verify_cosignature(cp.body(), sig, parts.witness)
        except ProtocolError as exc:
            raise Refusal(exc.code, str(exc), evidence) from exc
        await parts.take_in(self.held, entries, cp, evidence)
        await feed.add_cosignature(cp.size, sig, timestamp)
        self.held = cp.size
        log.info("recovered this node's feed from the peer up to size %d", cp.size)
        if self.done:
            feed.behind = 0

    def _check_not_forked(self, first: bytes, evidence: bytes) -> None:
        """Refuse as ``own_fork`` a run (under a checkpoint signed by this node's own key) that
        does not continue the entries held here when this node holds entries the peer never
        cosigned: this node appended them after a restore, before it could know that the peer
        held others at those positions, and its log has forked."""
        feed = self.parts.feed
        delivered, prev = feed.delivered_size, _prev_of(first)
        if delivered >= self.held or prev is None or prev == feed.prev():
            return  # (an unreadable entry is refused as such below)
        raise Refusal(
            "own_fork",
            f"the peer holds entries of this feed that do not continue entry {self.held - 1} "
            f"held here: entries {delivered} to {self.held - 1}, appended here and never "
            "cosigned by the peer, differ from the peer's (posted on a restored node before "
            "the link came up?)",
            evidence,
        )


def _prev_of(raw: bytes) -> bytes | None:
    """The ``prev`` hash an entry claims, if it is readable."""
    try:
        text = peek_entry(raw).get("prev", "")
        return base64.b64decode(text, validate=True) if isinstance(text, str) else None
    except (ProtocolError, binascii.Error, ValueError):
        return None


def _cosignature(note: bytes, witness: CosignatureVerifier) -> Signature:
    """The peer witness's cosignature line in ``note`` (ProtocolError ``no_cosignature``)."""
    for sig in split_note(note)[1]:
        if sig.name == witness.name:
            return sig
    raise ProtocolError(
        "the recovered checkpoint carries no cosignature of the peer", code="no_cosignature"
    )


async def serve(
    replica: Replica,
    size: int,
    send: Callable[[str], Awaitable[None]],
) -> None:
    """Send the peer its own feed back from ``size`` to the size cosigned here: runs that end
    at checkpoints stored here (each at most ``MAX_RUN`` entries when one is stored within),
    in ``recovered`` messages of at most ``SEND_ENTRIES`` entries and ``MAX_MESSAGE_BYTES``."""
    target = replica.cosigned
    last = await replica.held_checkpoint(target - 1, target)
    if last is None or last[0] != target:  # (the replica stores every checkpoint it cosigns)
        raise StoreError(f"no checkpoint of the peer's feed stored at size {target}")
    cur = size
    while cur < target:
        held = await replica.held_checkpoint(cur, min(cur + MAX_RUN, target))
        if held is None:  # cannot be: the one at ``target`` is stored
            raise StoreError(f"no checkpoint of the peer's feed stored beyond size {cur}")
        end, note = held
        raws = await replica.held_entries(cur, end)
        batch: list[str] = []
        batch_start, batch_bytes = cur, 0
        for offset, raw in enumerate(raws):
            text = m.b64(raw)
            if batch and (
                batch_bytes + len(text) > MAX_MESSAGE_BYTES or len(batch) >= SEND_ENTRIES
            ):
                await send(m.encode("recovered", start=batch_start, entries=batch, note=""))
                batch, batch_start, batch_bytes = [], cur + offset, 0
            batch.append(text)
            batch_bytes += len(text)
        await send(m.encode("recovered", start=batch_start, entries=batch, note=note.decode()))
        cur = end
    log.info("sent the peer its own feed back from size %d to %d", size, target)
