"""The deadline watcher built from (index, deadlines, clock, publish, announce) alone."""

from __future__ import annotations

from hotline.acks.deadlines import DeadlineWatcher
from hotline.events import AnnouncedEvent, Event, OverdueEvent
from hotline.settings import Deadlines
from hotline_protocol.notices import parse_notice
from tests.helpers.fake_peer import FakePeer

from .conftest import T0, Parts


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


async def test_the_notices_open_at_start_are_watched_from_what_the_store_says(
    parts: Parts,
) -> None:
    """At start the watcher is told the open notices (the store's open set), not the feeds."""
    feeds(parts)  # recorded before the watcher: it does not see them
    published: list[Event] = []
    watcher = DeadlineWatcher(
        parts.index, Deadlines(FLASH=60), parts.clock, published.append, own_side="alpha"
    )
    watcher.load([("bravo", 1, T0 + 1_000, "FLASH")])
    parts.clock.now = T0 + 120_000
    fresh = await watcher.check()
    assert [(r.side, r.index) for r in fresh] == [("bravo", 1)]
    assert watcher.overdue() == {"alpha": 0, "bravo": 1}
