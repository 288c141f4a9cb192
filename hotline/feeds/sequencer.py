"""The sequencer: the single writer of the node's own feed.

Append = validate → entry bytes → Merkle update → signed checkpoint → one durable write →
publish. Posts that arrive while a write is in flight queue up (:mod:`.postqueue`: by
precedence, FLASH in batches of their own, writes paced under load) and go together into the
next write (group commit: one fsync and one checkpoint signature for the whole batch). When no
batch is being written, a FLASH post is written by its caller at once, in the caller's turn of
the event loop (waking the sequencer's task would cost a turn). The loop turns between encoding
a batch and writing it: a FLASH read then is written right after the batch, in the same turn
and ahead of the batch's answers. Without one, the loop turns again before the answers go out,
and a FLASH read in that turn is written first; after such a FLASH the loop turns once more, so
that its caller answers it before the batch's answers are made. Once a FLASH is durable, the
``urgent`` hook sends it on to the peer in the same turn, before its answers. An idempotency key
(``client_ref``, :mod:`.idempotency`) makes a retried post return the original entry instead of
appending twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from hotline_protocol.checkpoint import Checkpoint, sign_checkpoint
from hotline_protocol.entries import (
    Entry,
    encode_entry,
    notice_text,
)
from hotline_protocol.errors import ProtocolError
from hotline_protocol.note import Signer
from hotline_protocol.notices import Notice

from ..errors import (
    Conflict,
    DuplicateIds,
    HotlineError,
    LinkFailed,
    Unavailable,
)
from ..store.base import CheckpointRecord, Store
from .idempotency import Idempotency
from .own import OwnFeed
from .postqueue import Appended, OnAppended, Post, PostQueue
from .rules import Claims, Validator
from .takein import read_stored_beyond, write_recovered

log = logging.getLogger("hotline.sequencer")


Committed = Callable[[list[Entry], bytes, int], None]  # entries, checkpoint note, time ms
# Awaited in the turn of the loop that made a FLASH durable, after ``committed`` and before the
# answers: the node sends the FLASH on to the peer there, not a turn later.
Urgent = Callable[[], Awaitable[None]]


class Sequencer:
    def __init__(
        self,
        *,
        feed: OwnFeed,
        signer: Signer,
        store: Store,
        validate: Validator,
        committed: Committed,
        clock_ms: Callable[[], int],
        batch_max: int = 512,
        commit_interval: float = 0.0,
        urgent: Urgent | None = None,
    ) -> None:
        self.feed = feed
        self._signer = signer
        self._store = store
        self._rules = validate  # reads and keeps what a batch refers to
        self._validate: Callable[[Notice, Claims], None] = validate  # checks each notice
        self._committed = committed
        self._clock_ms = clock_ms
        self._urgent = urgent
        self._writing = asyncio.Lock()  # one batch at a time: the sequencer's, or a FLASH's
        self._posts = PostQueue(batch_max, commit_interval)
        self._refs = Idempotency(store, feed)
        self._task: asyncio.Task[None] | None = None
        self._unsure = False  # a write failed: the store may hold more than the feed here
        self.batches = 0
        self.appended = 0
        # told how long each batch's store append took (seconds): the metrics' store latency
        self.on_write: Callable[[float], None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="sequencer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        for item in self._posts:
            if not item.future.done():
                item.future.set_exception(Unavailable("shutting_down", "the node is stopping"))

    @property
    def queued(self) -> int:
        return len(self._posts)

    async def append(
        self,
        notice: Notice,
        ref_key: str | None = None,
        on_appended: OnAppended | None = None,
        text: bytes | None = None,
    ) -> Appended:
        """Queue a notice; returns once its entry is durable (or raises why it was refused).
        ``on_appended`` is called with the new entry as soon as it is durable (not for a
        replayed idempotency key: that one only returns). ``text``: ``notice_text(notice)``,
        when the caller has it already (made from what the notice was validated from)."""
        if ref_key is not None:
            earlier = await self._refs.earlier(ref_key)
            if earlier is not None:
                return earlier
        fut, rank = self._queue(notice, ref_key, on_appended, text)
        if rank == 0 and not self._writing.locked():
            # written here and now, in the caller's turn of the loop: waking the sequencer's
            # task would cost a turn, and under load a turn of the loop is milliseconds
            try:
                async with self._writing:  # (waits if the sequencer's task was woken for it)
                    if self._posts:  # that task may have written it meanwhile
                        await self._commit_batch(self._posts.next_batch())
            except asyncio.CancelledError:
                if fut.done() and not fut.cancelled():
                    fut.exception()  # refused by _fail (store_unavailable); the caller is gone
                raise
        else:
            self._posts.wake_for(rank)
        return await fut

    def enqueue(
        self, notice: Notice, on_appended: OnAppended | None = None, text: bytes | None = None
    ) -> asyncio.Future[Appended]:
        """Queue a notice without an idempotency key for the sequencer's next batch, without
        waiting: the future gets its entry once durable (or why it was refused). A key needs
        :meth:`append`, which looks for an earlier entry first. A FLASH queued here is written
        by the sequencer's task (or the next FLASH caller); :meth:`append` writes it at once."""
        fut, rank = self._queue(notice, None, on_appended, text)
        self._posts.wake_for(rank)
        return fut

    def _queue(
        self,
        notice: Notice,
        ref_key: str | None,
        on_appended: OnAppended | None,
        text: bytes | None,
    ) -> tuple[asyncio.Future[Appended], int]:
        self._check_not_behind()
        if text is None:
            text = notice_text(notice)  # here, so that the batch's turn is short
        return self._posts.push(notice, text, ref_key, on_appended)

    async def _run(self) -> None:
        while True:
            await self._posts.wake.wait()
            self._posts.wake.clear()
            while self._posts:
                await self._posts.pace()
                async with self._writing:
                    if self._posts:  # a FLASH caller may have written what was queued
                        await self._commit_batch(self._posts.next_batch())

    async def _commit_batch(self, batch: list[Post]) -> None:
        try:
            if self._unsure:
                await self._take_in_stored()
            await self._commit(batch)
        except Exception as exc:  # the store failed: every post in the batch fails
            log.exception("durable write failed")
            self._fail(batch, f"durable write failed: {exc}")
        except asyncio.CancelledError:  # the writing task was cancelled (its client went)
            self._fail(batch, "the write was interrupted")
            raise

    def _fail(self, batch: list[Post], why: str) -> None:
        """The batch's write failed or was cut short. It may have been stored all the same:
        the next write first takes in what the store holds. Its posts not yet told are refused
        (Unavailable, store_unavailable); a retry with the same ``client_ref`` finds the entry
        if it was stored."""
        self._unsure = True
        err = Unavailable("store_unavailable", why)
        for item in batch:
            if not item.future.done():
                item.future.set_exception(err)

    def _check_not_behind(self) -> None:
        """Unavailable ``feed_behind`` while the peer holds more of the own feed than this node
        (restored from an older backup): an entry appended now would fork the feed."""
        feed = self.feed
        if feed.behind > feed.size:
            raise Unavailable(
                "feed_behind",
                f"the peer holds {feed.behind} entries of this feed and this node "
                f"{feed.size}: posts resume once they are recovered from the peer",
            )

    async def take_in(self, start: int, entries: list[Entry], cp: Checkpoint, raw: bytes) -> None:
        """Append a run of the own feed recovered from the peer (chain and signatures verified
        by the caller) at ``start`` (:func:`.takein.write_recovered`), then publish it like any
        batch."""
        async with self._writing:
            feed = self.feed
            if start != feed.size:
                raise LinkFailed("feed_moved", f"the own feed is at {feed.size}, not {start}")
            now = self._clock_ms()
            note = await write_recovered(feed, self._signer, self._store, entries, cp, raw, now)
            self.appended += len(entries)
            self._committed(entries, note, now)

    async def _commit(self, batch: list[Post]) -> None:
        feed = self.feed
        start = feed.size
        try:
            self._check_not_behind()
        except Unavailable as exc:  # the peer said so while these posts waited
            for item in batch:
                if not item.future.done():
                    item.future.set_exception(exc)
            return
        # the records the notices refer to and the entries holding their ids, read and kept
        held = await self._rules.prepare([item.notice for item in batch])
        try:
            accepted: list[tuple[Post, Entry]] = []
            refs: dict[str, int] = {}
            replays: list[tuple[Post, int]] = []
            prev = feed.prev()
            claimed = Claims()
            for item in batch:
                if item.ref_key is not None:
                    known = self._refs.known(item.ref_key, refs)
                    if known is not None:
                        replays.append((item, known))
                        continue
                try:
                    self._validate(item.notice, claimed)
                    entry = encode_entry(
                        feed.origin, start + len(accepted), prev, item.notice, item.text
                    )
                except (ProtocolError, HotlineError) as exc:  # the notice is refused
                    if not item.future.done():
                        item.future.set_exception(exc)
                    continue
                accepted.append((item, entry))
                prev = entry.leaf_hash
                if item.ref_key is not None:
                    refs[item.ref_key] = entry.index
            if accepted:
                if batch[0].rank > 0:
                    await asyncio.sleep(0)  # encoded: the loop turns (a FLASH frame is read) first
                try:
                    await self._write(start, accepted, refs)
                except DuplicateIds as exc:  # the store holds these ids in the feed already
                    taken = set(exc.found)  # type: ignore[call-overload]
                    rest = []
                    for item, _ in accepted:
                        if str(item.notice.id) in taken and not item.future.done():
                            item.future.set_exception(_duplicate(item.notice, feed.side.name))
                        else:
                            rest.append(item)
                    await self._commit(rest)  # written without them
        finally:
            self._rules.release(held)
        for item, index in replays:
            if not item.future.done():
                try:
                    item.future.set_result(await self._refs.replay(index))
                except Exception as exc:
                    item.future.set_exception(exc)

    async def _write(
        self, start: int, accepted: list[tuple[Post, Entry]], refs: dict[str, int]
    ) -> None:
        feed = self.feed
        entries = [e for _, e in accepted]
        feed.tree.extend(e.leaf_hash for e in entries)
        try:
            cp = Checkpoint(feed.origin, feed.tree.size, feed.tree.root())
            note = sign_checkpoint(cp, self._signer)
            now = self._clock_ms()
            record = CheckpointRecord(feed.origin, cp.size, cp.root, note, now)
            began = time.perf_counter()
            await self._store.append(
                feed.origin, start, [(e.raw, e.leaf_hash) for e in entries], record, refs
            )
            feed.tree.commit()
            if self.on_write is not None:
                self.on_write(time.perf_counter() - began)
        except BaseException:
            feed.tree.rollback()  # (nothing once committed)
            raise
        feed.checkpoint = note
        self._refs.remember(refs)
        self.batches += 1
        self.appended += len(entries)
        self._committed(entries, note, now)
        if accepted[0][0].rank == 0:
            await self._send_urgent()
        else:
            # Durable and published; a FLASH read while this batch was encoded is written now,
            # before its answers. Without one, the answers wait one turn of the loop, and a
            # FLASH read in that turn is written before them. Either way the loop turns once
            # after the FLASH's write, so that its caller answers it before this batch is.
            if not self._posts.flash_queued():
                await asyncio.sleep(0)
            if self._posts.flash_queued():
                await self._commit_batch(self._posts.next_batch())
                await asyncio.sleep(0)
        for item, entry in accepted:
            if not item.future.done():
                appended = Appended(entry, checkpoint=note)
                if item.on_appended is not None:
                    try:
                        item.on_appended(appended)
                    except Exception:
                        log.exception("on_appended of entry %d failed", entry.index)
                item.future.set_result(appended)

    async def _send_urgent(self) -> None:
        if self._urgent is None:
            return
        try:
            await self._urgent()
        except Exception:  # the entries are durable: their posts succeed all the same
            log.exception("sending a FLASH on at once failed")

    async def _take_in_stored(self) -> None:
        """After a failed write, take in what the store holds beyond the feed here
        (:func:`.takein.read_stored_beyond`): its posts were refused as store_unavailable; their
        entries are published now, and the next append starts after them instead of conflicting
        forever. Raises while the store is unreachable."""
        found = await read_stored_beyond(self.feed, self._store)
        if found is not None:
            entries, note = found
            self.appended += len(entries)
            self._committed(entries, note, self._clock_ms())
        self._unsure = False


def _duplicate(notice: Notice, side: str) -> Conflict:
    return Conflict("duplicate_id", f"a notice with id {notice.id} is in {side}'s feed already")
