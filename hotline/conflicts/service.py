"""The conflicts between the two sides' notices, kept as entries are recorded and as time passes.

The rule is the protocol library's (:mod:`hotline_protocol.deconfliction`, PROTOCOL.md
*Deconfliction*): a pure function of the two feeds and a time, so both nodes, and an auditor
from an export, find the same conflicts with the same ids. This service keeps the library's
incremental :class:`~hotline_protocol.deconfliction.ConflictIndex` fed with every durable entry
of both feeds (at start-up and as the recorder records them), and tells subscribers what changed:
a ``conflict`` event when one opens, changes (an update moved its overlap), clears (a notice was
cancelled or superseded, or its window ended) or is handled.

A conflict is **handled** once either side has appended a liaison that names it (``conflict``,
its id, and ``regarding``, its two entries): the handling is itself a signed and delivered entry,
so both nodes mark it handled. Time is checked once a second: a conflict whose overlap ended, or
an entry whose window opens or closes, is looked at again then.

The geometry costs up to about half a millisecond a notice, so it never runs in the turn that
records an entry: recorded entries wait in a queue that the service's task takes in a few at a
time between other work, and that every read takes in first (a read sees every notice recorded
before it). A planned operation whose window is already over when it is recorded (or read at
start-up) can never conflict again and is not taken in at all.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections import deque
from typing import Any

from hotline_protocol.deconfliction import (
    Conflict,
    ConflictIndex,
    FeedItem,
    handled_conflict,
    withdrawn_by,
)
from hotline_protocol.entries import Entry
from hotline_protocol.notices import Liaison, Notice, PlannedOperation

from ..events import ConflictEvent, Publish
from ..feeds.index import FeedIndex
from ..types import Clock

log = logging.getLogger("hotline.conflicts")
Key = tuple[str, int]
TICK_SECONDS = 1.0
TAKE_SLICE = 8  # entries taken in between two turns of the event loop (each up to ~0.5 ms)
PRUNE_MS = 60_000


class ConflictService:
    def __init__(
        self, engine: ConflictIndex, index: FeedIndex, clock_ms: Clock, publish: Publish
    ) -> None:
        self._engine = engine
        self.index = index
        self._clock_ms = clock_ms
        self._publish = publish
        self._open: dict[str, Conflict] = {}  # id -> as last computed
        self._by_key: dict[Key, set[str]] = {}  # entry -> ids of its open conflicts
        self._handled: dict[str, Key] = {}  # id -> the liaison that handled it
        self._boundaries: list[tuple[int, str, int]] = []  # (time, side, index): look again
        self._task: asyncio.Task[None] | None = None
        self._loading: list[FeedItem] = []
        self._queue: deque[tuple[str, Entry]] = deque()  # recorded, not yet taken in
        self._ready = asyncio.Event()
        self._pruned = 0  # when the engine last forgot what is over (unix ms)
        self._appended: dict[Key, int] = {}  # when the entries the engine holds were appended

    # feeding --------------------------------------------------------------------------------
    def loaded(
        self, side: str, index: int, leaf_hash: bytes, notice: Notice, appended_ms: int
    ) -> None:
        """An entry read at start-up (before :meth:`start`): an operation or emergency not
        withdrawn, or a liaison about one; only what the rule looks at is kept."""
        if _relevant(notice) and not _over(notice, self._clock_ms()):
            self._note_handling(side, index, notice)
            if not isinstance(notice, Liaison):
                self._loading.append(FeedItem(side, index, leaf_hash, notice))
                self._appended[(side, index)] = appended_ms
                self._watch(side, index, notice)

    def finish_loading(self) -> None:
        """Index what start-up read, at once, and compute the open conflicts."""
        self._engine.extend(self._loading)
        self._loading = []
        for conflict in self._engine.conflicts(self._clock_ms()):
            self._set(conflict)

    def recorded(self, side: str, entry: Entry) -> None:
        """A durable entry of either feed (the recorder's listener): queued, and taken in by
        the service's task in slices between other work (a flood of notices is never held up
        by the geometry), or at once by a read (:meth:`settle`)."""
        notice = entry.notice
        if _relevant(notice) and not _over(notice, self._clock_ms()):
            self._queue.append((side, entry))
            self._ready.set()

    def settle(self) -> None:
        """Take in every entry queued so far (a read then sees every notice recorded)."""
        while self._queue:
            self._take(*self._queue.popleft())

    def _take(self, side: str, entry: Entry) -> None:
        notice = entry.notice
        item = FeedItem(side, entry.index, entry.leaf_hash, notice)
        affected: set[Key] = {(side, entry.index)}
        affected.update((s, i) for s, i, _ in withdrawn_by(item) if i is not None)
        rec = self.index.cached(side, entry.index)  # just recorded
        self._appended[(side, entry.index)] = self._clock_ms() if rec is None else rec.appended_ms
        self._engine.add(item)
        self._watch(side, entry.index, notice)
        handled = self._note_handling(side, entry.index, notice)
        self._refresh(affected, self._clock_ms())
        if handled is not None and handled in self._open:
            self._publish(ConflictEvent("handled", self.view(self._open[handled])))

    # reading --------------------------------------------------------------------------------
    def listing(self, state: str = "open") -> list[dict[str, Any]]:
        self.settle()
        views = [self.view(c) for c in sorted(self._open.values(), key=lambda c: c.id)]
        if state == "all":
            return views
        return [v for v in views if v["state"] == state]

    def check(self, draft: Notice, side: str) -> list[dict[str, Any]]:
        self.settle()
        return [c.to_json() for c in self._engine.check(draft, side, self._clock_ms())]

    def get(self, conflict_id_: str) -> Conflict | None:
        self.settle()
        return self._open.get(conflict_id_)

    def handled_by(self, conflict_id_: str) -> Key | None:
        """The liaison that marked the conflict handled, if one did."""
        return self._handled.get(conflict_id_)

    def view(self, conflict: Conflict) -> dict[str, Any]:
        handled = self._handled.get(conflict.id)
        appended = self._appended
        detected = [
            appended[(ref.side, ref.index)]
            for ref in conflict.between
            if ref.index is not None and (ref.side, ref.index) in appended
        ]
        return {
            **conflict.to_json(),
            "state": "handled" if handled is not None else "open",
            "handled_by": None if handled is None else {"side": handled[0], "index": handled[1]},
            "detected_at": max(detected, default=0),
        }

    # time -----------------------------------------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="conflicts")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_tick = loop.time() + TICK_SECONDS
        while True:
            try:
                async with asyncio.timeout(max(0.0, next_tick - loop.time())):
                    await self._ready.wait()
            except TimeoutError:
                pass
            self._ready.clear()
            try:
                taken = 0
                while self._queue:
                    self._take(*self._queue.popleft())
                    taken += 1
                    if taken % TAKE_SLICE == 0:
                        await asyncio.sleep(0)  # a FLASH, a post, a read go in between
                if loop.time() >= next_tick:
                    next_tick = loop.time() + TICK_SECONDS
                    self.tick()
            except Exception:
                log.exception("conflict check failed")

    def tick(self) -> None:
        """Look again at entries whose window opened or closed since the last tick, and at open
        conflicts whose overlap ended."""
        now = self._clock_ms()
        due: set[Key] = set()
        while self._boundaries and self._boundaries[0][0] <= now:
            _, side, index = heapq.heappop(self._boundaries)
            due.add((side, index))
        for conflict in list(self._open.values()):
            end = getattr(conflict.overlap, "end", None)
            if end is not None and end <= now:
                due.update((r.side, r.index) for r in conflict.between if r.index is not None)
        if due:
            self._refresh(due, now)
        if now - self._pruned >= PRUNE_MS:  # what can never be active again is forgotten
            self._pruned = now
            self._engine.prune(now)
            held = self._engine.keys()
            self._appended = {k: v for k, v in self._appended.items() if k in held}

    # internals ------------------------------------------------------------------------------
    def _refresh(self, keys: set[Key], now: int) -> None:
        """Recompute the conflicts of ``keys``; publish what opened, changed or cleared."""
        before = {cid: self._open[cid] for key in keys for cid in self._by_key.get(key, ())}
        after: dict[str, Conflict] = {}
        for side, index in keys:
            for conflict in self._engine.conflicts_of(side, index, now):
                after[conflict.id] = conflict
        for cid, conflict in after.items():
            old = before.get(cid)
            if old is None:
                self._set(conflict)
                self._publish(ConflictEvent("opened", self.view(conflict)))
            elif old != conflict:
                self._set(conflict)
                self._publish(ConflictEvent("changed", self.view(conflict)))
        for cid, conflict in before.items():
            if cid not in after:
                view = self.view(conflict)
                self._unset(conflict)
                self._publish(ConflictEvent("cleared", view))

    def _set(self, conflict: Conflict) -> None:
        self._open[conflict.id] = conflict
        for ref in conflict.between:
            if ref.index is not None:
                self._by_key.setdefault((ref.side, ref.index), set()).add(conflict.id)

    def _unset(self, conflict: Conflict) -> None:
        self._open.pop(conflict.id, None)
        for ref in conflict.between:
            if ref.index is not None:
                ids = self._by_key.get((ref.side, ref.index))
                if ids is not None:
                    ids.discard(conflict.id)
                    if not ids:
                        del self._by_key[(ref.side, ref.index)]

    def _watch(self, side: str, index: int, notice: Notice) -> None:
        window = notice.window if isinstance(notice, PlannedOperation) else None
        if window is not None:
            for at in (window.start, window.end):
                heapq.heappush(self._boundaries, (at, side, index))

    def _note_handling(self, side: str, index: int, notice: Notice) -> str | None:
        """A liaison that names a conflict and its two entries handles it; its id."""
        named = handled_conflict(notice)
        if named is not None:
            self._handled.setdefault(named, (side, index))
        return named


def _over(notice: Notice, now_ms: int) -> bool:
    """A planned operation whose window (or validity) is over can never conflict again: it is
    not taken in at all (a cancel or update of it then changes nothing)."""
    if not isinstance(notice, PlannedOperation):
        return False
    expires = notice.expires
    return notice.window.end <= now_ms or (expires is not None and expires <= now_ms)


def _relevant(notice: Notice) -> bool:
    """Whether the rule, or the handling of a conflict, looks at this notice."""
    return (
        notice.kind in ("planned_operation", "aircraft_in_distress", "downed_pilot", "cancel")
        or notice.supersedes is not None
        or (isinstance(notice, Liaison) and notice.conflict is not None)
    )
