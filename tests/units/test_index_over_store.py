"""The index as a bounded cache over a real SQLite store: a record read back from the store is
the record the index made when its entry was added (acks, cancel, update and all), the cache
keeps at most its rows (and what is pinned), and an ack recorded while its notice is being read
is not lost."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from hotline.feeds.index import FeedIndex, Key, NotCachedError, _Row
from hotline.feeds.recall import StoreRecall
from hotline.store import CheckpointRecord, SqliteStore
from hotline_protocol.entries import Entry
from hotline_protocol.notices import Notice, parse_notice
from tests.helpers.fake_peer import T0, FakePeer

EXAMPLES = Path(__file__).resolve().parents[1] / "protocol" / "examples"


class Pair:
    """Both feeds in one store, recorded as a node records them: stored, then added."""

    def __init__(self, store: SqliteStore, cache_rows: int) -> None:
        self.store = store
        self.alpha = FakePeer(side="alpha", origin="alpha.hotline.example", nation="XAA")
        self.bravo = FakePeer(side="bravo", origin="bravo.hotline.example", nation="XBB")
        self.origins = {"alpha": self.alpha.origin, "bravo": self.bravo.origin}
        self.index = self.new_index(cache_rows)

    def new_index(self, cache_rows: int, recall: StoreRecall | None = None) -> FeedIndex:
        index = FeedIndex(
            self.origins,
            recall or StoreRecall(self.store, {o: s for s, o in self.origins.items()}),
            cache_rows,
        )
        for side in self.origins:
            index.start(side, len(self.peer(side).entries), [])
        return index

    def peer(self, side: str) -> FakePeer:
        return self.alpha if side == "alpha" else self.bravo

    async def stored(self, side: str, notice: Notice) -> Entry:
        peer = self.peer(side)
        entry = peer.append(notice)
        cp = CheckpointRecord(peer.origin, peer.size, b"r" * 32, b"n", T0 + 100 * peer.size)
        await self.store.append(peer.origin, entry.index, [(entry.raw, entry.leaf_hash)], cp)
        return entry

    async def post(self, side: str, notice: Notice) -> Entry:
        """Stored, then added with what it refers to read and pinned first."""
        entry = await self.stored(side, notice)
        keys = refs_of(self.index, notice)
        await self.index.fetch(keys)
        self.index.pin(keys)
        try:
            self.index.add(side, entry.index, entry.leaf_hash, notice, T0 + 100 * (entry.index + 1))
        finally:
            self.index.unpin(keys)
        return entry


def refs_of(index: FeedIndex, notice: Notice) -> list[Key]:
    from hotline.feeds.rules import references

    return [(index.origins[o], i) for o, i in references(notice) if o in index.origins]


def body(name: str, peer: FakePeer, **changes: Any) -> Notice:
    data = json.loads((EXAMPLES / f"{name}.json").read_text())
    data.update(
        time=T0 + peer.size * 1000,
        author={"id": f"ops-{peer.side}", "unit": f"HQ {peer.side}", "nation": peer.nation},
        **changes,
    )
    data["id"] = f"00000000-0000-4000-8000-{abs(hash((peer.side, peer.size))) % 10**12:012d}"
    return parse_notice(data)


def ack(peer: FakePeer, ref: dict[str, Any], response: str = "ROGER") -> Notice:
    return body("ack", peer, ref=ref, response=response)


async def histories(pair: Pair) -> None:
    """Bravo: a distress, a liaison, a distress it cancels, a distress it updates and the
    update; alpha: two acks of the first, an ack of the update, an ack naming a wrong hash."""
    index = pair.index
    d0 = await pair.post("bravo", pair.bravo.distress())
    await pair.post("bravo", pair.bravo.notice())
    d2 = await pair.post("bravo", pair.bravo.distress())
    d3 = await pair.post("bravo", pair.bravo.distress())

    def ref(entry: Entry) -> dict[str, Any]:
        rec = index.cached("bravo", entry.index)
        assert rec is not None
        return rec.ref()

    await pair.post("bravo", body("cancel", pair.bravo, ref=ref(d2)))
    update = await pair.post("bravo", pair.bravo.distress(supersedes=ref(d3)))
    await pair.post("alpha", ack(pair.alpha, ref(d0)))
    await pair.post("alpha", ack(pair.alpha, ref(d0), "WILCO"))
    await pair.post("alpha", ack(pair.alpha, ref(update)))
    wrong = {**ref(d0), "leaf_hash": ref(d2)["leaf_hash"]}
    await pair.post("alpha", ack(pair.alpha, wrong))


async def test_a_record_read_back_from_the_store_is_the_record_the_index_made(
    store: SqliteStore,
) -> None:
    pair = Pair(store, cache_rows=1_000)
    await histories(pair)
    keys = [(s, i) for s in ("alpha", "bravo") for i in range(pair.index.size(s))]
    made = [pair.index.cached(*key) for key in keys]
    assert all(rec is not None for rec in made)
    d0 = pair.index.cached("bravo", 0)
    assert d0 is not None and [a.response for a in d0.acks] == ["ROGER", "WILCO"]
    assert pair.index.cached("bravo", 2).cancelled_by == ("bravo", 4)  # type: ignore[union-attr]
    assert pair.index.cached("bravo", 3).superseded_by == ("bravo", 5)  # type: ignore[union-attr]
    assert pair.index.cached("alpha", 3).target is None  # type: ignore[union-attr]
    fresh = pair.new_index(cache_rows=4)  # a node started on the store: nothing cached
    assert await fresh.records(keys) == made
    for key in reversed(keys):  # one at a time, whatever else is cached
        assert await fresh.records([key]) == [pair.index.cached(*key)]


async def test_the_cache_keeps_at_most_its_rows_and_what_is_pinned(store: SqliteStore) -> None:
    pair = Pair(store, cache_rows=8)
    for _ in range(40):
        await pair.post("bravo", pair.bravo.notice())
    index = pair.index
    assert len(index._rows) == 8
    assert index.get("bravo", 39) is not None
    with pytest.raises(NotCachedError):
        index.get("bravo", 0)
    index.pin([("bravo", 0), ("bravo", 1)])
    await index.fetch([("bravo", 0), ("bravo", 1)])
    for _ in range(20):
        await pair.post("bravo", pair.bravo.notice())
    assert len(index._rows) == 8 and index.get("bravo", 0) is not None
    index.unpin([("bravo", 0), ("bravo", 1)])
    for _ in range(8):  # unpinned, they are evicted in their turn
        await pair.post("bravo", pair.bravo.notice())
    assert ("bravo", 0) not in index._rows and len(index._rows) == 8
    (old,) = await index.records([("bravo", 0)])
    assert old is not None and old.index == 0 and old.kind == "liaison"
    assert await index.records([("bravo", 68), ("nowhere", 0)]) == [None, None]


class SlowRecall(StoreRecall):
    """Reads as the store does, and waits for the test while the read is in flight."""

    def __init__(self, store: SqliteStore, origins: dict[str, str]) -> None:
        super().__init__(store, origins)
        self.reading = asyncio.Event()
        self.go_on = asyncio.Event()

    async def rows(self, index: FeedIndex, keys: list[Key]) -> dict[Key, _Row]:
        found = await super().rows(index, keys)
        self.reading.set()
        await self.go_on.wait()
        return found


async def test_an_ack_recorded_while_its_notice_is_read_is_not_lost(store: SqliteStore) -> None:
    pair = Pair(store, cache_rows=1_000)
    await pair.post("bravo", pair.bravo.distress())
    target = pair.index.cached("bravo", 0)
    assert target is not None
    slow = SlowRecall(store, {o: s for s, o in pair.origins.items()})
    index = pair.index = pair.new_index(cache_rows=1_000, recall=slow)
    reading = asyncio.create_task(index.records([("bravo", 0)]))
    await slow.reading.wait()  # the notice read, without the ack
    entry = await pair.stored("alpha", ack(pair.alpha, target.ref()))
    index.add("alpha", entry.index, entry.leaf_hash, ack(pair.alpha, target.ref()), T0)
    slow.go_on.set()
    (seen,) = await reading
    assert seen is not None and seen.acks == ()  # as it was read
    slow.reading.clear()
    (now,) = await index.records([("bravo", 0)])  # not cached as it was: read again
    assert now is not None and [a.index for a in now.acks] == [0]
