"""Start-up: what a node reads of its store before it serves, none of it per entry of history.

- each feed's size, and the own FLASH entries the peer has not cosigned yet (the store's index
  of notice times by precedence, from the oldest such entry's time);
- the deliveries, from the cosignatures of the other side's witness;
- the notices awaiting an answer and due within minutes (the store's open set), for the
  deadline watcher;
- for deconfliction, the operations and emergencies of either feed still live (an operation
  until its window or validity ends, an emergency until withdrawn: the store's index of them)
  that neither a cancel nor an update withdrew, and the liaisons about them (the store's links).

Every other record is read from the store when asked for (:mod:`hotline.feeds.recall`). The
trees are not read here: each side's :class:`~hotline.feeds.feed_tree.FeedTree` loads its edge.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from dataclasses import replace
from typing import Protocol

import orjson

from hotline_protocol.notices import Notice, Precedence

from ..settings import Deadlines
from ..store.base import NoticeKey, NoticeQuery, NoticeState, Store
from ..types import Sides
from .index import Delivery, FeedIndex
from .recall import notice_of
from .views import deadline_of

PAGE = 1000  # keys read from the store's indexes at a time
FLASH_MARGIN_MS = 86_400_000  # see load_index


class Loading(Protocol):
    """What start-up feeds the deconfliction service."""

    def loaded(
        self, side: str, index: int, leaf_hash: bytes, notice: Notice, appended_ms: int
    ) -> None: ...


async def load_index(store: Store, index: FeedIndex, sides: Sides, tolerance_ms: int) -> None:
    """Each feed's size, and the own FLASH entries the peer has not cosigned: those it may
    be sent ahead of their run. They are found in the store's index of notice times by
    precedence, from the time claimed by the oldest entry not cosigned less a day, or twice
    the node's time tolerance if more: a claimed time lies within the tolerance of when its
    entry was appended, so no later entry claims a time earlier than that by more than twice
    the tolerance (the day covers a clock set back)."""
    margin_ms = max(FLASH_MARGIN_MS, 2 * tolerance_ms)
    for side, origin in index.sides.items():
        size = await store.size(origin)
        flash: list[int] = []
        if side == sides.own.name and sides.peer is not None:
            latest, _ = await store.latest_receipts(origin, sides.peer.witness_name)
            first = latest.size if latest is not None else 0
            if first < size:
                (raw,) = await store.entries(origin, first, first + 1)
                since = max(0, int(orjson.loads(raw)["notice"]["time"]) - margin_ms)
                query = NoticeQuery(origin, precedence="FLASH", since=since)
                flash = [key.index async for key in _keys(store, query) if key.index >= first]
        index.start(side, size, flash)


async def load_deliveries(store: Store, index: FeedIndex, sides: Sides) -> None:
    """Own entries are delivered when the peer's witness cosigned; the peer's when this
    node's did. The deliveries of a side's newest ``index.deliveries_held`` entries are read, a
    page at a time; the older entries are delivered (they lie below the latest cosignature),
    each by a cosignature read with its record (:mod:`.deliveries`)."""
    peer = sides.peer
    if peer is None:
        return
    own = sides.own
    for side, origin, witness in (
        (own.name, own.origin, peer.witness_name),
        (peer.name, peer.origin, own.witness_name),
    ):
        latest, _ = await store.latest_receipts(origin, witness)
        held = index.deliveries_held
        newest = 0 if held is None else max(0, index.size(side) - held)
        since = min(latest.size if latest else 0, newest)
        index.start_deliveries(side, witness, since)
        while page := await store.cosignatures_from(origin, witness, since, PAGE):
            for cos in page:
                index.add_delivery(side, Delivery(cos.size, cos.received_ms, witness))
            since = page[-1].size + 1


# The notices awaiting an answer with a deadline in (after, until], of the precedences named
# (None: all), the earliest ``limit`` or about: (deadline ms, side, index) by deadline, and the
# deadline up to which the read found every one (``until`` unless the limit stopped it).
ReadDue = Callable[
    [int, int, int, Collection[str] | None], Awaitable[tuple[list[tuple[int, str, int]], int]]
]


def due_reader(store: Store, index: FeedIndex, deadlines: Deadlines) -> ReadDue:
    """What the deadline watcher reads: the notices awaiting an answer whose deadline lies in
    (after, until], as (deadline, side, index), from the store (by notice time: a notice of
    precedence P is due ``deadlines.P`` after its time), the earliest ``limit`` or about, and
    the deadline up to which it found every one. Each (side, precedence) gives its earliest
    ``limit`` and one more; where there is one more, or all together are more than ``limit``,
    the read is complete only up to just before the first deadline it leaves out (up to that
    deadline itself, if it is the first millisecond of the stretch: more notices of that
    millisecond would be missed)."""

    async def read(
        after: int, until: int, limit: int, only: Collection[str] | None
    ) -> tuple[list[tuple[int, str, int]], int]:
        wait = {
            p.value: deadline_of(p.value, deadlines)
            for p in Precedence
            if only is None or p.value in only
        }
        times = {p: (after - d, until - d) for p, d in wait.items()}
        found, reached = [], until

        def cut(at: int) -> int:  # complete up to just before ``at``, or ``at`` if it is first
            return min(reached, at - 1 if at - 1 > after else at)

        for side, origin in index.sides.items():
            dues: dict[str, list[int]] = {}
            for i, time_ms, precedence in await store.open_notices(origin, times, limit + 1):
                due = time_ms + wait[precedence]
                dues.setdefault(precedence, []).append(due)
                if i < index.size(side):
                    found.append((due, side, i))
            for each in dues.values():
                if len(each) > limit:  # more than asked for: complete up to the one left out
                    reached = cut(sorted(each)[limit])
        found = sorted(item for item in found if item[0] <= reached)
        if len(found) > limit:
            reached = cut(found[limit][0])
            found = [item for item in found if item[0] <= reached]
        return found, reached

    return read


async def load_conflicts(store: Store, index: FeedIndex, service: Loading, now_ms: int) -> None:
    """The operations and emergencies still live at ``now_ms`` (the store's index of them) and
    not withdrawn, then the liaisons about them."""
    about: set[tuple[str, int]] = set()
    for side, origin in index.sides.items():
        live = await store.live_notices(origin, now_ms)
        for first in range(0, len(live), PAGE):
            await _take(store, index, side, live[first : first + PAGE], service, about)
    for side, i in sorted(about):
        (state,) = await store.notice_states(index.sides[side], [i])
        if state is not None:
            service.loaded(side, i, state.leaf_hash, notice_of(state), state.appended_ms)


async def _take(
    store: Store,
    index: FeedIndex,
    side: str,
    indexes: list[int],
    service: Loading,
    about: set[tuple[str, int]],
) -> None:
    origin = index.sides[side]
    size = index.size(side)
    for state in await store.notice_states(origin, [i for i in indexes if i < size]):
        if state is None or _withdrawn(state):
            continue
        service.loaded(side, state.index, state.leaf_hash, notice_of(state), state.appended_ms)
        for link in state.links:
            by = index.origins.get(link.origin)
            if link.how == "regarding" and by is not None and link.index < index.size(by):
                about.add((by, link.index))


def _withdrawn(state: NoticeState) -> bool:
    """A cancel or an update of the same feed names it (a withdrawal is never undone)."""
    return any(
        link.how in ("cancel", "supersedes")
        and link.origin == state.origin
        and link.leaf_hash == state.leaf_hash
        for link in state.links
    )


async def _keys(store: Store, query: NoticeQuery) -> AsyncIterator[NoticeKey]:
    while True:
        keys = await store.notice_keys(query, PAGE)
        for key in keys:
            yield key
        if len(keys) < PAGE:
            return
        query = replace(query, before=keys[-1])
