"""Acknowledgement deadlines: announce each notice whose deadline passes without an ack.

The watcher wakes once a second, finds notices that became overdue and publishes an ``overdue``
event for each (once per node run; a restarted node announces what is still overdue again). It
keeps the deadlines in a heap, taking in the records added since its last tick, so a tick costs
what is new or due, not a scan of both feeds; under load that is thousands of records a second,
taken in ``TAKE_IN_SLICE`` at a time between turns of the event loop.
Overdue own FLASH notices are announced to the peer again (``announce``) every
``deadlines.flash_repeat`` seconds while the link is up; the optional webhook comes in through
the ``hooks``. The watcher is built from (index, deadlines, clock, publish, announce) alone.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections.abc import Awaitable, Callable, Iterable

from ..events import AnnouncedEvent, OverdueEvent, Publish
from ..feeds.index import FeedIndex, NoticeRecord
from ..feeds.views import deadline_ms, is_overdue
from ..settings import Deadlines
from ..types import Clock

log = logging.getLogger("hotline.acks")
Hook = Callable[[NoticeRecord], Awaitable[None]]
# Push an own FLASH entry to the peer again; False while the link is down (nothing announced).
Announce = Callable[[int], bool]
TAKE_IN_SLICE = 256  # records taken into the heap between two turns of the loop (~0.5 ms)


class DeadlineWatcher:
    def __init__(
        self,
        index: FeedIndex,
        deadlines: Deadlines,
        clock_ms: Clock,
        publish: Publish,
        *,
        own_side: str,
        announce: Announce = lambda _index: False,
        interval: float = 1.0,
    ) -> None:
        self._index = index
        self._deadlines = deadlines
        self._clock_ms = clock_ms
        self._publish = publish
        self._own = own_side
        self._announce = announce
        self._interval = interval
        self._due: list[tuple[int, str, int]] = []  # heap of (deadline ms, side, index)
        self._seen: dict[str, int] = {}  # records taken into the heap, per side
        # overdue until acked, cancelled or superseded (the index has their state now)
        self._overdue_flash: set[int] = set()  # own FLASH notices, by index
        self._overdue: set[tuple[str, int]] = set()  # (side, index)
        self._repeated: dict[int, int] = {}  # own FLASH index -> last announcement (ms)
        self._task: asyncio.Task[None] | None = None
        self._hook_tasks: set[asyncio.Task[None]] = set()
        self.hooks: list[Hook] = []

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="deadlines")

    async def stop(self) -> None:
        tasks = [t for t in (self._task, *self._hook_tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                await self.check()
            except Exception:
                log.exception("deadline check failed")
            await asyncio.sleep(self._interval)

    async def check(self) -> list[NoticeRecord]:
        """Publish an overdue event for every newly overdue notice, and announce overdue own
        FLASH notices to the peer again every ``deadlines.flash_repeat`` seconds; returns the
        newly overdue."""
        now = self._clock_ms()
        deadlines = self._deadlines
        await self._take_in(deadlines)
        fresh: list[NoticeRecord] = []
        while self._due and self._due[0][0] <= now:
            _, side, index = heapq.heappop(self._due)
            rec = self._index.get(side, index)
            # acked, cancelled or superseded before its deadline: never overdue (entries stay)
            if rec is not None and is_overdue(rec, deadlines, now):
                fresh.append(rec)
                self._overdue.add((rec.side, rec.index))
                if rec.side == self._own and rec.precedence == "FLASH":
                    self._overdue_flash.add(rec.index)
        overdue = self._still_overdue(((self._own, i) for i in self._overdue_flash), now)
        self._overdue_flash = {r.index for r in overdue}
        self._repeat_flash(overdue, now)
        for rec in fresh:
            self._publish(
                OverdueEvent(
                    rec.side, rec.index, rec.kind, rec.precedence, deadline_ms(rec, deadlines), now
                )
            )
            if self.hooks:  # in the background: a slow webhook must not hold up the ticks
                task = asyncio.create_task(self._run_hooks(rec), name="overdue-hooks")
                self._hook_tasks.add(task)
                task.add_done_callback(self._hook_tasks.discard)
        return fresh

    def overdue(self) -> dict[str, int]:
        """Notices overdue now (announced, and since neither acknowledged, cancelled nor
        superseded), per side; every side is named, with 0 when none is."""
        now = self._clock_ms()
        self._overdue = {(r.side, r.index) for r in self._still_overdue(self._overdue, now)}
        counts = dict.fromkeys(self._index.sides, 0)
        for side, _ in self._overdue:
            counts[side] = counts.get(side, 0) + 1
        return counts

    def _still_overdue(self, keys: Iterable[tuple[str, int]], now: int) -> list[NoticeRecord]:
        """The records of ``keys`` as they are now that are still overdue."""
        index, deadlines = self._index, self._deadlines
        return [
            rec
            for key in keys
            if (rec := index.get(*key)) is not None and is_overdue(rec, deadlines, now)
        ]

    async def _run_hooks(self, rec: NoticeRecord) -> None:
        for hook in self.hooks:
            try:
                await hook(rec)
            except Exception:
                log.exception("overdue hook failed for %s #%d", rec.side, rec.index)

    async def _take_in(self, deadlines: Deadlines) -> None:
        """Push the deadline of every record added since the last tick (a deadline depends on
        the notice alone, so it is known when the record is)."""
        index = self._index
        for side in index.sides:
            while (start := self._seen.get(side, 0)) < (size := index.size(side)):
                end = min(size, start + TAKE_IN_SLICE)
                for rec in index.between(side, start, end):
                    due = deadline_ms(rec, deadlines)
                    if due is not None:
                        heapq.heappush(self._due, (due, side, rec.index))
                self._seen[side] = end
                if end < size:
                    await asyncio.sleep(0)

    def _repeat_flash(self, overdue: list[NoticeRecord], now: int) -> None:
        every = int(self._deadlines.flash_repeat * 1000)
        for rec in overdue:
            if rec.side != self._own or rec.precedence != "FLASH":
                continue
            last = self._repeated.get(rec.index)
            if (last is None or now - last >= every) and self._announce(rec.index):
                self._repeated[rec.index] = now
                self._publish(AnnouncedEvent(rec.side, rec.index, now))
