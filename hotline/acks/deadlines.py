"""Acknowledgement deadlines: announce each notice whose deadline passes without an ack.

The watcher wakes once a second, finds notices that became overdue and publishes an ``overdue``
event for each, once. It keeps in a heap the deadlines of the next ``horizon_ms`` (ten minutes)
only, and never more than ``held_max`` of them, whatever the number of notices awaiting an
answer: at start, those the store holds open with a deadline in the last ``horizon_ms`` or the
next (``read_due``: the store's index of notice times by precedence), and the own FLASH notices
overdue in the last day; then each record's deadline as the index adds it, if due by then; and
when half the horizon has passed (or a read stopped at ``held_max``), the next stretch is read
from the store: a read costs the notices of those minutes, not the history. A tick costs what is
due, not a scan of the feeds. The notices overdue and unanswered are counted in a bitmap of
their indexes (:mod:`.overdue`); an ack, cancel or update added takes the notice it answers out.
Overdue own FLASH notices are announced to the peer again (``announce``) every
``deadlines.flash_repeat`` seconds while the link is up, the newest ``FLASH_REPEATED`` of them;
the optional webhook comes in through the ``hooks``. The watcher is built from (index,
deadlines, clock, publish, announce, read_due) alone; without ``read_due`` (nothing stored
behind the index) it keeps every deadline it is given.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections.abc import Awaitable, Callable

from ..events import AnnouncedEvent, OverdueEvent, Publish
from ..feeds.index import FeedIndex, NoticeRecord
from ..feeds.load import ReadDue
from ..feeds.views import deadline_ms, is_overdue
from ..settings import Deadlines
from ..types import Clock
from .overdue import Overdue

log = logging.getLogger("hotline.acks")
Hook = Callable[[NoticeRecord], Awaitable[None]]
# Push an own FLASH entry to the peer again; False while the link is down (nothing announced).
Announce = Callable[[int], bool]
HORIZON_MS = 600_000  # deadlines this far ahead are kept in memory; the store holds the rest
HELD_MAX = 16_384  # deadlines held in memory at most
FLASH_LOOKBACK_MS = 86_400_000  # at start, own FLASH notices overdue this long are found again
FLASH_REPEATED = 256  # overdue own FLASH notices announced again, the newest


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
        held_max: int = HELD_MAX,
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
        self._held_max = held_max
        self._due: list[tuple[int, str, int]] = []  # heap of (deadline ms, side, index)
        self._horizon: int | None = None  # every deadline up to it is in the heap, or counted
        self._overdue = Overdue(list(index.sides))  # until acked, cancelled or superseded
        self._overdue_flash: set[int] = set()  # own FLASH notices, by index (the newest)
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
        """At start: the own FLASH notices overdue in the last day, and the deadlines of the
        notices awaiting an answer from ``horizon_ms`` ago up to ``horizon_ms`` ahead."""
        if self._read_due is None:
            return
        now = self._clock_ms()
        since = now - self._horizon_ms
        found, _ = await self._read_due(now - FLASH_LOOKBACK_MS, since, FLASH_REPEATED, ("FLASH",))
        for item in found:
            if item[1] == self._own:
                heapq.heappush(self._due, item)
        self._horizon = since
        await self._refill(now)

    async def _refill(self, now: int) -> None:
        """Read the deadlines from the last horizon up to ``now`` plus ``horizon_ms``, as many
        as the heap has room for. The horizon moves first: a record added while the store is
        read is taken in by :meth:`_added` (if the read finds it too, it is counted once)."""
        if self._read_due is None:
            return
        if len(self._due) >= self._held_max and self._horizon is not None:
            # no room: those beyond the horizon (it came down to a record added) are read again
            self._due = [item for item in self._due if item[0] <= self._horizon]
            heapq.heapify(self._due)
        room = self._held_max - len(self._due)
        if room <= 0:  # every one held is due by the horizon: read once some are taken
            return
        after = now - self._horizon_ms if self._horizon is None else self._horizon
        self._horizon = now + self._horizon_ms
        try:
            found, reached = await self._read_due(after, self._horizon, room, None)
        except BaseException:
            self._horizon = after  # read again at the next tick
            raise
        self._horizon = min(self._horizon, reached)
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
            if self._read_due is not None and len(self._due) >= self._held_max:
                self._horizon = due - 1  # no room: read from the store when its turn comes
            else:
                heapq.heappush(self._due, (due, rec.side, rec.index))
        for answered in (rec.target, rec.supersedes):
            if answered is not None and self._overdue.discard(*answered):
                if answered[0] == self._own:
                    self._overdue_flash.discard(answered[1])
                    self._repeated.pop(answered[1], None)

    async def check(self) -> list[NoticeRecord]:
        """Publish an overdue event for every newly overdue notice, and announce overdue own
        FLASH notices to the peer again every ``deadlines.flash_repeat`` seconds; returns the
        newly overdue."""
        now = self._clock_ms()
        deadlines = self._deadlines
        keys: dict[tuple[str, int], None] = {}  # once each: a refill may repeat a record added
        self._take_due(now, keys)
        if self._horizon is None or self._horizon - now < self._horizon_ms // 2:
            await self._refill(now)  # with the room the due ones left
            self._take_due(now, keys)
        fresh: list[NoticeRecord] = []
        for rec in await self._index.records(list(keys)) if keys else []:
            # acked, cancelled or superseded before its deadline: never overdue (entries stay)
            if rec is None or not is_overdue(rec, deadlines, now):
                continue
            if self._overdue.add(rec.side, rec.index):  # not counted already (a read again)
                fresh.append(rec)
                if rec.side == self._own and rec.precedence == "FLASH":
                    self._flash_overdue(rec.index)
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

    def _take_due(self, now: int, keys: dict[tuple[str, int], None]) -> None:
        while self._due and self._due[0][0] <= now:
            _, side, index = heapq.heappop(self._due)
            keys[(side, index)] = None

    def _flash_overdue(self, index: int) -> None:
        """An own FLASH overdue: announced again, the newest :data:`FLASH_REPEATED` only."""
        self._overdue_flash.add(index)
        if len(self._overdue_flash) > FLASH_REPEATED:
            oldest = min(self._overdue_flash)
            self._overdue_flash.discard(oldest)
            self._repeated.pop(oldest, None)

    def overdue(self) -> dict[str, int]:
        """Notices overdue now (announced, and since neither acknowledged, cancelled nor
        superseded), per side; every side is named, with 0 when none is."""
        return self._overdue.counts()

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
