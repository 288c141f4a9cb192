"""The replica: the peer's feed as this node holds it, verified, stored, then cosigned.

Entries arrive in order on a link and wait in that link's run
(:class:`~hotline.feeds.pending.Pending`) until a checkpoint covers them. Then, in this order:
the log signature is checked against the pinned vkey (before the body is parsed), the
checkpoint's size must be the size the entries make (the same
size as the checkpoint cosigned before with another root is a fork), the entries' chain (origin,
index, prev hashes, notices) is checked, the Merkle root of the feed with them must equal the
checkpoint's, and the witness rules must accept the checkpoint against the last one this node
cosigned. Only then is the cosignature made, and the entries, the checkpoint with the
cosignature, the witness state (compare-and-set) and the cosignature record written in one
durable write; the cosignature is then returned: the delivery receipt. Anything that fails is
refused with a reason and changes nothing.

A FLASH entry pushed ahead of the backlog is verified on its own and held (:mod:`.early`)
until the ordered entries reach it; a run that contradicts it is refused as a fork.
"""

from __future__ import annotations

import asyncio
import logging

from hotline_protocol.checkpoint import Checkpoint, open_checkpoint
from hotline_protocol.cosignature import CosignatureSigner, cosign
from hotline_protocol.entries import Entry, decode_chain
from hotline_protocol.errors import ProtocolError
from hotline_protocol.note import Verifier, add_signatures, split_note
from hotline_protocol.witness import check_checkpoint

from ..errors import Refusal, Superseded
from ..store.base import CheckpointRecord, CosignatureRecord, HeartbeatRecord, Store
from ..types import Clock, Side
from .early import EarlyFlash
from .feed_tree import FeedTree
from .pending import Pending
from .record import Recorder

log = logging.getLogger("hotline.replica")
# Entries verified (parsed, checked canonical, validated: ~0.2 ms each under load), or
# published, between two turns of the event loop: about 1 ms of work, so a FLASH frame waits at
# most that long behind a run.
VERIFY_SLICE = 4
PUBLISH_SLICE = 16


class Replica:
    """The peer's feed held here (see the module's docstring), built from its collaborators:
    the peer's pinned side, the tree loaded from the store, the store, this node's witness key,
    the clock and the recorder that indexes and publishes what is stored."""

    def __init__(
        self,
        peer: Side,
        *,
        tree: FeedTree,
        store: Store,
        witness: CosignatureSigner,
        clock_ms: Clock,
        recorder: Recorder,
        time_tolerance_ms: int = 300_000,
        max_early: int = 64,
    ) -> None:
        self.side = peer.name
        self._tolerance = time_tolerance_ms
        self.origin = peer.origin
        self.log = Verifier.from_vkey(peer.log_vkey)
        self.tree = tree
        self._db = store
        self._witness_key = witness
        self._clock_ms = clock_ms
        self._recorder = recorder
        self.witness: tuple[int, bytes] | None = None  # last (size, root) this node cosigned
        self.last_line: str | None = None  # that cosignature, to resend after an outage
        self.last_cosigned_ms = 0  # when this node last cosigned the peer's feed (unix ms)
        self.early = EarlyFlash(self.side, self.origin, self.log, tree, clock_ms, max_early)
        self.lock = asyncio.Lock()

    @property
    def have(self) -> int:
        return self.tree.size

    @property
    def cosigned(self) -> int:
        return self.witness[0] if self.witness else 0

    async def held_checkpoint(self, after: int, until: int) -> tuple[int, bytes] | None:
        """The peer's checkpoint stored here (size, note with this node's cosignature) with the
        largest size in (after, until], else the smallest beyond ``after``; None if there is
        none beyond: where a run of what a peer restored from an older backup takes back ends.
        One or two records read, whatever the number stored."""
        found = await self._db.checkpoint_at_most(self.origin, until)
        if found is None or found.size <= after:
            later = await self._db.checkpoints_from(self.origin, after + 1, 2**62, 1)
            found = later[0] if later else None
        return None if found is None else (found.size, found.note)

    async def held_entries(self, start: int, end: int) -> list[bytes]:
        """Entries [start, end) of the peer's feed as stored here."""
        return await self._db.entries(self.origin, start, end)

    def pending(self) -> Pending:
        """A new run of entries for a link, starting at the size held."""
        return Pending(self.have)

    async def load(self) -> None:
        """Read the witness state and the last receipt, and finish a cosignature that a crash
        interrupted (entries stored but the witness state not moved, or moved but the
        cosignature not stored): the checkpoint was verified before it was stored."""
        store = self._db
        self.witness = await store.witness_state(self.origin)
        cosignature, heartbeat = await store.latest_receipts(self.origin, self._witness_key.name)
        self.last_cosigned_ms = max(
            0 if cosignature is None else cosignature.received_ms,
            0 if heartbeat is None else heartbeat.received_ms,
        )
        latest = await store.latest_checkpoint(self.origin)
        if latest is None or latest.size != self.have:
            return
        if self.witness is None or self.witness[0] < latest.size:
            await self._finish(latest)
            return
        if self.witness[0] == latest.size:
            self.last_line = self._own_line(latest.note)
            if self.last_line is None:
                await self._finish(latest)

    def _own_line(self, note: bytes) -> str | None:
        own = self._witness_key
        for sig in split_note(note)[1]:
            if (sig.name, sig.key_id) == (own.name, own.key_id):
                return sig.line().rstrip("\n")
        return None

    async def _finish(self, record: CheckpointRecord) -> None:
        size = record.size
        try:
            cp = open_checkpoint(record.note, origin=self.origin, log=self.log).checkpoint
            if cp.root != await self.tree.root_at(size):
                raise ProtocolError("stored checkpoint root is not the replica's root")
            if self.witness is not None and (
                self.witness[0] > size
                or await self.tree.root_at(self.witness[0]) != self.witness[1]
            ):
                raise ProtocolError("witness state is not a prefix of the replica")
        except ProtocolError as exc:
            log.error(
                "replica of %s: not finishing the cosignature of %d: %s", self.side, size, exc
            )
            return
        log.info("replica of %s: finishing the cosignature of size %d", self.side, size)
        if self.witness is None or self.witness[0] != size:
            await self._db.set_witness_state(self.origin, self.witness, (size, cp.root))
            self.witness = (size, cp.root)
        await self._cosign(record.note, cp, self._clock_ms())

    async def checkpoint(
        self, pending: Pending, note: bytes, old: int, proof: list[bytes], raw_msg: bytes
    ) -> str:
        """Verify, store and cosign the checkpoint over the pending run; returns the
        cosignature line. The run is emptied whatever happens."""
        start = pending.start
        return await self.checkpoint_run(start, pending.take(), note, old, proof, raw_msg)

    async def checkpoint_run(
        self,
        start: int,
        raws: list[bytes],
        note: bytes,
        old: int,
        proof: list[bytes],
        raw_msg: bytes,
    ) -> str:
        """The same for a run already taken from its link's pending entries (the link keeps
        reading while earlier runs are verified and stored, so a FLASH is never held up)."""
        async with self.lock:
            if start != self.have:  # another link moved the replica
                raise Superseded("superseded", "the replica moved under this link")
            return await self._checkpoint(raws, note, old, proof, raw_msg)

    async def _checkpoint(
        self, raws: list[bytes], note: bytes, old: int, proof: list[bytes], raw_msg: bytes
    ) -> str:
        evidence = raw_msg + b"\n" + b"\n".join(raws) if raws else raw_msg
        try:
            signed = open_checkpoint(note, origin=self.origin, log=self.log)
        except ProtocolError as exc:
            raise Refusal(exc.code, str(exc), raw_msg) from exc
        cp = signed.checkpoint
        start, size = self.have, self.have + len(raws)
        if not raws and self.witness is not None and cp.size == self.witness[0]:
            if cp.root != self.witness[1]:
                raise Refusal(
                    "conflict",
                    f"fork: a checkpoint of size {cp.size} with another root than the one "
                    "cosigned before",
                    raw_msg,
                )
            if self.last_line is not None:  # cosigned before: a heartbeat, or a lost receipt
                return await self._heartbeat(note, cp)
        if cp.size != size:
            raise Refusal(
                "size_mismatch", f"checkpoint size {cp.size}, entries make {size}", evidence
            )
        prev = self.tree.last_leaf
        entries: list[Entry] = []
        for first in range(0, len(raws), VERIFY_SLICE):  # a FLASH may come in between slices
            try:
                part = decode_chain(
                    raws[first : first + VERIFY_SLICE],
                    origin=self.origin,
                    start=start + first,
                    prev=prev,
                )
            except ProtocolError as exc:
                raise Refusal(exc.code, str(exc), evidence) from exc
            entries += part
            prev = part[-1].leaf_hash
            await asyncio.sleep(0)
        self.tree.extend(e.leaf_hash for e in entries)
        try:
            if self.tree.root() != cp.root:
                raise Refusal(
                    "root_mismatch",
                    "the checkpoint's root is not the root of the entries (a fork or tampered "
                    "entries)",
                    evidence,
                )
            await self.early.check(size, evidence)
            try:
                check_checkpoint(
                    note=note,
                    old_size=old,
                    proof=proof,
                    last=self.witness,
                    logs={self.origin: self.log},
                )
            except ProtocolError as exc:
                raise Refusal(exc.code, str(exc), raw_msg) from exc
            return await self._store_run(entries, start, note, cp)
        except BaseException:
            self.tree.rollback()  # (nothing once the run is stored)
            raise

    async def _store_run(
        self, entries: list[Entry], start: int, note: bytes, cp: Checkpoint
    ) -> str:
        """Entries, checkpoint (cosigned), witness state and cosignature in one durable write,
        then the entries published and the receipt returned."""
        store = self._db
        if not entries:
            await store.put_checkpoint(
                CheckpointRecord(self.origin, cp.size, cp.root, note, self._clock_ms())
            )
            await store.set_witness_state(self.origin, self.witness, (cp.size, cp.root))
            self.witness = (cp.size, cp.root)
            return await self._cosign(note, cp, self._clock_ms())
        await asyncio.sleep(0)  # verified: a FLASH waiting may go before the write
        held = await self._recorder.hold(entries)  # what they refer to, kept until recorded
        try:
            now = self._clock_ms()
            cosigned, record, line = self._cosignature(note, cp, now)
            after = self.last_cosigned_ms
            implausible = {
                e.index: (after, now)
                for e in entries
                if e.notice.time > now + self._tolerance or e.notice.time < after - self._tolerance
            }
            await store.append_cosigned(
                self.origin,
                start,
                [(e.raw, e.leaf_hash) for e in entries],
                CheckpointRecord(self.origin, cp.size, cp.root, cosigned, now),
                (self.witness, (cp.size, cp.root)),
                record,
                implausible,
            )
            self.tree.commit()
            self.witness = (cp.size, cp.root)
            await asyncio.sleep(0)
            for n, entry in enumerate(entries, 1):
                was_early = self.early.recorded(entry.index)
                self._recorder.entry(
                    self.side,
                    entry,
                    now,
                    alarm=not was_early,
                    implausible=implausible.get(entry.index),
                )
                if n % PUBLISH_SLICE == 0:
                    await asyncio.sleep(0)
        finally:
            self._recorder.release(held)
        return self._cosigned(record, line)

    async def _heartbeat(self, note: bytes, cp: Checkpoint) -> str:
        """Cosign the checkpoint cosigned last once more, with the current time, and keep it
        as a heartbeat: this node saw the peer's feed still at that size, now. At most one a
        second (a peer asking more often gets the latest line again)."""
        assert self.last_line is not None
        now = self._clock_ms()
        if now // 1000 <= self.last_cosigned_ms // 1000:  # (cosignatures are in seconds)
            return self.last_line
        sig = cosign(cp.body(), self._witness_key, now // 1000)
        line = sig.line().rstrip("\n")
        record = HeartbeatRecord(self.origin, cp.size, sig.name, now // 1000, line, now)
        await self._db.add_heartbeat(record)
        self.last_line, self.last_cosigned_ms = line, now
        return line

    async def _cosign(self, note: bytes, cp: Checkpoint, now: int) -> str:
        """Cosign a checkpoint already stored, and store the cosignature."""
        cosigned, record, line = self._cosignature(note, cp, now)
        await self._db.add_cosignature(record, cosigned)
        return self._cosigned(record, line)

    def _cosignature(
        self, note: bytes, cp: Checkpoint, now: int
    ) -> tuple[bytes, CosignatureRecord, str]:
        """This node's cosignature of ``cp``: the note with it, its record, its line."""
        signer = self._witness_key
        sig = cosign(cp.body(), signer, now // 1000)
        record = CosignatureRecord(self.origin, cp.size, signer.name, now // 1000, now)
        return add_signatures(note, [sig]), record, sig.line().rstrip("\n")

    def _cosigned(self, record: CosignatureRecord, line: str) -> str:
        """The cosignature is stored: it is the latest receipt, and the delivery is shown."""
        self.last_line = line
        self.last_cosigned_ms = max(self.last_cosigned_ms, record.received_ms)
        self._recorder.delivery(self.side, record.size, record.witness, record.received_ms)
        return line
