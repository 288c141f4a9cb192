"""The deadline watcher built from (index, deadlines, clock, publish, announce) alone."""

from __future__ import annotations

import base64
from pathlib import Path

from hotline.acks.deadlines import DeadlineWatcher, ReadDue
from hotline.events import AnnouncedEvent, Event, OverdueEvent
from hotline.feeds.index import FeedIndex
from hotline.feeds.load import due_reader, load_index
from hotline.feeds.recall import StoreRecall
from hotline.settings import Deadlines
from hotline.store import CheckpointRecord, SqliteStore
from hotline_protocol.notices import parse_notice
from tests.helpers.fake_peer import FakePeer

from .conftest import T0, Clock, Parts

ORIGINS = {"alpha": "alpha.hotline.example", "bravo": "bravo.hotline.example"}


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
    """At start the watcher asks what awaits an answer and is due by its horizon (the store's
    open set), not the feeds."""
    feeds(parts)  # recorded before the watcher: it does not see them
    published: list[Event] = []
    asked: list[tuple[int | None, int]] = []

    async def read_due(after: int | None, until: int) -> list[tuple[int, str, int]]:
        asked.append((after, until))
        return [(T0 + 61_000, "bravo", 1)] if after is None else []

    watcher = reading(parts, published, read_due)
    await watcher.load()
    assert asked == [(None, T0 + 600_000)]
    parts.clock.now = T0 + 120_000
    fresh = await watcher.check()
    assert [(r.side, r.index) for r in fresh] == [("bravo", 1)]
    assert watcher.overdue() == {"alpha": 0, "bravo": 1}


async def test_a_notice_added_while_the_store_is_read_is_announced_once(parts: Parts) -> None:
    """A record added while the watcher reads the store is taken in as it is added, and may be
    in what the read returns as well: it turns overdue once."""
    published: list[Event] = []

    async def read_due(after: int | None, until: int) -> list[tuple[int, str, int]]:
        feeds(parts)  # appended meanwhile: the watcher takes each in as it is added
        return [(T0 + 61_000, "bravo", 1)]  # and the read finds one of them as well

    watcher = reading(parts, published, read_due)
    await watcher.load()
    parts.clock.now = T0 + 120_000
    await watcher.check()
    overdue = [(e.side, e.index) for e in published if isinstance(e, OverdueEvent)]
    assert sorted(overdue) == [("alpha", 0), ("bravo", 1)]


async def test_only_the_next_minutes_deadlines_are_held_and_later_ones_are_read_when_due(
    tmp_path: Path,
) -> None:
    """Fifty FLASH notices awaiting an answer, one a minute, in a real store: the watcher holds
    the deadlines of its next ten minutes only, reads the later ones from the store as the
    clock reaches them, and announces each notice overdue once, at the first tick past its
    deadline; one acknowledged in the meantime never is."""
    alpha = FakePeer(side="alpha", origin=ORIGINS["alpha"], nation="XAA")
    bravo = FakePeer(side="bravo", origin=ORIGINS["bravo"], nation="XBB")
    for i in range(50):
        alpha.append(alpha.distress().model_copy(update={"time": T0 + i * 60_000}))
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
    store = SqliteStore(f"sqlite:///{tmp_path / 'node.db'}")
    await store.open()
    try:
        for peer in (alpha, bravo):
            cp = CheckpointRecord(peer.origin, peer.size, b"r" * 32, b"n", T0)
            await store.append(peer.origin, 0, [(e.raw, e.leaf_hash) for e in peer.entries], cp)
        index = FeedIndex(ORIGINS, StoreRecall(store, {o: s for s, o in ORIGINS.items()}), 16)
        await load_index(store, index)
        deadlines = Deadlines(FLASH=60)
        clock = Clock(T0)
        published: list[Event] = []
        watcher = DeadlineWatcher(
            index,
            deadlines,
            clock,
            published.append,
            own_side="alpha",
            read_due=due_reader(store, index, deadlines),
            horizon_ms=600_000,
        )
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
    finally:
        await store.close()
