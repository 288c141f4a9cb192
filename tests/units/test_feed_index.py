"""The in-memory index of both feeds: a notice's acks oldest first whatever order they are added
in (the latest one counts), and records the collector does not walk however many there are."""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

from hotline.feeds.index import Delivery, FeedIndex
from hotline_protocol.entries import encode_entry
from hotline_protocol.notices import parse_notice
from tests.helpers.fake_peer import T0, FakePeer


def ack_body(ref: dict[str, Any], n: int, response: str = "ROGER") -> dict[str, Any]:
    return {
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "kind": "ack",
        "status": "exercise",
        "author": {"id": "ops-alpha", "unit": "HQ alpha", "nation": "XAA"},
        "time": T0 + n,
        "ref": ref,
        "response": response,
    }


def indexed_distress() -> tuple[FeedIndex, FakePeer]:
    alpha = FakePeer(side="alpha", origin="alpha.hotline.example", nation="XAA")
    bravo = FakePeer(side="bravo", origin="bravo.hotline.example", nation="XBB")
    index = FeedIndex({"alpha": alpha.origin, "bravo": bravo.origin})
    entry = bravo.append(bravo.distress())
    index.add("bravo", entry.index, entry.leaf_hash, entry.notice, T0)
    return index, alpha


def test_acks_added_out_of_time_order_are_kept_oldest_first() -> None:
    index, alpha = indexed_distress()
    target = index.get("bravo", 0)
    assert target is not None
    appended = [T0 + 5_000, T0 + 1_000, T0 + 9_000, T0 + 3_000]
    for n, at in enumerate(appended):
        response = "WILCO" if at == max(appended) else "ROGER"
        notice = parse_notice(ack_body(target.ref(), n, response))
        entry = alpha.append(notice)
        index.add("alpha", entry.index, entry.leaf_hash, notice, at)
    rec = index.get("bravo", 0)
    assert rec is not None
    assert [a.time_ms for a in rec.acks] == sorted(appended)
    latest = index.latest_ack(rec)
    assert latest is not None and latest.response == "WILCO" and latest.time_ms == T0 + 9_000


def test_a_notice_with_many_acks_keeps_every_one_in_order() -> None:
    index, alpha = indexed_distress()
    target = index.get("bravo", 0)
    assert target is not None
    for n in range(2_000):
        notice = parse_notice(ack_body(target.ref(), n))
        entry = alpha.append(notice)
        index.add("alpha", entry.index, entry.leaf_hash, notice, T0 + n)
    rec = index.get("bravo", 0)
    assert rec is not None
    assert [a.index for a in rec.acks] == list(range(2_000))


def test_the_records_of_a_long_history_are_not_walked_by_the_collector() -> None:
    index, alpha = indexed_distress()
    target = index.get("bravo", 0)
    assert target is not None

    prev = b""

    def add(n: int) -> None:  # n entries of alpha, kept by the index alone
        nonlocal prev
        for _ in range(n):
            at = index.size("alpha")
            if at % 2:  # every other one an ack of bravo's FLASH: a record changed as well
                notice = parse_notice(ack_body(target.ref(), at))
            else:
                notice = alpha.notice(text=f"notice {at}")
            entry = encode_entry(alpha.origin, at, prev, notice)
            prev = entry.leaf_hash
            index.add("alpha", at, entry.leaf_hash, notice, T0 + at)
            index.add_delivery("alpha", Delivery(at + 1, T0 + at, "bravo/witness"))

    add(100)
    gc.collect()
    before = len(gc.get_objects())
    add(4_000)
    gc.collect()
    assert len(gc.get_objects()) - before < 100
    rec = index.get("bravo", 0)
    assert rec is not None and len(rec.acks) == 2_050
    assert index.delivered_size("alpha") == 4_100


async def test_a_record_holds_what_its_entry_says_and_what_refers_to_it() -> None:
    index, alpha = indexed_distress()
    target = index.get("bravo", 0)
    assert target is not None
    assert (target.side, target.origin, target.index) == ("bravo", "bravo.hotline.example", 0)
    assert (target.kind, target.precedence, target.status) == (
        "aircraft_in_distress",
        "FLASH",
        "exercise",
    )
    assert target.author == "rcc-bravo" and target.needs_ack and target.appended_ms == T0
    assert type(target.kind) is str  # a plain string, not the enum member
    notice = parse_notice(ack_body(target.ref(), 7, "UNABLE") | {"reason": "fuel"})
    entry = alpha.append(notice)
    ack = index.add("alpha", entry.index, entry.leaf_hash, notice, T0 + 5, implausible=(1, 2))
    assert (ack.kind, ack.response, ack.reason, ack.target) == (
        "ack",
        "UNABLE",
        "fuel",
        ("bravo", 0),
    )
    assert ack.implausible == (1, 2) and ack.acks == () and ack.leaf_hash == entry.leaf_hash
    assert await index.holding_ids([ack.id, "unknown"]) == {ack.id: [("alpha", entry.index)]}
    answered = index.get("bravo", 0)
    assert answered is not None and answered.acks[0].response == "UNABLE"
    assert answered.acks[0].by == "ops-alpha" and answered.acks[0].time_ms == T0 + 5


async def test_deliveries_are_held_packed_and_each_covers_the_entries_below_its_size() -> None:
    """Deliveries held take under 24 bytes each (100,000 of them), and each entry is delivered
    by the first cosignature whose size covers it."""
    index = FeedIndex({"alpha": "alpha.hotline.example", "bravo": "bravo.hotline.example"})
    index.add_delivery("alpha", Delivery(1, T0, "bravo/witness"))  # the arrays exist
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(1, 100_001):
            index.add_delivery("alpha", Delivery(1 + 10 * n, T0 + n, "bravo/witness"))
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held < 24 * 100_000, f"{held / 100_000:.1f} bytes a delivery"
    assert not index.add_delivery("alpha", Delivery(11, T0, "bravo/witness"))  # known already
    assert index.delivery_of("alpha", 0) == Delivery(1, T0, "bravo/witness")
    assert index.delivery_of("alpha", 15) == Delivery(21, T0 + 2, "bravo/witness")
    assert index.delivery_of("alpha", 1_000_000) == Delivery(
        1_000_001, T0 + 100_000, "bravo/witness"
    )
    assert index.delivery_of("alpha", 1_000_001) is None
    assert await index.deliveries_after("alpha", 11, 31) == [
        Delivery(21, T0 + 2, "bravo/witness"),
        Delivery(31, T0 + 3, "bravo/witness"),
    ]
    assert index.delivered_size("alpha") == 1_000_001
