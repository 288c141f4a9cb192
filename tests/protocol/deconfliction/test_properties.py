"""Properties of the rule over generated feeds: symmetric, independent of arrival order,
cleared by cancels and updates, and the same whether computed at once or kept in an index."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hotline_protocol.deconfliction import Conflict, ConflictIndex, FeedItem, check, conflicts
from hotline_protocol.notices import Notice, PlannedOperation

from .builders import (
    HOUR,
    T0,
    Feed,
    alt,
    block,
    box,
    circle,
    corridor,
    distress,
    downed_pilot,
    fl,
    operation,
)

BLOCKS = [
    block(alt(0, "ft", "SFC"), alt(10_000)),
    block(alt(5000), fl(150)),
    block(fl(95), fl(200)),
    block(alt(500, "ft", "AGL"), alt(3000, "ft", "AGL")),
    block(fl(250), fl(350)),
    block(alt(2000, "m"), alt(4000, "m")),
]

lat = st.floats(49.0, 51.0)
lon = st.floats(19.0, 21.0)
areas = st.one_of(
    st.builds(
        lambda s, w, h, d: box(s, w, s + h, w + d),
        lat,
        lon,
        st.floats(0.05, 1.0),
        st.floats(0.05, 1.0),
    ),
    st.builds(circle, lat, lon, st.floats(2.0, 60.0)),
    st.builds(
        lambda pts, w: corridor(pts, w),
        st.lists(st.tuples(lat, lon), min_size=2, max_size=3, unique=True),
        st.floats(1.0, 15.0),
    ),
)
operations = st.builds(
    lambda a, v, s, d: operation(*a, vertical=v, start=T0 + s * HOUR, end=T0 + (s + d) * HOUR),
    st.lists(areas, min_size=1, max_size=2),
    st.sampled_from(BLOCKS),
    st.integers(0, 4),
    st.integers(1, 4),
)
emergencies = st.one_of(
    st.builds(distress, lat, lon, st.integers(0, 20_000)),
    st.builds(
        lambda la, lo, u, a, v: downed_pilot(
            la,
            lo,
            u,
            {
                "sar_corridor": {
                    "area": a,
                    "vertical_block": v,
                    "window": {"start": T0, "end": T0 + 3 * HOUR},
                }
            },
        ),
        lat,
        lon,
        st.integers(0, 20_000),
        areas,
        st.sampled_from(BLOCKS),
    ),
)
notices = st.lists(st.one_of(operations, operations, emergencies), max_size=6)
AT = T0 + HOUR


def feeds(alpha_notices: list[Notice], bravo_notices: list[Notice]) -> tuple[Feed, Feed]:
    alpha, bravo = Feed("alpha"), Feed("bravo")
    for notice in alpha_notices:
        alpha.add(notice)
    for notice in bravo_notices:
        bravo.add(notice)
    return alpha, bravo


def as_json(found: list[Conflict]) -> list[dict[str, Any]]:
    return [c.to_json() for c in found]


def renamed(item: FeedItem, names: dict[str, str]) -> FeedItem:
    return FeedItem(names[item.side], item.index, item.leaf_hash, item.notice)


@settings(max_examples=30, deadline=None)
@given(notices, notices)
def test_swapping_the_sides_gives_the_same_conflicts(a: list[Notice], b: list[Notice]) -> None:
    alpha, bravo = feeds(a, b)
    items = [*alpha.items, *bravo.items]
    swap = {"alpha": "bravo", "bravo": "alpha"}
    before = as_json(conflicts(items, AT))
    after = as_json(conflicts([renamed(item, swap) for item in items], AT))
    for body in after:
        for ref in body["between"]:
            ref["side"] = swap[ref["side"]]
    assert before == after


@settings(max_examples=30, deadline=None)
@given(notices, notices, st.randoms(use_true_random=False))
def test_the_order_of_arrival_does_not_matter(a: list[Notice], b: list[Notice], rnd: Any) -> None:
    alpha, bravo = feeds(a, b)
    items = [*alpha.items, *bravo.items]
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert as_json(conflicts(items, AT)) == as_json(conflicts(shuffled, AT))
    # and the index, fed entry by entry (each feed in order, the two interleaved at random)
    index = ConflictIndex()
    queues = [list(alpha.items), list(bravo.items)]
    while any(queues):
        queue = rnd.choice([q for q in queues if q])
        index.add(queue.pop(0))
    assert as_json(index.conflicts(AT)) == as_json(conflicts(items, AT))
    for item in items:
        mine = [
            c for c in conflicts(items, AT) if item.leaf_hash in {r.leaf_hash for r in c.between}
        ]
        assert as_json(index.conflicts_of(item.side, item.index, AT)) == as_json(mine)


@settings(max_examples=30, deadline=None)
@given(notices, notices, st.data())
def test_cancelling_or_superseding_a_notice_clears_its_conflicts(
    a: list[Notice], b: list[Notice], data: st.DataObject
) -> None:
    alpha, bravo = feeds(a, b)
    items = [*alpha.items, *bravo.items]
    if not items:
        return
    target = data.draw(st.sampled_from(items))
    feed = alpha if target.side == "alpha" else bravo
    before = conflicts(items, AT)
    expected = [c for c in before if target.leaf_hash not in {r.leaf_hash for r in c.between}]
    if data.draw(st.booleans()) or not isinstance(target.notice, PlannedOperation):
        feed.cancel(target)
    else:  # an update far away, in the same window
        window = target.notice.window
        feed.supersede(target, operation(box(10, 10, 11, 11), start=window.start, end=window.end))
    after = conflicts([*alpha.items, *bravo.items], AT)
    assert as_json(after) == as_json(expected)


@settings(max_examples=20, deadline=None)
@given(notices, operations)
def test_checking_a_draft_finds_what_appending_it_would(a: list[Notice], draft: Notice) -> None:
    alpha, bravo = feeds(a, [])
    drafted = check(draft, "bravo", alpha.items, AT)
    appended = bravo.add(draft)
    found = [
        c
        for c in conflicts([*alpha.items, appended], AT)
        if appended.leaf_hash in {r.leaf_hash for r in c.between}
    ]
    assert sorted(_partner(c, None) for c in drafted) == sorted(
        _partner(c, appended) for c in found
    )
    assert all(any(r.index is None for r in c.between) for c in drafted)


def _partner(conflict: Conflict, me: FeedItem | None) -> tuple[str, bytes, str]:
    """The other entry of a conflict, with the conflict's type and certainty."""
    (other,) = [
        r
        for r in conflict.between
        if (r.index is not None) and (me is None or r.leaf_hash != me.leaf_hash)
    ]
    return (conflict.type + conflict.certainty, other.leaf_hash, other.side)
