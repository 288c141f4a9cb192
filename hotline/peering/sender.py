"""Sending the own feed to the peer: ordered replication, FLASH overtaking, receipts.

The sender starts from the size the peer says it holds and pushes entries in order, in messages
of at most ``message_bytes`` of entries (``MAX_MESSAGE_BYTES``, less on a thin line), each run
closed by a stored signed checkpoint with a consistency proof from the size the peer last
cosigned. A FLASH entry appended while a backlog is still queued is pushed at once with an
inclusion proof against the latest signed checkpoint, so the peer can verify it and alarm before
the backlog is through. The peer answers each
checkpoint with its cosignature: the delivery receipt, verified and stored here. Under load, runs
go at most every ``limits.run_interval_ms`` (the peer's work per checkpoint is then shared by more
entries); new entries travel from an in-memory tail of the feed rather than from the store.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

from hotline_protocol import peer as m
from hotline_protocol.cosignature import CosignatureVerifier, verify_cosignature
from hotline_protocol.errors import ProtocolError
from hotline_protocol.note import Signature, split_note

from ..errors import Refusal
from ..feeds.own import FeedReader

MAX_MESSAGE_BYTES = 1024 * 1024  # base64 entry bytes per ``entries`` message
# Entries per message sent (the receiver takes up to peer.MAX_ENTRIES_PER_MESSAGE): each
# message is encoded, sent, received and decoded in one go, so small ones keep the event loops
# at both ends free for a FLASH in between.
SEND_ENTRIES = 64
MAX_RUN = 4096  # entries covered by one checkpoint at most
# Runs sent and not yet cosigned, at most. A peer slower than the posts then gets fewer, larger
# runs (its per-checkpoint work and writes are shared by more entries) instead of a queue of
# small ones in the socket, which a FLASH pushed later would have to wait behind.
MAX_UNCOSIGNED_RUNS = 2


class Sender:
    """Follows the own feed through its read port (``feed``) and pushes it to the peer:
    ``send`` queues a bulk message (and may wait for room), ``send_urgent`` one that goes first;
    receipts are verified with the peer's pinned ``witness`` key."""

    def __init__(
        self,
        feed: FeedReader,
        witness: CosignatureVerifier,
        send: Callable[[str], Awaitable[None]],
        send_urgent: Callable[[str], None],
        run_interval: float = 0.0,
        heartbeat: float = 60.0,
        max_early: int = 64,
        message_bytes: int = MAX_MESSAGE_BYTES,
        max_run: int = MAX_RUN,
    ) -> None:
        self.feed = feed
        self.witness = witness
        self._send = send
        self._send_urgent = send_urgent
        self.sent = 0  # next index to send in order
        self.peer_cosigned = 0  # receipts received
        self.checkpointed = 0  # size of the last checkpoint sent (the peer's next "old")
        self.started = False
        self._wake = asyncio.Event()
        self._flash: list[int] = []
        self._flashed: set[int] = set()
        # FLASH entries whose proof needs hashes from the store: sent from the sender's turn
        self._proofless: deque[tuple[int, bytes]] = deque()
        # FLASH entries pushed ahead of the last receipt, at most (the peer holds no more: a
        # FLASH beyond goes in its place in the feed)
        self._max_early = max_early
        self._message_bytes = message_bytes  # entry bytes per message, at most (a thin line)
        self._max_run = max_run  # entries per checkpoint, at most
        self._run_interval = run_interval
        self._heartbeat = heartbeat  # seconds without a checkpoint sent before one is offered
        self._last_checkpoint = 0.0  # loop time a checkpoint last went to the peer
        self._beat = False  # the heartbeat timer fired: see whether the link was idle
        self._last_run = float("-inf")  # loop time the previous run went
        self._timer: asyncio.TimerHandle | None = None
        self._uncosigned: deque[int] = deque()  # sizes of the runs sent, not yet cosigned

    def start_from(self, have: int, cosigned: int) -> None:
        """Resume at the peer's size; FLASH entries beyond it go first."""
        self.started = True
        self.sent = have
        self.peer_cosigned = cosigned
        self.checkpointed = cosigned
        self._flash = self.feed.flash_indexes(have, self.feed.durable_size)
        self._wake.set()

    def notify(self, flash_indexes: list[int]) -> None:
        """New entries were appended (some of them FLASH: those are pushed here and now, ahead
        of the link's bulk messages, without waiting for the sender's turn)."""
        for index in flash_indexes:
            if index >= self.sent:
                self._flash.append(index)
        if self._flash and self.started:
            self._push_flash_in_memory()
        self._wake.set()

    def announce(self, index: int) -> None:
        """Push a FLASH entry again (its acknowledgement is overdue)."""
        self._flashed.discard(index)
        self._flash.append(index)
        self._wake.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        self._last_checkpoint = loop.time()
        beat = loop.call_later(self._heartbeat, self._beat_due)
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                if self._beat:
                    self._beat = False
                    if loop.time() - self._last_checkpoint >= self._heartbeat:
                        await self._send_heartbeat()  # (it counts as a checkpoint sent)
                    due = self._last_checkpoint + self._heartbeat - loop.time()
                    beat = loop.call_later(max(due, 0.05), self._beat_due)
                await self._step(loop)
        finally:
            beat.cancel()

    def _beat_due(self) -> None:
        self._beat = True
        self._wake.set()

    async def _step(self, loop: asyncio.AbstractEventLoop) -> None:
        await self._drain_flash()
        if self.sent < self._durable() and self._room():
            wait = self._last_run + self._run_interval - loop.time()
            if wait > 0:  # paced: wake up when the next run may go (a FLASH wakes sooner)
                if self._timer is None:
                    self._timer = loop.call_later(wait, self._tick)
                return
            self._last_run = loop.time()
            await self._send_run()
            self._wake.set()  # more may be waiting; flashes are checked first

    async def _send_heartbeat(self) -> None:
        """The link is idle: offer the checkpoint the peer cosigned last again, for a fresh
        cosignature (its timestamp shows when the peer saw the feed at that size)."""
        self._last_checkpoint = asyncio.get_running_loop().time()
        size = self.checkpointed
        idle = self.started and self.sent == size == self.peer_cosigned == self._durable()
        note = await self.feed.note(size)
        if idle and note is not None and self._room() and not self._uncosigned:
            await self._send(m.encode("checkpoint", note=note.decode(), old=size, proof=[]))

    def _tick(self) -> None:
        self._timer = None
        self._wake.set()

    def _room(self) -> bool:
        """May another run go? (a cosignature wakes the sender when it may)"""
        while self._uncosigned and self._uncosigned[0] <= self.peer_cosigned:
            self._uncosigned.popleft()
        return len(self._uncosigned) < MAX_UNCOSIGNED_RUNS

    async def _drain_flash(self) -> None:
        """Push every queued FLASH entry, reading from the store those the tail no longer
        holds."""
        while self._proofless:
            index, raw = self._proofless.popleft()
            size, note = self.feed.latest()
            self._send_flash_message(index, raw, note, await self.feed.inclusion_proof(index, size))
        while self._flash:
            self._push_flash_in_memory()
            if self._flash:
                index = self._flash[0]
                self._push_flash(index, (await self.feed.entries(index, index + 1))[0])

    def _push_flash_in_memory(self) -> None:
        """Push the queued FLASH entries whose bytes the feed's tail holds, up to the first it
        does not (that one waits for the sender's turn, which reads it from the store)."""
        while self._flash:
            index = self._flash[0]
            raws = self.feed.tail_entries(index, index + 1)
            if raws is None:
                return
            self._push_flash(index, raws[0])

    def _push_flash(self, index: int, raw: bytes) -> None:
        """Take the first queued FLASH index off the queue and send it, unless sent already."""
        self._flash.pop(0)
        if index not in self._flashed:
            cosigned = self.peer_cosigned
            ahead = sum(1 for i in self._flashed if i >= cosigned)
            if index >= cosigned and ahead >= self._max_early:
                return  # the peer holds no more early: it goes in order
            self._flashed.add(index)
            self._send_flash(index, raw)

    def _durable(self) -> int:
        """The own feed's durable size (the tree may hold entries still being written)."""
        return self.feed.durable_size

    async def _send_run(self) -> None:
        feed = self.feed
        target = await feed.checkpoint_for_run(self.sent, self._max_run)
        start = self.sent
        raws = await feed.entries(start, target)
        batch: list[str] = []
        batch_start, batch_bytes = start, 0
        for offset, raw in enumerate(raws):
            text = m.b64(raw)
            if batch and (
                batch_bytes + len(text) > self._message_bytes or len(batch) >= SEND_ENTRIES
            ):
                await self._send(m.encode("entries", start=batch_start, entries=batch))
                await asyncio.sleep(0)  # let the link (and a FLASH) run between messages
                await self._drain_flash()
                batch, batch_start, batch_bytes = [], start + offset, 0
            batch.append(text)
            batch_bytes += len(text)
        if batch:
            await self._send(m.encode("entries", start=batch_start, entries=batch))
        old = self.checkpointed
        proof = await feed.consistency_proof(old, target) if 0 < old < target else []
        note = await feed.note(target)
        assert note is not None
        await self._send(
            m.encode(
                "checkpoint",
                note=note.decode(),
                old=old,
                proof=[m.b64(h) for h in proof],
            )
        )
        self.sent = self.checkpointed = target
        self._uncosigned.append(target)
        self._last_checkpoint = asyncio.get_running_loop().time()

    def _send_flash(self, index: int, raw: bytes) -> None:
        size, note = self.feed.latest()
        if index >= size:
            return
        proof = self.feed.inclusion_proof_in_memory(index, size)
        if proof is None:  # an old entry (an overdue one announced again): read the proof
            self._proofless.append((index, raw))
            self._wake.set()
            return
        self._send_flash_message(index, raw, note, proof)

    def _send_flash_message(self, index: int, raw: bytes, note: bytes, proof: list[bytes]) -> None:
        self._send_urgent(
            m.encode(
                "flash",
                index=index,
                entry=m.b64(raw),
                note=note.decode(),
                proof=[m.b64(h) for h in proof],
            )
        )

    async def on_cosignature(self, size: int, line: str, raw_msg: bytes) -> None:
        """Verify the peer's cosignature of our checkpoint of ``size``; the feed keeps it."""
        note = await self.feed.note(size)
        if note is None:
            raise Refusal("unknown_checkpoint", f"no checkpoint of size {size} here", raw_msg)
        try:
            sig = Signature.parse_line(line)
            body = split_note(note)[0]
            timestamp = verify_cosignature(body, sig, self.witness)
        except ProtocolError as exc:
            raise Refusal(exc.code, str(exc), raw_msg) from exc
        await self.feed.add_cosignature(size, sig, timestamp)
        self.peer_cosigned = max(self.peer_cosigned, size)
        self._flashed = {i for i in self._flashed if i >= self.peer_cosigned}
        self._wake.set()  # room for another run
