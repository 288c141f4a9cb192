"""Acknowledgement deadlines: announce each notice whose deadline passes without an ack.

The watcher wakes once a second, finds notices that became overdue and publishes an ``overdue``
event for each (once per node run; a restarted node announces what is still overdue again). It
keeps in a heap the deadlines of the next ``horizon_ms`` (ten minutes) only, whatever the number
of notices awaiting an answer: at start, those the store holds open and due by then
(``read_due``: the store's open set), then each record's as the index adds it if due by then; and
when half the horizon has passed, the next stretch is read from the store (its index of notice
times by precedence: a read costs the notices of those minutes, not the history). A tick costs
what is due, not a scan of the feeds. An ack, cancel or update added takes the notice it answers
out of the overdue set.
Overdue own FLASH notices are announced to the peer again (``announce``) every
``deadlines.flash_repeat`` seconds while the link is up; the optional webhook comes in through
the ``hooks``. The watcher is built from (index, deadlines, clock, publish, announce, read_due)
alone; without ``read_due`` (nothing stored behind the index) it keeps every deadline it is
given.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections.abc import Awaitable, Callable

from ..events import AnnouncedEvent, OverdueEvent, Publish
from ..feeds.index import FeedIndex, NoticeRecord
from ..feeds.views import deadline_ms, is_overdue
from ..settings import Deadlines
from ..types import Clock

log = logging.getLogger("hotline.acks")
Hook = Callable[[NoticeRecord], Awaitable[None]]
# Push an own FLASH entry to the peer again; False while the link is down (nothing announced).
Announce = Callable[[int], bool]
# The notices awaiting an answer with a deadline in (after, until] (after None: any up to
# until), as (deadline ms, side, index).
ReadDue = Callable[[int | None, int], Awaitable[list[tuple[int, str, int]]]]
HORIZON_MS = 600_000  # deadlines this far ahead are kept in memory; the store holds the rest


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
        read_due: ReadDue | None = None,
        interval: float = 1.0,
        horizon_ms: int = HORIZON_MS,
    ) -> None:
        self._index = index
        self._deadlines = deadlines
        self._clock_ms = clock_ms
        self._publish = publish
        self._own = own_side
        self._announce = announce
        self._interval = interval
        self._read_due = read_due
        self._horizon_ms = horizon_ms
        self._due: list[tuple[int, str, int]] = []  # heap of (deadline ms, side, index)
        self._horizon: int | None = None  # every deadline up to it is in the heap
        # overdue until acked, cancelled or superseded
        self._overdue_flash: set[int] = set()  # own FLASH notices, by index
        self._overdue: set[tuple[str, int]] = set()  # (side, index)
        self._repeated: dict[int, int] = {}  # own FLASH index -> last announcement (ms)
        self._task: asyncio.Task[None] | None = None
        self._hook_tasks: set[asyncio.Task[None]] = set()
        self.hooks: list[Hook] = []
        index.on_add.append(self._added)

    @property
    def held(self) -> int:
        """Deadlines held in memory (those up to the horizon, not yet passed)."""
        return len(self._due)

    async def load(self) -> None:
        """At start: the deadlines of the notices awaiting an answer, up to the horizon."""
        await self._refill(self._clock_ms())

    async def _refill(self, now: int) -> None:
        """Read the deadlines from the last horizon up to ``now`` plus ``horizon_ms``. The
        horizon moves first: a record added while the store is read is taken in by
        :meth:`_added` (if the read finds it too, :meth:`check` counts it once)."""
        if self._read_due is None:
            return
        after, until = self._horizon, now + self._horizon_ms
        self._horizon = until
        try:
            found = await self._read_due(after, until)
        except BaseException:
            self._horizon = after  # read again at the next tick
            raise
        for item in found:
            heapq.heappush(self._due, item)

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

    def _added(self, rec: NoticeRecord) -> None:
        """A record added: its deadline, if it needs an answer; what it answers is answered."""
        due = deadline_ms(rec, self._deadlines)
        if due is not None and (self._horizon is None or due <= self._horizon):
            heapq.heappush(self._due, (due, rec.side, rec.index))
        for answered in (rec.target, rec.supersedes):
            if answered is not None and answered in self._overdue:
                self._overdue.discard(answered)
                if answered[0] == self._own:
                    self._overdue_flash.discard(answered[1])

    async def check(self) -> list[NoticeRecord]:
        """Publish an overdue event for every newly overdue notice, and announce overdue own
        FLASH notices to the peer again every ``deadlines.flash_repeat`` seconds; returns the
        newly overdue."""
        now = self._clock_ms()
        deadlines = self._deadlines
        if self._horizon is None or self._horizon - now < self._horizon_ms // 2:
            await self._refill(now)
        keys: dict[tuple[str, int], None] = {}  # once each: a refill may repeat a record added
        while self._due and self._due[0][0] <= now:
            _, side, index = heapq.heappop(self._due)
            keys[(side, index)] = None
        fresh: list[NoticeRecord] = []
        for rec in await self._index.records(list(keys)) if keys else []:
            # acked, cancelled or superseded before its deadline: never overdue (entries stay)
            if rec is not None and is_overdue(rec, deadlines, now):
                fresh.append(rec)
                self._overdue.add((rec.side, rec.index))
                if rec.side == self._own and rec.precedence == "FLASH":
                    self._overdue_flash.add(rec.index)
        self._repeat_flash(now)
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
        counts = dict.fromkeys(self._index.sides, 0)
        for side, _ in self._overdue:
            counts[side] = counts.get(side, 0) + 1
        return counts

    async def _run_hooks(self, rec: NoticeRecord) -> None:
        for hook in self.hooks:
            try:
                await hook(rec)
            except Exception:
                log.exception("overdue hook failed for %s #%d", rec.side, rec.index)

    def _repeat_flash(self, now: int) -> None:
        every = int(self._deadlines.flash_repeat * 1000)
        for index in sorted(self._overdue_flash):
            last = self._repeated.get(index)
            if (last is None or now - last >= every) and self._announce(index):
                self._repeated[index] = now
                self._publish(AnnouncedEvent(self._own, index, now))
