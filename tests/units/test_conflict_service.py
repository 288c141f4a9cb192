"""The conflict service built from (rule index, feed index, clock, publish) alone: what it takes
in, when, and what it tells."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hotline.conflicts.service import ConflictService
from hotline.events import ConflictEvent, Event
from hotline.feeds.index import FeedIndex
from hotline.feeds.load import load_conflicts, load_index
from hotline.feeds.recall import StoreRecall
from hotline.store import CheckpointRecord, SqliteStore
from hotline.types import Side, Sides
from hotline_protocol.deconfliction import ConflictIndex
from hotline_protocol.entries import Entry, encode_entry
from hotline_protocol.notices import parse_notice

from .conftest import Clock

EXAMPLES = Path(__file__).parents[1] / "protocol" / "examples"
NOW = 1_796_000_000_000
HOUR = 3_600_000
ORIGINS = {"alpha": "alpha.example", "bravo": "bravo.example"}
SIDES = Sides(
    Side("alpha", ORIGINS["alpha"], "", "", "alpha.hotline.example/witness"),
    Side("bravo", ORIGINS["bravo"], "", "", "bravo.hotline.example/witness"),
)


class Feeds:
    def __init__(self) -> None:
        self.index = FeedIndex(ORIGINS)
        self.prev = {side: b"" for side in ORIGINS}

    def append(self, side: str, body: dict[str, Any]) -> Entry:
        size = self.index.size(side)
        notice = parse_notice(body)
        entry = encode_entry(ORIGINS[side], size, self.prev[side], notice)
        self.prev[side] = entry.leaf_hash
        self.index.add(side, size, entry.leaf_hash, notice, NOW)
        return entry


def operation(n: int, nation: str, start: int, end: int) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((EXAMPLES / "planned_operation.json").read_text())
    body.pop("expires")
    body.update(
        id=f"00000000-0000-4000-8000-{n:012d}",
        time=NOW - HOUR,
        author={"id": "ops", "unit": "U", "nation": nation},
        window={"start": start, "end": end},
    )
    return body


def changes(events: list[Event]) -> list[str]:
    return [e.change for e in events if isinstance(e, ConflictEvent)]


def test_entries_are_taken_in_later_or_by_a_read_and_conflicts_follow_time() -> None:
    feeds, clock, events = Feeds(), Clock(NOW), list[Event]()
    service = ConflictService(ConflictIndex(), feeds.index, clock, events.append)
    service.finish_loading()
    a = feeds.append("alpha", operation(1, "XAA", NOW - HOUR, NOW + HOUR))
    b = feeds.append("bravo", operation(2, "XBB", NOW - HOUR, NOW + 2 * HOUR))
    over = feeds.append("bravo", operation(3, "XBB", NOW - 2 * HOUR, NOW - HOUR))
    for side, entry in (("alpha", a), ("bravo", b), ("bravo", over)):
        service.recorded(side, entry)
    assert events == []  # recorded: queued, nothing computed in the recording turn
    (shown,) = service.listing()  # a read takes in what is queued first
    assert changes(events) == ["opened"]
    assert {(r["side"], r["index"]) for r in shown["between"]} == {("alpha", 0), ("bravo", 0)}
    assert len(service._engine) == 2  # the operation whose window was over is not taken in
    clock.now = NOW + HOUR  # alpha's window ends: the overlap is over
    service.tick()
    assert changes(events) == ["opened", "cleared"] and service.listing() == []


def test_a_cancel_clears_and_a_handling_liaison_marks_handled() -> None:
    feeds, clock, events = Feeds(), Clock(NOW), list[Event]()
    service = ConflictService(ConflictIndex(), feeds.index, clock, events.append)
    service.finish_loading()
    a = feeds.append("alpha", operation(1, "XAA", NOW - HOUR, NOW + HOUR))
    b = feeds.append("bravo", operation(2, "XBB", NOW - HOUR, NOW + HOUR))
    service.recorded("alpha", a)
    service.recorded("bravo", b)
    (conflict,) = service.listing()
    held = [feeds.index.get(r["side"], r["index"]) for r in conflict["between"]]
    refs = [rec.ref() for rec in held if rec is not None]
    liaison = {
        "id": "00000000-0000-4000-8000-000000000009",
        "kind": "liaison",
        "status": "exercise",
        "author": {"id": "ops", "unit": "U", "nation": "XBB"},
        "time": NOW,
        "text": "moved",
        "language": "en",
        "regarding": refs,
        "conflict": conflict["id"],
    }
    service.recorded("bravo", feeds.append("bravo", liaison))
    assert [c["state"] for c in service.listing("all")] == ["handled"]
    assert changes(events) == ["opened", "handled"]
    cancel = {
        "id": "00000000-0000-4000-8000-000000000010",
        "kind": "cancel",
        "status": "exercise",
        "author": {"id": "ops", "unit": "U", "nation": "XAA"},
        "time": NOW,
        "ref": feeds.index.get("alpha", 0).ref(),  # type: ignore[union-attr]
        "reason": "operation_called_off",
    }
    service.recorded("alpha", feeds.append("alpha", cancel))
    assert service.listing("all") == [] and changes(events)[-1] == "cleared"


async def test_a_service_started_on_a_store_finds_the_open_conflicts_and_their_handling(
    tmp_path: Path,
) -> None:
    """At start the service reads the operations not withdrawn and the liaisons about them from
    the store's indexes, not the feeds: the same conflicts, handled as before."""
    feeds, clock, events = Feeds(), Clock(NOW), list[Event]()
    live = ConflictService(ConflictIndex(), feeds.index, clock, events.append)
    live.finish_loading()
    appended: dict[str, list[Entry]] = {side: [] for side in ORIGINS}

    def append(side: str, body: dict[str, Any]) -> Entry:
        entry = feeds.append(side, body)
        appended[side].append(entry)
        live.recorded(side, entry)
        return entry

    append("alpha", operation(1, "XAA", NOW - HOUR, NOW + HOUR))
    append("bravo", operation(2, "XBB", NOW - HOUR, NOW + HOUR))
    append("bravo", operation(3, "XBB", NOW - 3 * HOUR, NOW - 2 * HOUR))  # over
    called_off = append("alpha", operation(4, "XAA", NOW - HOUR, NOW + HOUR))
    off = feeds.index.get("alpha", called_off.index)
    assert off is not None
    cancel = {
        "id": "00000000-0000-4000-8000-000000000011",
        "kind": "cancel",
        "status": "exercise",
        "author": {"id": "ops", "unit": "U", "nation": "XAA"},
        "time": NOW,
        "ref": off.ref(),
        "reason": "operation_called_off",
    }
    append("alpha", cancel)
    (conflict,) = live.listing()
    held = [feeds.index.get(r["side"], r["index"]) for r in conflict["between"]]
    liaison = {
        "id": "00000000-0000-4000-8000-000000000012",
        "kind": "liaison",
        "status": "exercise",
        "author": {"id": "ops", "unit": "U", "nation": "XBB"},
        "time": NOW,
        "text": "moved",
        "language": "en",
        "regarding": [rec.ref() for rec in held if rec is not None],
        "conflict": conflict["id"],
    }
    append("bravo", liaison)
    (before,) = live.listing("all")
    assert before["state"] == "handled"

    store = SqliteStore(f"sqlite:///{tmp_path / 'node.db'}")
    await store.open()
    try:
        for side, entries in appended.items():
            cp = CheckpointRecord(ORIGINS[side], len(entries), b"r" * 32, b"n", NOW)
            await store.append(ORIGINS[side], 0, [(e.raw, e.leaf_hash) for e in entries], cp)
        index = FeedIndex(ORIGINS, StoreRecall(store, {o: s for s, o in ORIGINS.items()}), 16)
        await load_index(store, index, SIDES, 300_000)
        started = ConflictService(ConflictIndex(), index, clock, list[Event]().append)
        # start-up reads the operations still live: not the one whose window is over
        assert await store.live_notices(ORIGINS["bravo"], clock()) == [0]
        await load_conflicts(store, index, started, clock())
        started.finish_loading()
        assert started.listing("all") == [before]
        # the operations of the conflict, not the one over nor the one called off
        assert started._engine.keys() == {("alpha", 0), ("bravo", 0)}
    finally:
        await store.close()
