"""Deliveries over a real SQLite store: the index holds a side's newest deliveries only, an older
entry's delivery is read from the cosignatures kept, with its record; a record cached keeps its
delivery when the window lets it go; start-up reads the newest deliveries only; a replay from an
old cursor gives every delivery, read a page at a time."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.events import AppendedEvent, DeliveredEvent
from hotline.feeds.index import Delivery, FeedIndex, Key
from hotline.feeds.load import load_deliveries
from hotline.feeds.recall import StoreRecall
from hotline.feeds.views import state_of
from hotline.hub import Cursor
from hotline.settings import Deadlines
from hotline.store import CosignatureRecord, SqliteStore
from hotline.stream.replay import Replay
from hotline.types import Side, Sides
from tests.helpers.fake_peer import T0
from tests.units.test_index_over_store import Pair

WITNESS = "alpha.hotline.example/witness"  # alpha's witness cosigns bravo's feed
EVERY = 3  # a cosignature every third entry: entry i is delivered at size 3 * (i // 3 + 1)


class CountingRecall(StoreRecall):
    """Reads as the store does, and counts the deliveries it reads."""

    def __init__(self, store: SqliteStore, origins: dict[str, str]) -> None:
        super().__init__(store, origins)
        self.delivery_reads = 0

    async def deliveries(self, index: FeedIndex, keys: list[Key]) -> dict[Key, Delivery]:
        self.delivery_reads += len(keys)
        return await super().deliveries(index, keys)


def small_index(pair: Pair, recall: StoreRecall | None = None) -> FeedIndex:
    """Four records cached, eight deliveries held."""
    recall = recall or StoreRecall(pair.store, {o: s for s, o in pair.origins.items()})
    index = FeedIndex(pair.origins, recall, cache_rows=4, deliveries_held=8)
    for side in pair.origins:
        index.start(side, len(pair.peer(side).entries), [])
    return index


def counted(store: SqliteStore) -> tuple[Pair, CountingRecall, FeedIndex]:
    """A pair recorded into a small index whose recall counts the deliveries it reads."""
    pair = Pair(store, cache_rows=4)
    recall = CountingRecall(store, {o: s for s, o in pair.origins.items()})
    pair.index = small_index(pair, recall)
    return pair, recall, pair.index


def delivered_at(size: int) -> Delivery:
    return Delivery(size, T0 + 10 * size, WITNESS)


async def cosign(pair: Pair, size: int) -> None:
    """Bravo's entries below ``size`` cosigned by alpha's witness: kept, then recorded."""
    origin = pair.bravo.origin
    record = CosignatureRecord(origin, size, WITNESS, T0 // 1000, T0 + 10 * size)
    await pair.store.add_cosignature(record, b"n")
    pair.index.add_delivery("bravo", delivered_at(size))


async def history(pair: Pair, entries: int) -> None:
    """Bravo posts ``entries`` liaisons, a cosignature every third; the last ones not cosigned."""
    for _ in range(entries):
        await pair.post("bravo", pair.bravo.notice())
        if pair.bravo.size % EVERY == 0:
            await cosign(pair, pair.bravo.size)


def expected(index: int, entries: int) -> Delivery | None:
    size = EVERY * (index // EVERY + 1)
    return delivered_at(size) if size <= entries - entries % EVERY else None


async def test_only_the_newest_deliveries_are_held_and_an_older_one_is_read_with_its_record(
    store: SqliteStore,
) -> None:
    pair, recall, index = counted(store)
    await history(pair, 100)
    assert index.delivered_size("bravo") == 99
    assert len(index._deliveries._sizes["bravo"]) <= 8  # of 33
    deadlines = Deadlines()
    for i in range(100):  # one at a time, the cache of four churning
        (rec,) = await index.records([("bravo", i)])
        assert rec is not None
        assert index.delivery_of("bravo", i) == expected(i, 100), i
        state = state_of(rec, index, deadlines, T0)
        assert state["status"] == ("appended" if i == 99 else "delivered")
    assert recall.delivery_reads > 0
    # a page of old records: the cosignatures are read once for the entries one covers
    recall.delivery_reads = 0
    found = await index.records([("bravo", i) for i in range(30, 34)])
    assert [index.delivery_of("bravo", r.index) for r in found if r] == [
        delivered_at(33),
        delivered_at(33),
        delivered_at(33),
        delivered_at(36),
    ]


async def test_a_cached_record_keeps_its_delivery_when_the_window_lets_it_go(
    store: SqliteStore,
) -> None:
    pair, recall, index = counted(store)
    await history(pair, 3)
    index.pin([("bravo", 1)])
    assert index.delivery_of("bravo", 1) == delivered_at(3)
    await history(pair, 60)  # twenty deliveries more: the first one is let go
    assert index._deliveries.floor("bravo") > 3
    assert index.delivery_of("bravo", 1) == delivered_at(3)
    assert recall.delivery_reads == 0  # kept, not read


async def test_start_up_reads_the_newest_deliveries_and_finds_the_older_ones_on_demand(
    store: SqliteStore,
) -> None:
    pair = Pair(store, cache_rows=1_000)
    await history(pair, 100)
    made = {i: pair.index.delivery_of("bravo", i) for i in range(100)}
    read: list[int] = []
    cosignatures_from = store.cosignatures_from

    async def counted(origin: str, witness: str, since: int, limit: int) -> Any:
        found = await cosignatures_from(origin, witness, since, limit)
        read.extend(c.size for c in found)
        return found

    store.cosignatures_from = counted  # type: ignore[method-assign]
    fresh = small_index(pair)
    own = Side("alpha", pair.alpha.origin, "a", "a", WITNESS)
    peer = Side("bravo", pair.bravo.origin, "b", "b", "bravo.hotline.example/witness")
    await load_deliveries(store, fresh, Sides(own, peer))
    assert read == [93, 96, 99]  # of the newest eight entries (92 to 99)
    assert fresh.delivered_size("bravo") == 99
    read.clear()
    for i in range(100):
        await fresh.fetch([("bravo", i)])
        assert fresh.delivery_of("bravo", i) == made[i], i
    assert len(read) <= 100


async def test_a_replay_from_an_old_cursor_gives_every_delivery_after_what_it_covers(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("hotline.stream.replay.DELIVERY_PAGE", 5)
    pair = Pair(store, cache_rows=4)
    pair.index = index = small_index(pair)
    await history(pair, 100)
    start = Cursor((("alpha", 0), ("bravo", 10)), (("alpha", 0), ("bravo", 9)))
    end = Cursor((("alpha", 0), ("bravo", 100)), (("alpha", 0), ("bravo", 99)))
    replay = Replay(index, store, start, end)
    seen: list[tuple[str, int]] = []
    while (published := await replay.next()) is not None:
        ev = published.event
        if isinstance(ev, DeliveredEvent):
            assert ev.by == WITNESS and ev.at == T0 + 10 * ev.size
            seen.append(("delivered", ev.size))
        else:
            assert isinstance(ev, AppendedEvent)
            seen.append(("appended", ev.index))
    wanted: list[tuple[str, int]] = []
    for i in range(10, 100):
        wanted.append(("appended", i))
        if (i + 1) % EVERY == 0:
            wanted.append(("delivered", i + 1))
    assert seen == wanted


async def test_records_read_before_the_deliveries_are_loaded_show_theirs(
    store: SqliteStore,
) -> None:
    """Start-up reads some records (deconfliction's) before it loads the deliveries: those below
    the deliveries held are read again, with their delivery, when next asked for."""
    pair = Pair(store, cache_rows=1_000)
    await history(pair, 60)
    fresh = small_index(pair)
    early = [("bravo", 1), ("bravo", 58)]
    await fresh.fetch(early)  # as start-up reads the operations still live
    own = Side("alpha", pair.alpha.origin, "a", "a", WITNESS)
    peer = Side("bravo", pair.bravo.origin, "b", "b", "bravo.hotline.example/witness")
    await load_deliveries(store, fresh, Sides(own, peer))
    assert fresh._deliveries.floor("bravo") == 52
    for side, index in early:
        (rec,) = await fresh.records([(side, index)])
        assert rec is not None
        assert fresh.delivery_of(side, index) == expected(index, 60)
