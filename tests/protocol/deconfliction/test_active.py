"""What is active: cancelled, superseded, finished and expired notices give no conflict."""

from __future__ import annotations

import pytest

from hotline_protocol.deconfliction import FeedItem, conflicts
from hotline_protocol.errors import DeconflictionError

from .builders import HOUR, T0, Feed, box, downed_pilot, operation

AREA = box(50, 19, 51, 20)


def two_sides() -> tuple[Feed, Feed, FeedItem, FeedItem]:
    alpha, bravo = Feed("alpha"), Feed("bravo")
    a = alpha.add(operation(AREA, start=T0, end=T0 + 2 * HOUR))
    b = bravo.add(operation(AREA, start=T0, end=T0 + 2 * HOUR))
    return alpha, bravo, a, b


def test_the_pair_conflicts_until_anything_ends_it() -> None:
    alpha, bravo, _, _ = two_sides()
    assert len(conflicts([*alpha.items, *bravo.items], T0)) == 1


def test_a_cancelled_operation_gives_no_conflict() -> None:
    alpha, bravo, _, b = two_sides()
    bravo.cancel(b)
    assert conflicts([*alpha.items, *bravo.items], T0) == []


def test_a_cancel_in_the_other_feed_does_not_count() -> None:
    alpha, bravo, _, b = two_sides()
    alpha.add(bravo.items[0].notice)  # alpha's own copy, then alpha "cancels" bravo's entry
    alpha.cancel(b)
    found = conflicts([*alpha.items, *bravo.items], T0)
    assert len(found) == 2  # bravo's operation against both of alpha's


def test_a_cancel_with_the_wrong_leaf_hash_does_not_count() -> None:
    alpha, bravo, _, b = two_sides()
    forged = FeedItem(b.side, b.index, bytes(32), b.notice)
    bravo.cancel(forged)
    assert len(conflicts([*alpha.items, *bravo.items], T0)) == 1


def test_a_superseded_operation_gives_no_conflict_and_its_update_counts() -> None:
    alpha, bravo, _, b = two_sides()
    moved = bravo.supersede(b, operation(box(52, 19, 53, 20)))
    assert conflicts([*alpha.items, *bravo.items], T0) == []
    again = bravo.supersede(moved, operation(box(50.5, 19, 51.5, 20)))
    (found,) = conflicts([*alpha.items, *bravo.items], T0)
    assert again.leaf_hash in {ref.leaf_hash for ref in found.between}


def test_an_operation_whose_window_is_over_gives_no_conflict() -> None:
    alpha, bravo, _, _ = two_sides()
    items = [*alpha.items, *bravo.items]
    assert len(conflicts(items, T0 + 2 * HOUR - 1)) == 1
    assert conflicts(items, T0 + 2 * HOUR) == []


def test_an_expired_notice_gives_no_conflict() -> None:
    alpha, bravo = Feed("alpha"), Feed("bravo")
    alpha.add(operation(AREA, expires=T0 + HOUR))
    bravo.add(operation(AREA))
    items = [*alpha.items, *bravo.items]
    assert len(conflicts(items, T0 + HOUR - 1)) == 1
    assert conflicts(items, T0 + HOUR) == []


def test_a_cancelled_emergency_gives_no_conflict() -> None:
    alpha, bravo = Feed("alpha"), Feed("bravo")
    pilot = alpha.add(downed_pilot(50.5, 19.5, 100))
    bravo.add(operation(AREA))
    assert len(conflicts([*alpha.items, *bravo.items], T0)) == 1
    alpha.cancel(pilot)
    assert conflicts([*alpha.items, *bravo.items], T0) == []


def test_two_entries_at_one_position_are_refused() -> None:
    alpha, bravo, a, _ = two_sides()
    clash = FeedItem(a.side, a.index, bytes(32), a.notice)
    with pytest.raises(DeconflictionError) as caught:
        conflicts([*alpha.items, *bravo.items, clash], T0)
    assert caught.value.code == "duplicate_entry"
    with pytest.raises(DeconflictionError):
        FeedItem("alpha", 0, b"short", a.notice)


def test_a_polygon_without_area_conflicts_with_nothing() -> None:
    from .builders import polygon

    alpha, bravo = Feed("alpha"), Feed("bravo")
    flat = polygon((50.0, 19.0), (50.5, 19.0), (51.0, 19.0))  # three points on one meridian
    alpha.add(operation(flat))
    alpha.add(downed_pilot(50.5, 19.5, 100))
    bravo.add(operation(AREA))
    bravo.add(operation(flat))
    found = conflicts([*alpha.items, *bravo.items], T0)
    assert {tuple(sorted(r.index or 0 for r in c.between)) for c in found} == {(0, 1)}
