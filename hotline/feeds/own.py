"""The own feed: the state the sequencer appends to, and the read port its followers use.

Like an appender beside its log reader, :class:`OwnFeed` owns the own feed's in-memory state
(the Merkle tree's edge, the latest signed checkpoints, the newest entries' bytes) and is the only
thing that changes it: the sequencer writes a batch durably, then calls :meth:`OwnFeed.committed`,
which records the entries (index and events) and tells the listeners (the peer sender). The
peer sender follows the feed through :class:`FeedReader` alone: durable size, entries (from the
in-memory tail or the store), checkpoints and proofs, and the receipts it brings back.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import Protocol

from hotline_protocol.checkpoint import Checkpoint, sign_checkpoint
from hotline_protocol.entries import Entry
from hotline_protocol.note import Signature, Signer, add_signatures, split_note

from ..errors import StoreError
from ..store.base import CheckpointRecord, CosignatureRecord, HeartbeatRecord, Store
from ..types import Clock, Side
from .feed_tree import FeedTree
from .index import FeedIndex
from .record import Recorder
from .tail import Tail

# Told of every batch made durable (entries, in order), in the turn of the loop that wrote it.
Listener = Callable[[list[Entry]], None]


RECENT_CHECKPOINTS = 256  # signed notes kept in memory (the largest sizes), at most


class OwnCheckpoints:
    """The own feed's signed checkpoints: every one is stored; the notes of the largest sizes
    (the latest among them) are kept here too, a bounded number, the others read from the
    store when asked for."""

    def __init__(self, store: Store, origin: str, keep: int = RECENT_CHECKPOINTS) -> None:
        self._store = store
        self._origin = origin
        self._keep = keep
        self.sizes: list[int] = []  # the sizes kept, ascending
        self.notes: dict[int, bytes] = {}

    def add(self, size: int, note: bytes) -> None:
        """Keep a note stored (or replaced) just now."""
        if size not in self.notes:
            bisect.insort(self.sizes, size)
        self.notes[size] = note
        if len(self.sizes) > self._keep:
            del self.notes[self.sizes.pop(0)]

    def latest(self) -> tuple[int, bytes]:
        size = self.sizes[-1]
        return size, self.notes[size]

    async def note(self, size: int) -> bytes | None:
        note = self.notes.get(size)
        if note is None and (not self.sizes or size < self.sizes[-1]):
            record = await self._store.checkpoint_at_most(self._origin, size)
            note = record.note if record is not None and record.size == size else None
        return note

    async def best(self, after: int, limit: int) -> int | None:
        """The largest stored size in (after, after + limit], if any."""
        record = await self._store.checkpoint_at_most(self._origin, after + limit)
        return record.size if record is not None and record.size > after else None


class FeedReader(Protocol):
    """What a follower of the own feed (the peer sender) may read and report."""

    @property
    def origin(self) -> str: ...

    @property
    def durable_size(self) -> int: ...

    @property
    def delivered_size(self) -> int: ...

    @property
    def behind(self) -> int: ...

    def latest(self) -> tuple[int, bytes]: ...

    async def note(self, size: int) -> bytes | None: ...

    async def checkpoint_for_run(self, after: int, limit: int) -> int: ...

    def tail_entries(self, start: int, end: int) -> list[bytes] | None: ...

    async def entries(self, start: int, end: int) -> list[bytes]: ...

    def flash_indexes(self, start: int, end: int) -> list[int]: ...

    def inclusion_proof_in_memory(self, index: int, size: int) -> list[bytes] | None: ...

    async def inclusion_proof(self, index: int, size: int) -> list[bytes]: ...

    async def consistency_proof(self, old: int, new: int) -> list[bytes]: ...

    async def add_cosignature(self, size: int, sig: Signature, timestamp: int) -> None: ...


class OwnFeed:
    """The own feed's state (see the module's docstring); built once its tree is loaded."""

    def __init__(
        self,
        side: Side,
        *,
        tree: FeedTree,
        store: Store,
        signer: Signer,
        index: FeedIndex,
        recorder: Recorder,
        clock_ms: Clock,
        tail: Tail | None = None,
    ) -> None:
        self.side = side
        self.tree = tree
        self.checkpoints = OwnCheckpoints(store, side.origin)
        self.checkpoint = b""  # the latest signed note (see load_checkpoints)
        self.tail = tail if tail is not None else Tail()
        self.listeners: list[Listener] = []
        self._store = store
        self._signer = signer
        self._index = index
        self._recorder = recorder
        self._clock_ms = clock_ms
        self._peer_witness: str | None = None
        # the size of this feed the peer holds, while this node holds less and has not recovered
        # it (:mod:`hotline.peering.recovery`); 0 otherwise. Posts are refused meanwhile.
        self.behind = 0

    # the appender's side (the sequencer) ---------------------------------------------------
    @property
    def origin(self) -> str:
        return self.side.origin

    @property
    def size(self) -> int:
        """The tree's size: a batch being written is in the tree before it is durable."""
        return self.tree.size

    def prev(self) -> bytes:
        return self.tree.last_leaf

    async def load_checkpoints(self) -> None:
        """Take in the latest stored checkpoint (the tree is loaded): one record read; sign and
        store one of the current size if there is none (an empty feed, or a checkpoint lost
        with a failed write)."""
        record = await self._store.latest_checkpoint(self.origin)
        if record is not None:
            self.checkpoints.add(record.size, record.note)
            if record.size == self.tree.size:
                self.checkpoint = record.note
                return
        cp = Checkpoint(self.origin, self.tree.size, self.tree.root())
        note = sign_checkpoint(cp, self._signer)
        await self._store.put_checkpoint(
            CheckpointRecord(cp.origin, cp.size, cp.root, note, self._clock_ms())
        )
        self.checkpoints.add(cp.size, note)
        self.checkpoint = note

    def committed(self, entries: list[Entry], note: bytes, now_ms: int) -> None:
        """A batch is durable with its checkpoint ``note``: record it, keep its bytes, tell
        the listeners."""
        for entry in entries:
            self._recorder.entry(self.side.name, entry, now_ms)
        self.checkpoints.add(entries[-1].index + 1, note)
        self.tail.extend(entries[0].index, [e.raw for e in entries])
        for listener in self.listeners:
            listener(entries)

    # the read port (FeedReader) ------------------------------------------------------------
    @property
    def durable_size(self) -> int:
        return self._index.size(self.side.name)

    @property
    def delivered_size(self) -> int:
        return self._index.delivered_size(self.side.name)

    def latest(self) -> tuple[int, bytes]:
        """The largest signed size and its note."""
        return self.checkpoints.latest()

    async def note(self, size: int) -> bytes | None:
        return await self.checkpoints.note(size)

    async def checkpoint_for_run(self, after: int, limit: int) -> int:
        """The largest signed size in (after, after + limit]; a long run with no stored
        checkpoint inside gets one signed and stored here. (The store may already show a batch
        not yet committed here: sizes beyond the durable size are not looked at.)"""
        upto = min(self.durable_size, after + limit)
        target = await self.checkpoints.best(after, upto - after)
        if target is None:
            target = upto
            cp = Checkpoint(self.origin, target, await self.tree.root_at(target))
            note = sign_checkpoint(cp, self._signer)
            await self._store.put_checkpoint(
                CheckpointRecord(self.origin, target, cp.root, note, self._clock_ms())
            )
            self.checkpoints.add(target, note)
        return target

    def tail_entries(self, start: int, end: int) -> list[bytes] | None:
        return self.tail.get(start, end)

    async def entries(self, start: int, end: int) -> list[bytes]:
        """Entries [start, end): from the in-memory tail, or the store if older."""
        raws = self.tail.get(start, end)
        if raws is None:
            raws = await self._store.entries(self.origin, start, end)
        return raws

    def flash_indexes(self, start: int, end: int) -> list[int]:
        return self._index.flash_indexes(self.side.name, start, end)

    def inclusion_proof_in_memory(self, index: int, size: int) -> list[bytes] | None:
        return self.tree.inclusion_proof_in_memory(index, size)

    async def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return await self.tree.inclusion_proof(index, size)

    async def consistency_proof(self, old: int, new: int) -> list[bytes]:
        return await self.tree.consistency_proof(old, new)

    async def add_cosignature(self, size: int, sig: Signature, timestamp: int) -> None:
        """Keep the peer's verified cosignature of the checkpoint of ``size`` and record the
        delivery of every entry below it. The first cosignature by a witness goes into the
        checkpoint's note; a later one by the same witness (a heartbeat: the peer saw the feed
        still at that size) is kept beside it, with its timestamp."""
        note = await self.checkpoints.note(size)
        if note is None:
            raise StoreError(f"no checkpoint of {self.origin!r} of size {size} is stored")
        now = self._clock_ms()
        held = split_note(note)[1]
        line = sig.line().rstrip("\n")
        if any((s.name, s.key_id) == (sig.name, sig.key_id) for s in held):
            if all(s.line() != sig.line() for s in held):
                await self._store.add_heartbeat(
                    HeartbeatRecord(self.origin, size, sig.name, timestamp, line, now)
                )
        else:
            new_note = add_signatures(note, [sig])
            await self._store.add_cosignature(
                CosignatureRecord(self.origin, size, sig.name, timestamp, now), new_note
            )
            self.checkpoints.add(size, new_note)
        self._recorder.delivery(self.side.name, size, sig.name, now)
