"""Which cosignature delivered each entry: the newest deliveries in memory, the older in the store.

A side's entries are delivered when the other side's witness cosigns a checkpoint that covers
them: entry ``i`` by the first cosignature of a size above ``i``. There is one such delivery per
cosigned size: one per batch under load, but one per notice on a quiet line, so over years they
are as many as the entries. The index holds the newest ``held`` of each side, packed (18 bytes
each: size, time, witness), and the *floor* below which every entry is delivered by one it no
longer holds. The delivery of an entry below the floor is read from the store (the cosignatures
kept, :meth:`Store.cosignatures_from`) with its record, and kept as long as the record is cached;
when the window lets its oldest deliveries go, the records cached below the new floor keep theirs.
Start-up reads the deliveries of the newest ``held`` entries only.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Callable, Collection, Iterable

from .records import Delivery, Key

DELIVERIES_HELD = 16_384  # a side's newest deliveries in memory (about 300 KB)


class DeliveryWindow:
    """The newest deliveries of each side; older ones as read for the records cached.

    ``held`` None: every delivery is kept (an index without a store, in tests)."""

    def __init__(self, sides: Iterable[str], held: int | None = DELIVERIES_HELD) -> None:
        sides = list(sides)
        self.held = held
        self._sizes = {side: array("q") for side in sides}
        self._ms = {side: array("q") for side in sides}
        self._by = {side: array("H") for side in sides}
        self._witnesses: dict[str, list[str]] = {side: [] for side in sides}
        self._floor = dict.fromkeys(sides, 0)  # below: delivered by a delivery not held
        self._delivered = dict.fromkeys(sides, 0)
        self.witness: dict[str, str] = {}  # side -> whose cosignatures deliver it (read back)
        self._old: dict[Key, Delivery] = {}  # deliveries of cached records below the floor

    def start(self, side: str, witness: str, floor: int) -> None:
        """At start-up: ``side``'s entries below ``floor`` are delivered, by cosignatures of
        ``witness`` read from the store when asked for; the newer ones are added next."""
        self.witness[side] = witness
        self._floor[side] = max(self._floor[side], floor)
        self._delivered[side] = max(self._delivered[side], floor)

    def floor(self, side: str) -> int:
        return self._floor[side]

    def delivered_size(self, side: str) -> int:
        return self._delivered[side]

    def add(self, side: str, delivery: Delivery, cached: Collection[Key]) -> bool:
        """Record that ``side``'s entries below ``delivery.size`` are cosigned; False if known.
        ``cached``: the records cached (those below a new floor keep their delivery)."""
        sizes = self._sizes[side]
        if delivery.size <= self._delivered[side]:
            return False
        witnesses = self._witnesses[side]
        if delivery.witness not in witnesses:
            witnesses.append(delivery.witness)
        self.witness.setdefault(side, delivery.witness)
        sizes.append(delivery.size)
        self._ms[side].append(delivery.time_ms)
        self._by[side].append(witnesses.index(delivery.witness))
        self._delivered[side] = delivery.size
        if self.held is not None and len(sizes) > self.held:
            self._let_go(side, len(sizes) - self.held * 3 // 4, cached)
        return True

    def _let_go(self, side: str, count: int, cached: Collection[Key]) -> None:
        """Drop the oldest ``count`` deliveries; the cached records they delivered keep them
        (found by going through the entries they cover, or the cached records if fewer: under
        a flood a delivery covers hundreds of entries)."""
        old, floor = self._floor[side], self._sizes[side][count - 1]
        if floor - old <= len(cached):
            below = [key for i in range(old, floor) if (key := (side, i)) in cached]
        else:
            below = [key for key in cached if key[0] == side and old <= key[1] < floor]
        sizes = self._sizes[side]
        for key in below:
            self._old[key] = self._at(side, bisect.bisect_right(sizes, key[1], 0, count))
        for packed in (sizes, self._ms[side], self._by[side]):
            del packed[:count]
        self._floor[side] = floor

    def _at(self, side: str, pos: int) -> Delivery:
        witness = self._witnesses[side][self._by[side][pos]]
        return Delivery(self._sizes[side][pos], self._ms[side][pos], witness)

    def of(self, side: str, index: int) -> Delivery | None:
        """The delivery of entry ``index``: the first cosignature that covers it; None if none
        yet. KeyError if it lies below the floor and was not read with its record."""
        if index < self._floor[side]:
            return self._old[(side, index)]
        sizes = self._sizes[side]
        pos = bisect.bisect_right(sizes, index)
        return self._at(side, pos) if pos < len(sizes) else None

    def keep(self, key: Key, delivery: Delivery) -> None:
        """The delivery of a cached record below the floor, read from the store."""
        self._old[key] = delivery

    def wanted(self, key: Key) -> bool:
        """Whether the delivery of this record, about to be cached, is to be read."""
        return key[1] < self._floor[key[0]] and key not in self._old

    def forget(self, key: Key) -> None:
        """The record is no longer cached."""
        self._old.pop(key, None)

    def forget_unless(self, cached: Callable[[Key], bool]) -> None:
        """Drop what is kept for records no longer cached."""
        self._old = {key: d for key, d in self._old.items() if cached(key)}

    def old_count(self) -> int:
        return len(self._old)

    def held_between(self, side: str, low: int, high: int, limit: int) -> list[Delivery] | None:
        """The deliveries held that cover more than ``low`` entries and at most ``high``, oldest
        first, at most ``limit``; None if ``low`` lies below the floor (read the store)."""
        if low < self._floor[side]:
            return None
        sizes = self._sizes[side]
        first, last = bisect.bisect_right(sizes, low), bisect.bisect_right(sizes, high)
        return [self._at(side, pos) for pos in range(first, min(last, first + limit))]
