"""The node's view of both feeds: each notice entry's record and derived state, a bounded cache
over the store.

State of a notice: appended → delivered (the receiving side cosigned a checkpoint covering it)
→ acknowledged (an ack entry in the other feed refers to it) or overdue (its deadline passed).

The store keeps, with each notice entry, what its record is made of: its id, when it was
appended here, a flag of an implausible time, and the entries that refer to it (acks, a cancel,
an update: linked in the cached records as entries are added, :mod:`.links`). The index holds
the feeds' sizes, the newest deliveries (:mod:`.deliveries`), the own FLASH entries the peer
has not cosigned, and at most ``cache_rows`` records, the most recently used; any other record,
and an older delivery, is read from the store when asked for (:meth:`FeedIndex.records`,
:mod:`hotline.feeds.recall`). Neither memory nor start-up grows with the feeds' entries.

A synchronous read (:meth:`FeedIndex.get`) is for a record known to be cached: one just added,
or one pinned by a caller that read it (the sequencer and the replica pin the entries a batch
refers to until it is recorded, so that its acks are attached to the records they answer). A
record held and not cached is :class:`NotCachedError`.

Records are tuples of plain values that the collector stops tracking
(:mod:`hotline.feeds.records`).
"""

from __future__ import annotations

import bisect
import logging
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from hotline_protocol.notices import Notice, reference_of

from ..errors import Broken
from .deliveries import DELIVERIES_HELD, DeliveryWindow
from .links import Links
from .records import (
    FIELD,
    AckInfo,
    Delivery,
    Key,
    NoticeRecord,
    _Row,
    ack_of,
    b64,
    row_of,
    view,
    with_links,
)

__all__ = [
    "AckInfo",
    "Delivery",
    "FeedIndex",
    "Key",
    "NotCachedError",
    "NoticeRecord",
    "Recall",
    "_Row",
    "ack_of",
    "row_of",
    "with_links",
]
log = logging.getLogger("hotline.feeds")


class NotCachedError(Broken):
    """A record held in the store was read synchronously without being cached first: a bug."""


class Recall(Protocol):
    """What the index reads from the store (see :mod:`hotline.feeds.recall`)."""

    async def rows(self, index: FeedIndex, keys: list[Key]) -> dict[Key, _Row]:
        """The records of ``keys`` (held by ``index``), as rows."""
        ...

    async def ids(self, notice_ids: Sequence[str]) -> dict[str, list[Key]]:
        """Where each notice id is held, by (side, index)."""
        ...

    async def deliveries(self, index: FeedIndex, keys: list[Key]) -> dict[Key, Delivery]:
        """The deliveries of ``keys``, entries delivered by cosignatures of the witness
        ``index.delivery_witness(side)``."""
        ...

    async def deliveries_after(
        self, index: FeedIndex, side: str, low: int, high: int, limit: int
    ) -> list[Delivery]:
        """``side``'s deliveries that cover more than ``low`` entries and at most ``high``,
        oldest first, at most ``limit``."""
        ...


CACHE_ROWS = 65_536  # records kept in memory (about 45 MB), the most recently used


class FeedIndex:
    """Sizes, deliveries and a bounded cache of records of both feeds; with a ``recall``, the
    records not cached are read from the store on demand (without one, every record added is
    kept: what a test of the index alone needs)."""

    def __init__(
        self,
        sides: dict[str, str],
        recall: Recall | None = None,
        cache_rows: int = CACHE_ROWS,
        deliveries_held: int = DELIVERIES_HELD,
    ) -> None:
        self.sides = dict(sides)  # side -> origin
        self.origins = {origin: side for side, origin in sides.items()}
        self._recall = recall
        self._cap = cache_rows if recall is not None else None
        self._sizes = dict.fromkeys(sides, 0)
        self._rows: OrderedDict[Key, _Row] = OrderedDict()
        self._pins: dict[Key, int] = {}
        # the newest deliveries, and those of the records cached below them (.deliveries)
        self._deliveries = DeliveryWindow(sides, deliveries_held if recall is not None else None)
        self._flash = {side: array("q") for side in sides}  # FLASH entries' indexes, packed
        # while records are read from the store: the keys a record added meanwhile changed
        self._reading: list[set[Key]] = []
        self._links = Links(self._rows, self._sizes, self.origins, self._reading)
        # where the ids of the latest records added are held (without a recall: of all)
        self._ids: OrderedDict[str, tuple[Key, ...]] = OrderedDict()
        self.on_add: list[Callable[[NoticeRecord], None]] = []
        # counts the changes a reader can see (a record added, a delivery): see .pages
        self.version = 0

    # sizes and start-up -----------------------------------------------------------------------
    def size(self, side: str) -> int:
        return self._sizes[side]

    def start(self, side: str, size: int, flash: list[int]) -> None:
        """At start-up: ``side``'s feed holds ``size`` entries, those at ``flash`` are FLASH (the
        FLASH entries not cosigned yet; those the other side cosigns are let go)."""
        self._sizes[side] = size
        self._flash[side] = array("q", sorted(flash))
        self.version += 1

    def flash_indexes(self, side: str, start: int, end: int) -> list[int]:
        """The FLASH entries of ``side`` in [start, end) (of those not cosigned)."""
        found = self._flash[side]
        return found[bisect.bisect_left(found, start) : bisect.bisect_left(found, end)].tolist()

    # reads --------------------------------------------------------------------------------------
    def get(self, side: str, index: int) -> NoticeRecord | None:
        """The record of a cached entry; None for one not held; NotCachedError for one held and not
        cached (read it with :meth:`records`)."""
        size = self._sizes.get(side)
        if size is None or not 0 <= index < size:
            return None
        row = self._rows.get((side, index))
        if row is None:
            raise NotCachedError(f"{side} #{index} is not cached")
        return view(row)

    def cached(self, side: str, index: int) -> NoticeRecord | None:
        row = self._rows.get((side, index))
        return None if row is None else view(row)

    async def records(self, keys: Sequence[Key]) -> list[NoticeRecord | None]:
        """The records of ``keys`` (None for an entry not held), read from the store where not
        cached, and cached."""
        rows = await self._fetch(keys)
        return [None if (row := rows.get(key)) is None else view(row) for key in keys]

    async def fetch(self, keys: Iterable[Key]) -> None:
        """Cache the records of ``keys`` (read from the store where not cached)."""
        await self._fetch(list(keys))

    async def _fetch(self, keys: Sequence[Key]) -> dict[Key, _Row]:
        rows: dict[Key, _Row] = {}
        missing = []
        for key in keys:
            size = self._sizes.get(key[0])
            if size is None or not 0 <= key[1] < size:
                continue
            row = self._rows.get(key)
            if row is None:
                missing.append(key)
            else:
                self._rows.move_to_end(key)
                rows[key] = row
        if missing and self._recall is not None:
            changed: set[Key] = set()
            self._reading.append(changed)
            try:
                read = await self._recall.rows(self, list(dict.fromkeys(missing)))
            finally:
                self._reading.remove(changed)
            for key, row in read.items():
                cached = self._rows.get(key)
                if cached is not None:  # added or read meanwhile: the cache is current
                    rows[key] = cached
                    continue
                rows[key] = row
                if key not in changed:  # else an ack, cancel or update came as it was read
                    self._rows[key] = row
            self._trim()
            await self._read_deliveries(self._recall, list(rows))
        return rows

    async def _read_deliveries(self, recall: Recall, keys: list[Key]) -> None:
        """Read the deliveries of the records below the window's floor (it may rise meanwhile:
        read again those it left below)."""
        deliveries = self._deliveries
        asked: set[Key] = set()
        wanted = [key for key in keys if deliveries.wanted(key)]
        while wanted:
            asked.update(wanted)
            found = await recall.deliveries(self, wanted)
            for key, delivery in found.items():
                deliveries.keep(key, delivery)
            for key in wanted:
                if key not in found:
                    log.error("%s #%d lies below the deliveries held, and none was read", *key)
            wanted = [key for key in keys if key not in asked and deliveries.wanted(key)]

    def recent_ids(self, notice_id: str) -> tuple[Key, ...]:
        """Where a notice id is held among the latest records added (all, without a recall)."""
        return self._ids.get(notice_id, ())

    async def holding_ids(self, notice_ids: Sequence[str]) -> dict[str, list[Key]]:
        """Where each of these notice ids is held (ids held nowhere are not in the answer)."""
        if self._recall is not None:
            return await self._recall.ids(notice_ids)
        return {i: list(self._ids[i]) for i in notice_ids if i in self._ids}

    def pin(self, keys: Iterable[Key]) -> None:
        """Keep these records cached until :meth:`unpin` (read them first)."""
        for key in keys:
            self._pins[key] = self._pins.get(key, 0) + 1

    def unpin(self, keys: Iterable[Key]) -> None:
        for key in keys:
            left = self._pins.get(key, 0) - 1
            if left > 0:
                self._pins[key] = left
            else:
                self._pins.pop(key, None)
        self._trim()

    def _trim(self) -> None:
        cap, rows = self._cap, self._rows
        if cap is None or len(rows) <= cap:
            return
        for _ in range(len(rows) - cap + len(self._pins)):
            if len(rows) <= cap:
                break
            key, row = rows.popitem(last=False)
            if key in self._pins:
                rows[key] = row  # pinned: kept, as the most recent
            else:
                self._deliveries.forget(key)
        if self._deliveries.old_count() > 2 * cap:  # kept for records read and not cached
            self._deliveries.forget_unless(rows.__contains__)

    def key_of(self, origin: str, index: int, leaf_hash_b64: str) -> Key | None:
        """The key a protocol reference names, if that entry is held here and cached with that
        exact leaf hash (None if not held; NotCachedError if held and not cached)."""
        side = self.origins.get(origin)
        if side is None:
            return None
        rec = self.get(side, index)
        if rec is None or b64(rec.leaf_hash) != leaf_hash_b64:
            return None
        return side, index

    def resolve(self, origin: str, index: int, leaf_hash_b64: str) -> NoticeRecord | None:
        """The cached record a protocol reference names, if it exists with that leaf hash."""
        key = self.key_of(origin, index, leaf_hash_b64)
        return None if key is None else self.get(*key)

    # writes -------------------------------------------------------------------------------------
    def add(
        self,
        side: str,
        index: int,
        leaf_hash: bytes,
        notice: Notice,
        appended_ms: int,
        implausible: tuple[int, int] | None = None,
    ) -> NoticeRecord:
        """Index an entry; returns its record with the references it makes resolved (the
        entries it refers to are cached: their callers pinned them)."""
        if index != self._sizes[side]:
            raise ValueError(f"index {index} out of sequence for {side} (size {self._sizes[side]})")
        key = (side, index)
        self.version += 1
        row = row_of(side, self.sides[side], index, leaf_hash, notice, appended_ms, implausible)
        self._rows[key] = row
        self._sizes[side] = index + 1
        notice_id = row[FIELD["id"]]
        self._ids[notice_id] = (*self._ids.get(notice_id, ()), key)
        if self._cap is not None and len(self._ids) > self._cap:
            self._ids.popitem(last=False)
        if row[FIELD["precedence"]] == "FLASH":
            self._flash[side].append(index)
        target = reference_of(notice)
        if target is not None:
            self._links.link(key, (target.origin, target.index, target.leaf_hash), "target")
        if notice.supersedes is not None:
            ref = notice.supersedes
            self._links.link(key, (ref.origin, ref.index, ref.leaf_hash), "supersedes")
        # references that arrived before this entry (e.g. an ack of an early FLASH)
        self._links.arrived(key, (row[1], index, b64(leaf_hash)))
        rec = view(self._rows[key])
        self._trim()
        for listener in self.on_add:
            listener(rec)
        return rec

    # deliveries ---------------------------------------------------------------------------------
    def start_deliveries(self, side: str, witness: str, floor: int) -> None:
        """At start-up: ``side``'s entries below ``floor`` are delivered, by cosignatures of
        ``witness`` (read from the store with their records); add the newer ones next. Records
        read before, below the floor, are let go: read again, they come with their delivery."""
        self._deliveries.start(side, witness, floor)
        floor = self._deliveries.floor(side)
        for key in [k for k in self._rows if k[0] == side and k[1] < floor]:
            if key in self._pins:
                log.error("%s #%d is pinned as the deliveries are loaded", *key)
            elif self._deliveries.wanted(key):
                del self._rows[key]
        self.version += 1

    @property
    def deliveries_held(self) -> int | None:
        """How many deliveries of a side are held (None: all of them)."""
        return self._deliveries.held

    def delivery_witness(self, side: str) -> str | None:
        """Whose cosignatures deliver ``side``'s entries (None: none known yet)."""
        return self._deliveries.witness.get(side)

    def add_delivery(self, side: str, delivery: Delivery) -> bool:
        """Record that ``side``'s entries below ``delivery.size`` are cosigned; False if known."""
        if not self._deliveries.add(side, delivery, self._rows):
            return False
        flash = self._flash[side]
        if flash and flash[0] < delivery.size:  # the peer holds them: never sent ahead again
            del flash[: bisect.bisect_left(flash, delivery.size)]
        self.version += 1
        return True

    def delivery_of(self, side: str, index: int) -> Delivery | None:
        """The first cosignature that covers entry ``index`` of ``side`` (a cached record)."""
        try:
            return self._deliveries.of(side, index)
        except KeyError:
            raise NotCachedError(f"the delivery of {side} #{index} was not read") from None

    async def deliveries_after(
        self, side: str, low: int, high: int, limit: int = 1024
    ) -> list[Delivery]:
        """The deliveries of ``side`` that cover more than ``low`` entries and at most
        ``high``, oldest first, at most ``limit`` (held, or read from the store)."""
        held = self._deliveries.held_between(side, low, high, limit)
        if held is not None or self._recall is None:
            return held or []
        return await self._recall.deliveries_after(self, side, low, high, limit)

    def delivered_size(self, side: str) -> int:
        return self._deliveries.delivered_size(side)

    def latest_ack(self, rec: NoticeRecord) -> AckInfo | None:
        """The ack that counts: the latest one, in the other side's feed."""
        return rec.acks[-1] if rec.acks else None
