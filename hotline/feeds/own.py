"""The own feed: the state the sequencer appends to, and the read port its followers use.

Like an appender beside its log reader, :class:`OwnFeed` owns the own feed's in-memory state
(the Merkle tree, the signed checkpoints by size, the newest entries' bytes) and is the only
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
from hotline_protocol.merkle import Tree
from hotline_protocol.note import Signature, Signer, add_signatures, split_note

from ..store.base import CheckpointRecord, CosignatureRecord, HeartbeatRecord, Store
from ..types import Clock, Side
from .index import FeedIndex
from .record import Recorder
from .tail import Tail

# Told of every batch made durable (entries, in order), in the turn of the loop that wrote it.
Listener = Callable[[list[Entry]], None]


class OwnCheckpoints:
    """The own feed's signed checkpoints, by size (every one is stored)."""

    def __init__(self) -> None:
        self.sizes: list[int] = []
        self.notes: dict[int, bytes] = {}

    def add(self, size: int, note: bytes) -> None:
        if size not in self.notes:
            bisect.insort(self.sizes, size)
        self.notes[size] = note

    def best(self, after: int, limit: int) -> int | None:
        """The largest size in (after, after + limit], if any."""
        pos = bisect.bisect_right(self.sizes, after + limit)
        if pos and self.sizes[pos - 1] > after:
            return self.sizes[pos - 1]
        return None


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

    def note(self, size: int) -> bytes | None: ...

    async def checkpoint_for_run(self, after: int, limit: int) -> int: ...

    def tail_entries(self, start: int, end: int) -> list[bytes] | None: ...

    async def entries(self, start: int, end: int) -> list[bytes]: ...

    def flash_indexes(self, start: int, end: int) -> list[int]: ...

    def inclusion_proof(self, index: int, size: int) -> list[bytes]: ...

    def consistency_proof(self, old: int, new: int) -> list[bytes]: ...

    async def add_cosignature(self, size: int, sig: Signature, timestamp: int) -> None: ...


class OwnFeed:
    """The own feed's state (see the module's docstring); built once its tree is loaded."""

    def __init__(
        self,
        side: Side,
        *,
        tree: Tree,
        store: Store,
        signer: Signer,
        index: FeedIndex,
        recorder: Recorder,
        clock_ms: Clock,
        tail: Tail | None = None,
    ) -> None:
        self.side = side
        self.tree = tree
        self.checkpoints = OwnCheckpoints()
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
        return self.tree.leaf(self.tree.size - 1) if self.tree.size else b""

    async def load_checkpoints(self) -> None:
        """Take in the stored checkpoints (the tree is loaded); sign and store one of the
        current size if there is none (an empty feed, or a checkpoint lost with a failed
        write)."""
        for record in await self._store.checkpoints(self.origin):
            self.checkpoints.add(record.size, record.note)
        self.checkpoint = self.checkpoints.notes.get(self.tree.size, b"")
        if self.checkpoint:
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
        size = self.checkpoints.sizes[-1]
        return size, self.checkpoints.notes[size]

    def note(self, size: int) -> bytes | None:
        return self.checkpoints.notes.get(size)

    async def checkpoint_for_run(self, after: int, limit: int) -> int:
        """The largest signed size in (after, after + limit]; a long run with no stored
        checkpoint inside gets one signed and stored here."""
        target = self.checkpoints.best(after, limit)
        if target is None:
            target = min(self.durable_size, after + limit)
            cp = Checkpoint(self.origin, target, self.tree.root(target))
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
        index, own = self._index, self.side.name
        return [
            i
            for i in range(start, end)
            if (rec := index.get(own, i)) is not None and rec.precedence == "FLASH"
        ]

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return self.tree.inclusion_proof(index, size)

    def consistency_proof(self, old: int, new: int) -> list[bytes]:
        return self.tree.consistency_proof(old, new)

    async def add_cosignature(self, size: int, sig: Signature, timestamp: int) -> None:
        """Keep the peer's verified cosignature of the checkpoint of ``size`` and record the
        delivery of every entry below it. The first cosignature by a witness goes into the
        checkpoint's note; a later one by the same witness (a heartbeat: the peer saw the feed
        still at that size) is kept beside it, with its timestamp."""
        note = self.checkpoints.notes[size]
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
