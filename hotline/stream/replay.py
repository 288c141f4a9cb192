"""A subscription's events: replayed from the feeds after a cursor, then live from the hub.

The hand-over has no gap and no duplicate. The session subscribes to the hub first (live events
start queueing), takes the hub's cursor ``end`` in the same step (no await between the two), and
the :class:`EventFeed` then yields

1. the events between the client's cursor ``start`` and ``end``, rebuilt from the index and the
   stored entry bytes (:class:`Replay`): ``appended`` for every entry, ``acknowledged`` after an
   ack entry that refers to a known notice, ``delivered`` for every cosigned size;
2. when the subscription asked for a replay (it gave a cursor), a :class:`ReplayEnd` with the
   cursor ``end``: the backlog is replayed, what follows is live (the stream's ``replayed``);
3. then the queued live events, skipping any that ``end`` already covers.

``overdue``, ``link`` and ``alarm`` are live notifications about the present and are not replayed.
Replayed events are built by the same functions as the live ones, as the same typed values
(:mod:`hotline.events`), each notice as its stored canonical text: encoded, they are byte for
byte the live events. Within a side they come in index order,
and a ``delivered`` event after the entries it covers; between the sides, and between entries and
deliveries, the order is that of the millisecond times the node recorded (ties: entries first,
then the sides in the node's order), so it can differ from the live order only among events
recorded in the same millisecond. Every replayed cursor is a valid resume point.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Iterator
from typing import NamedTuple

from hotline_protocol.entries import entry_notice_text

from ..events import AcknowledgedEvent, AppendedEvent, DeliveredEvent, Event
from ..feeds.index import Delivery, FeedIndex, NoticeRecord
from ..feeds.record import acknowledged_event, appended_event
from ..hub import Cursor, Published, Subscription
from ..jsontext import JsonText
from ..store.base import Store

CHUNK = 256  # entries read from the store at a time
DELIVERY_PAGE = 1024  # deliveries read at a time
_Item = tuple[int, str, NoticeRecord | Delivery]  # (time ms, side, what happened)


class Replay:
    """The events after ``start`` up to ``end``, built lazily, ``CHUNK`` entries at a time."""

    def __init__(self, index: FeedIndex, store: Store, start: Cursor, end: Cursor) -> None:
        self._index = index
        self._store = store
        self._end = end
        self._sizes = dict(start.sizes)
        self._delivered = dict(start.delivered)
        # each side's next entry to replay, and its records read ahead (first index, records)
        self._next_entry = {side: start.size(side) for side in index.sides}
        self._records: dict[str, tuple[int, list[NoticeRecord | None]]] = {}
        self._pending = {  # each side's deliveries to replay, read ahead
            side: _Deliveries(side, start.delivered_size(side), end.delivered_size(side))
            for side in index.sides
        }
        self._items: Iterator[_Item] = heapq.merge(
            *(self._side_items(side, start, end) for side in index.sides), key=lambda it: it[0]
        )
        self._chunks: dict[str, tuple[int, list[bytes]]] = {}
        self._next: Published | None = None  # an acknowledged event owed after its appended

    async def next(self) -> Published | None:
        """The next replayed event, or None when the replay is complete."""
        if self._next is not None:
            ev, self._next = self._next, None
            return ev
        await self._read_ahead()
        item = next(self._items, None)
        if item is None:
            return None
        _, side, what = item
        if isinstance(what, Delivery):
            self._delivered[side] = max(self._delivered[side], what.size)
            return self._stamp(DeliveredEvent(side, what.size, what.witness, what.time_ms))
        return await self._appended(side, what)

    async def _read_ahead(self) -> None:
        """Have the record and the delivery each side's items take next at hand (a step of the
        merge takes at most one of each, from one side but for the first step)."""
        for pending in self._pending.values():
            await pending.read(self._index)
        for side, i in self._next_entry.items():
            first, recs = self._records.get(side, (0, []))
            if i < self._end.size(side) and not first <= i < first + len(recs):
                stop = min(self._end.size(side), i + CHUNK)
                found = await self._index.records([(side, j) for j in range(i, stop)])
                self._records[side] = (i, found)

    async def _appended(self, side: str, rec: NoticeRecord) -> Published:
        raw = await self._raw(side, rec.index)
        self._sizes[side] = rec.index + 1
        ev = self._stamp(appended_event(rec, JsonText(entry_notice_text(raw, rec.index))))
        if rec.kind == "ack" and rec.target is not None:
            (target,) = await self._index.records([rec.target])
            if target is not None:
                self._next = self._stamp(acknowledged_event(rec, target))
        return ev

    def _stamp(self, ev: Event) -> Published:
        cursor = Cursor(tuple(self._sizes.items()), tuple(self._delivered.items())).encode()
        return Published(ev, cursor)

    async def _raw(self, side: str, index: int) -> bytes:
        first, raws = self._chunks.get(side, (0, []))
        if not first <= index < first + len(raws):
            origin = self._index.sides[side]
            stop = min(self._end.size(side), index + CHUNK)
            raws = await self._store.entries(origin, index, stop)
            first = index
            self._chunks[side] = (first, raws)
        return raws[index - first]

    def _side_items(self, side: str, start: Cursor, end: Cursor) -> Iterator[_Item]:
        """One side's entries and deliveries in order; a delivery of size N comes after entry
        N - 1 and after the entries recorded before it or in the same millisecond."""
        pending = self._pending[side]
        due = next(pending, None)
        for i in range(start.size(side), end.size(side)):
            first, recs = self._records[side]  # read ahead by next()
            rec = recs[i - first]
            assert rec is not None, f"{side} #{i} below the hub's size is indexed"
            self._next_entry[side] = i + 1
            while due is not None and due.size <= i and due.time_ms < rec.appended_ms:
                yield due.time_ms, side, due
                due = next(pending, None)
            yield rec.appended_ms, side, rec
        while due is not None:
            yield due.time_ms, side, due
            due = next(pending, None)


class _Deliveries:
    """A side's deliveries to replay (covering more than ``low`` entries and at most
    ``high``), read a page at a time: an iterator over those read, read ahead by the replay."""

    def __init__(self, side: str, low: int, high: int) -> None:
        self._side = side
        self._low, self._high = low, high
        self._read: deque[Delivery] = deque()
        self._done = low >= high

    async def read(self, index: FeedIndex) -> None:
        """Have the next delivery at hand, if there is one."""
        if self._read or self._done:
            return
        page = await index.deliveries_after(self._side, self._low, self._high, DELIVERY_PAGE)
        if page:
            self._read.extend(page)
            self._low = page[-1].size
        self._done = not page or self._low >= self._high

    def __iter__(self) -> Iterator[Delivery]:
        return self

    def __next__(self) -> Delivery:
        if self._read:
            return self._read.popleft()
        if self._done:
            raise StopIteration
        raise RuntimeError(f"{self._side}'s deliveries were not read ahead")


class ReplayEnd(NamedTuple):
    """The replay asked for is complete; ``cursor`` is the position it reached (``end``)."""

    cursor: str


class EventFeed:
    """What one subscription sends: the replay (if any), the end of the replay (if one was
    asked for, even an empty one), then the live events in order."""

    def __init__(
        self,
        index: FeedIndex,
        store: Store,
        sub: Subscription,
        start: Cursor,
        end: Cursor,
        accept: Callable[[Event], bool],
        *,
        replaying: bool = False,
    ) -> None:
        """``replaying``: the subscription asked for a replay (it gave a cursor)."""
        self.sub = sub
        self._end = end
        self._accept = accept
        self._replay: Replay | None = Replay(index, store, start, end) if start != end else None
        self._replay_end: ReplayEnd | None = ReplayEnd(end.encode()) if replaying else None

    @property
    def dropped(self) -> bool:
        """The hub dropped the subscription and everything it had queued has been taken."""
        return (
            self._replay is None
            and self._replay_end is None
            and self.sub.closed is not None
            and self.sub.queue.empty()
        )

    async def next(self) -> Published | ReplayEnd | None:
        """The next event to send (or the end of the replay), or None if there is none now."""
        while self._replay is not None:
            ev = await self._replay.next()
            if ev is None:
                self._replay = None
            elif self._accept(ev.event):
                return ev
        if self._replay_end is not None:
            done, self._replay_end = self._replay_end, None
            return done
        queue = self.sub.queue
        while not queue.empty():
            ev = queue.get_nowait()
            if not self._covered(ev):
                return ev
        return None

    def _covered(self, published: Published) -> bool:
        """Whether the replay up to ``end`` already sent this live event."""
        end, ev = self._end, published.event
        if isinstance(ev, AppendedEvent):
            return ev.index < end.size(ev.side)
        if isinstance(ev, AcknowledgedEvent):
            return ev.ack_index < end.size(ev.ack_side)
        if isinstance(ev, DeliveredEvent):
            return ev.size <= end.delivered_size(ev.side)
        return False
