"""The deadline watcher built from (index, deadlines, clock, publish, announce) alone."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from hotline.acks import deadlines as deadlines_module
from hotline.acks.deadlines import FLASH_REPEATED, HELD_MAX, DeadlineWatcher
from hotline.events import AnnouncedEvent, Event, OverdueEvent
from hotline.feeds.index import FeedIndex
from hotline.feeds.load import ReadDue, due_reader, load_index
from hotline.feeds.recall import StoreRecall
from hotline.settings import Deadlines
from hotline.store import CheckpointRecord, SqliteStore
from hotline.types import Side, Sides
from hotline_protocol.notices import parse_notice
from tests.helpers.fake_peer import FakePeer

from .conftest import T0, Clock, Parts

ORIGINS = {"alpha": "alpha.hotline.example", "bravo": "bravo.hotline.example"}
SIDES = Sides(
    Side("alpha", ORIGINS["alpha"], "", "", "alpha.hotline.example/witness"),
    Side("bravo", ORIGINS["bravo"], "", "", "bravo.hotline.example/witness"),
)
FLASH_MINUTE = Deadlines(FLASH=60)  # a FLASH notice is due a minute after its time


def feeds(parts: Parts) -> None:
    """Alpha #0: a FLASH (own); bravo #0: a ROUTINE liaison that needs no ack, #1 a FLASH."""
    alpha = FakePeer(side="alpha", origin=parts.alpha.origin, nation="XAA")
    bravo = FakePeer(side="bravo", origin=parts.bravo.origin, nation="XBB")
    for side, peer, makers in (
        ("alpha", alpha, [alpha.distress]),
        ("bravo", bravo, [bravo.notice, bravo.distress]),
    ):
        for make in makers:
            notice = make()  # its time: T0 + 1 s for each entry before it
            entry = peer.append(notice)
            parts.index.add(side, entry.index, entry.leaf_hash, notice, T0)


async def test_overdue_notices_are_published_once_and_own_flash_announced_again(
    parts: Parts,
) -> None:
    published: list[Event] = []
    announced: list[int] = []

    def announce(index: int) -> bool:
        announced.append(index)
        return True

    watcher = DeadlineWatcher(
        parts.index,
        Deadlines(FLASH=60, flash_repeat=30),
        parts.clock,
        published.append,
        own_side="alpha",
        announce=announce,
    )
    feeds(parts)  # the watcher takes in each record as it is added
    parts.clock.now = T0 + 59_000
    assert await watcher.check() == [] and published == []
    parts.clock.now = T0 + 60_500  # the FLASH notices' time is T0 and T0 + 1 s
    fresh = await watcher.check()
    assert sorted((r.side, r.index) for r in fresh) == [("alpha", 0)]
    parts.clock.now = T0 + 61_000
    fresh = await watcher.check()
    assert [(r.side, r.index) for r in fresh] == [("bravo", 1)]
    overdue = [e for e in published if isinstance(e, OverdueEvent)]
    assert [(e.side, e.index, e.precedence) for e in overdue] == [
        ("alpha", 0, "FLASH"),
        ("bravo", 1, "FLASH"),
    ]
    assert announced == [0]  # only the own FLASH goes to the peer again
    parts.clock.now = T0 + 60_500 + 29_999
    await watcher.check()
    assert announced == [0]
    parts.clock.now = T0 + 60_500 + 30_000
    await watcher.check()
    assert announced == [0, 0]
    assert [e.index for e in published if isinstance(e, AnnouncedEvent)] == [0, 0]
    assert len([e for e in published if isinstance(e, OverdueEvent)]) == 2


async def test_nothing_is_announced_while_the_link_is_down(parts: Parts) -> None:
    published: list[Event] = []
    watcher = DeadlineWatcher(
        parts.index,
        Deadlines(FLASH=60),
        parts.clock,
        published.append,
        own_side="alpha",
        announce=lambda _index: False,
    )
    feeds(parts)
    parts.clock.now = T0 + 120_000
    await watcher.check()
    assert not [e for e in published if isinstance(e, AnnouncedEvent)]
    assert len([e for e in published if isinstance(e, OverdueEvent)]) == 2


async def test_overdue_counts_notices_past_their_deadline_until_acknowledged(
    parts: Parts,
) -> None:
    watcher = DeadlineWatcher(
        parts.index, Deadlines(FLASH=60), parts.clock, lambda _event: None, own_side="alpha"
    )
    feeds(parts)
    parts.clock.now = T0 + 59_000
    await watcher.check()
    assert watcher.overdue() == {"alpha": 0, "bravo": 0}
    parts.clock.now = T0 + 61_000
    await watcher.check()
    assert watcher.overdue() == {"alpha": 1, "bravo": 1}
    # alpha acknowledges bravo's FLASH: it is no longer overdue
    alpha = FakePeer(side="alpha", origin=parts.alpha.origin, nation="XAA")
    alpha.append(alpha.distress())
    rec = parts.index.get("bravo", 1)
    assert rec is not None
    ack = parse_notice(
        {
            "id": "00000000-0000-4000-8000-000000000001",
            "kind": "ack",
            "status": "exercise",
            "author": {"id": "ops-alpha", "unit": "HQ alpha", "nation": "XAA"},
            "time": T0 + 61_000,
            "ref": rec.ref(),
            "response": "ROGER",
        }
    )
    entry = alpha.append(ack)
    parts.index.add("alpha", entry.index, entry.leaf_hash, ack, T0 + 61_000)
    assert watcher.overdue() == {"alpha": 1, "bravo": 0}


def reading(parts: Parts, published: list[Event], read_due: ReadDue) -> DeadlineWatcher:
    """Alpha's watcher (FLASH due in 60 s) over ``read_due`` as its store."""
    return DeadlineWatcher(
        parts.index,
        Deadlines(FLASH=60),
        parts.clock,
        published.append,
        own_side="alpha",
        read_due=read_due,
    )


async def test_the_notices_open_at_start_are_watched_from_what_the_store_says(
    parts: Parts,
) -> None:
    """At start the watcher asks the store for the own FLASH notices overdue in the last day,
    then for what awaits an answer with a deadline from ten minutes ago to ten minutes ahead,
    not the feeds."""
    feeds(parts)  # recorded before the watcher: it does not see them
    published: list[Event] = []
    asked: list[tuple[int, int, int, Collection[str] | None]] = []

    async def read_due(
        after: int, until: int, limit: int, only: Collection[str] | None
    ) -> tuple[list[tuple[int, str, int]], int]:
        asked.append((after, until, limit, only))
        return ([(T0 + 61_000, "bravo", 1)] if only is None else []), until

    watcher = reading(parts, published, read_due)
    await watcher.load()
    assert asked == [
        (T0 - 86_400_000, T0 - 600_000, FLASH_REPEATED, ("FLASH",)),
        (T0 - 600_000, T0 + 600_000, HELD_MAX, None),
    ]
    parts.clock.now = T0 + 120_000
    fresh = await watcher.check()
    assert [(r.side, r.index) for r in fresh] == [("bravo", 1)]
    assert watcher.overdue() == {"alpha": 0, "bravo": 1}


async def test_a_notice_added_while_the_store_is_read_is_announced_once(parts: Parts) -> None:
    """A record added while the watcher reads the store is taken in as it is added, and may be
    in what the read returns as well: it turns overdue once."""
    published: list[Event] = []

    async def read_due(
        after: int, until: int, limit: int, only: Collection[str] | None
    ) -> tuple[list[tuple[int, str, int]], int]:
        if only is not None:
            return [], until
        feeds(parts)  # appended meanwhile: the watcher takes each in as it is added
        return [(T0 + 61_000, "bravo", 1)], until  # and the read finds one of them as well

    watcher = reading(parts, published, read_due)
    await watcher.load()
    parts.clock.now = T0 + 120_000
    await watcher.check()
    overdue = [(e.side, e.index) for e in published if isinstance(e, OverdueEvent)]
    assert sorted(overdue) == [("alpha", 0), ("bravo", 1)]


@asynccontextmanager
async def stored(tmp_path: Path, *peers: FakePeer) -> AsyncIterator[tuple[SqliteStore, FeedIndex]]:
    """The peers' feeds in a real SQLite store, and the index a node loads over it."""
    store = SqliteStore(f"sqlite:///{tmp_path / 'node.db'}")
    await store.open()
    try:
        for peer in peers:
            cp = CheckpointRecord(peer.origin, peer.size, b"r" * 32, b"n", T0)
            await store.append(peer.origin, 0, [(e.raw, e.leaf_hash) for e in peer.entries], cp)
        index = FeedIndex(ORIGINS, StoreRecall(store, {o: s for s, o in ORIGINS.items()}), 16)
        await load_index(store, index, SIDES, 300_000)
        yield store, index
    finally:
        await store.close()


def flash_at(peer: FakePeer, *times: int) -> None:
    """FLASH notices of ``peer`` awaiting an answer, at these times."""
    for time_ms in times:
        peer.append(peer.distress().model_copy(update={"time": time_ms}))


def watching(
    store: SqliteStore,
    index: FeedIndex,
    clock: Clock,
    published: list[Event],
    deadlines: Deadlines = FLASH_MINUTE,
    **options: Any,
) -> DeadlineWatcher:
    """Alpha's watcher over ``store``, reading what is due from it as a node does."""
    return DeadlineWatcher(
        index,
        deadlines,
        clock,
        published.append,
        own_side="alpha",
        read_due=due_reader(store, index, deadlines),
        **options,
    )


async def arrive(store: SqliteStore, index: FeedIndex, peer: FakePeer, at: int) -> None:
    """Entry ``at`` of ``peer`` arrives: stored, then added to the index, as a node does."""
    entry = peer.entries[at]
    cp = CheckpointRecord(peer.origin, at + 1, b"r" * 32, b"n", T0)
    await store.append(peer.origin, at, [(entry.raw, entry.leaf_hash)], cp)
    index.add(peer.side, at, entry.leaf_hash, entry.notice, T0)


async def test_only_the_next_minutes_deadlines_are_held_and_later_ones_are_read_when_due(
    tmp_path: Path,
) -> None:
    """Fifty FLASH notices awaiting an answer, one a minute, in a real store: the watcher holds
    the deadlines of its next ten minutes only, reads the later ones from the store as the
    clock reaches them, and announces each notice overdue once, at the first tick past its
    deadline; one acknowledged in the meantime never is."""
    alpha = FakePeer(side="alpha", origin=ORIGINS["alpha"], nation="XAA")
    bravo = FakePeer(side="bravo", origin=ORIGINS["bravo"], nation="XBB")
    flash_at(alpha, *(T0 + i * 60_000 for i in range(50)))
    answered = alpha.entries[30]
    ack = parse_notice(
        {
            "id": "00000000-0000-4000-8000-000000000030",
            "kind": "ack",
            "status": "exercise",
            "author": {"id": "ops-bravo", "unit": "HQ bravo", "nation": "XBB"},
            "time": T0,
            "ref": {
                "origin": ORIGINS["alpha"],
                "index": 30,
                "leaf_hash": base64.b64encode(answered.leaf_hash).decode(),
            },
            "response": "ROGER",
        }
    )
    bravo.append(ack)
    async with stored(tmp_path, alpha, bravo) as (store, index):
        clock = Clock(T0)
        published: list[Event] = []
        watcher = watching(store, index, clock, published, horizon_ms=600_000)
        await watcher.load()
        assert watcher.held == 10  # due by T0 + 10 min: the notices of T0 to T0 + 9 min
        most = 0
        first_seen: dict[int, int] = {}
        for minute in range(0, 53):
            clock.now = T0 + minute * 60_000 + 30_000
            for rec in await watcher.check():
                first_seen.setdefault(rec.index, clock.now)
            most = max(most, watcher.held)
        overdue = [e for e in published if isinstance(e, OverdueEvent)]
        assert sorted(e.index for e in overdue) == [i for i in range(50) if i != 30]
        assert all(e.side == "alpha" for e in overdue)
        # each at the first tick past its deadline (time + 60 s): 30 s after it
        assert all(at == T0 + i * 60_000 + 90_000 for i, at in first_seen.items())
        assert most <= 11, "never more than the next ten minutes' deadlines held"


async def test_no_more_deadlines_are_held_than_the_bound_and_each_turns_overdue_on_time(
    tmp_path: Path,
) -> None:
    """Sixty notices awaiting an answer within the watcher's ten minutes, six of them held at
    most: the watcher reads the store again as it has room, and each notice turns overdue
    once, at the first tick past its deadline. Among them, ten that arrive late with earlier
    times (a link catching up) while the watcher has no room: read from the store when due."""
    alpha = FakePeer(side="alpha", origin=ORIGINS["alpha"], nation="XAA")
    bravo = FakePeer(side="bravo", origin=ORIGINS["bravo"], nation="XBB")
    flash_at(alpha, *(T0 + i * 5_000 for i in range(30)))
    flash_at(bravo, *(T0 + i * 5_000 + 2_000 for i in range(20)))
    async with stored(tmp_path, alpha, bravo) as (store, index):
        clock = Clock(T0)
        published: list[Event] = []
        watcher = watching(store, index, clock, published, held_max=6)
        await watcher.load()
        flash_at(bravo, *(T0 + i * 5_000 + 1_000 for i in range(10)))  # late, not stored yet
        most, seen = watcher.held, {}
        for tick in range(80):  # every 5 s, from 2.5 s past the first notice
            clock.now = T0 + tick * 5_000 + 2_500
            if tick < 10:  # one late notice a tick: stored, then added to the index
                await arrive(store, index, bravo, 20 + tick)
            for rec in await watcher.check():
                assert (rec.side, rec.index) not in seen, "announced once"
                seen[(rec.side, rec.index)] = clock.now
            most = max(most, watcher.held)
        assert sorted(seen) == [("alpha", i) for i in range(30)] + [("bravo", i) for i in range(30)]
        times = {("alpha", e.index): e.notice.time for e in alpha.entries}
        times |= {("bravo", e.index): e.notice.time for e in bravo.entries}
        for key, at in seen.items():  # the first tick (2.5 s past a multiple of 5 s) past it
            assert at - 5_000 < times[key] + 60_000 <= at, key
        assert most <= 6, "never more deadlines held than the bound"
        assert watcher.overdue() == {"alpha": 30, "bravo": 30}


async def test_a_late_notice_due_before_every_one_held_turns_overdue_on_time_with_no_room(
    tmp_path: Path,
) -> None:
    """Three deadlines held, the most the watcher may, all of them a minute ahead; then a
    notice arrives (a link catching up) due before any of them: it turns overdue at the first
    tick past its deadline, the later ones held are given up and read again."""
    alpha = FakePeer(side="alpha", origin=ORIGINS["alpha"], nation="XAA")
    bravo = FakePeer(side="bravo", origin=ORIGINS["bravo"], nation="XBB")
    flash_at(alpha, *(T0 + 60_000 + i * 1_000 for i in range(5)))  # due from T0 + 2 min
    async with stored(tmp_path, alpha, bravo) as (store, index):
        clock = Clock(T0)
        published: list[Event] = []
        watcher = watching(store, index, clock, published, held_max=3)
        await watcher.load()
        assert watcher.held == 3
        flash_at(bravo, T0 - 10_000)  # due at T0 + 50 s
        await arrive(store, index, bravo, 0)
        clock.now = T0 + 50_000
        assert [(r.side, r.index) for r in await watcher.check()] == [("bravo", 0)]
        clock.now = T0 + 125_000
        assert [(r.side, r.index) for r in await watcher.check()] == [
            ("alpha", i) for i in range(5)
        ]
        assert watcher.held <= 3


async def test_a_restarted_node_finds_its_own_overdue_flash_of_the_last_day_not_the_history(
    tmp_path: Path,
) -> None:
    """At start: alpha's own FLASH two hours overdue is found (announced again to the peer),
    bravo's two hours overdue is not read (the history stays in the store), bravo's overdue
    five minutes ago is."""
    alpha = FakePeer(side="alpha", origin=ORIGINS["alpha"], nation="XAA")
    bravo = FakePeer(side="bravo", origin=ORIGINS["bravo"], nation="XBB")
    hours = 2 * 3_600_000
    flash_at(alpha, T0)
    flash_at(bravo, T0, T0 + hours - 360_000)  # due two hours ago, and five minutes ago
    async with stored(tmp_path, alpha, bravo) as (store, index):
        clock = Clock(T0 + hours)
        published: list[Event] = []
        announced: list[int] = []

        def announce(i: int) -> bool:
            announced.append(i)
            return True

        deadlines = Deadlines(FLASH=60, flash_repeat=30)
        watcher = watching(store, index, clock, published, deadlines, announce=announce)
        await watcher.load()
        fresh = await watcher.check()
        assert sorted((r.side, r.index) for r in fresh) == [("alpha", 0), ("bravo", 1)]
        assert announced == [0]
        assert watcher.overdue() == {"alpha": 1, "bravo": 1}


async def test_only_the_newest_overdue_own_flash_notices_are_announced_again(
    parts: Parts, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With room for two, three own FLASH notices overdue: the two newest go to the peer again,
    every ``flash_repeat``; all three stay counted overdue."""
    monkeypatch.setattr(deadlines_module, "FLASH_REPEATED", 2)
    announced: list[int] = []

    def announce(i: int) -> bool:
        announced.append(i)
        return True

    watcher = DeadlineWatcher(
        parts.index,
        Deadlines(FLASH=60, flash_repeat=30),
        parts.clock,
        lambda _event: None,
        own_side="alpha",
        announce=announce,
    )
    alpha = FakePeer(side="alpha", origin=parts.alpha.origin, nation="XAA")
    for _ in range(3):
        entry = alpha.append(alpha.distress())
        parts.index.add("alpha", entry.index, entry.leaf_hash, entry.notice, T0)
    parts.clock.now = T0 + 120_000
    await watcher.check()
    parts.clock.now = T0 + 150_000
    await watcher.check()
    assert announced == [1, 2, 1, 2]
    assert watcher.overdue() == {"alpha": 3, "bravo": 0}
