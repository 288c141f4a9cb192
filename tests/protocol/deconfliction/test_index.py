"""The index a node keeps: added to entry by entry, rebuilt, pruned; the same answers as the
rule computed at once."""

from __future__ import annotations

import random
from typing import Any

import pytest

from hotline_protocol.deconfliction import (
    Config,
    Conflict,
    ConflictIndex,
    check,
    conflicts,
)
from hotline_protocol.deconfliction.index import REBUILD_AFTER
from hotline_protocol.errors import DeconflictionError
from hotline_protocol.notices import Notice

from .builders import HOUR, T0, Feed, alt, block, box, circle, downed_pilot, fl, operation


def as_json(found: list[Conflict]) -> list[dict[str, Any]]:
    return [c.to_json() for c in found]


def scattered(rnd: random.Random, n: int) -> list[Notice]:
    out = []
    for _ in range(n):
        lat, lon = rnd.uniform(49, 51), rnd.uniform(19, 21)
        low = rnd.randrange(0, 300, 10)
        out.append(
            operation(
                circle(lat, lon, rnd.uniform(5, 30)),
                vertical=block(fl(low), fl(low + 50))
                if low
                else block(alt(0, "ft", "SFC"), fl(50)),
                start=T0 + rnd.randrange(0, 24) * HOUR,
                end=T0 + rnd.randrange(25, 30) * HOUR,
            )
        )
    return out


def test_many_additions_through_rebuilds_give_the_rule_computed_at_once() -> None:
    rnd = random.Random(3)
    alpha, bravo = Feed("alpha"), Feed("bravo")
    index = ConflictIndex()
    for notice in scattered(rnd, REBUILD_AFTER + 50):
        feed = alpha if rnd.random() < 0.5 else bravo
        index.add(feed.add(notice))
    pilot = alpha.add(downed_pilot(50.0, 20.0, 2000))
    index.add(pilot)
    items = [*alpha.items, *bravo.items]
    expected = conflicts(items, T0)
    assert len(expected) > 50
    assert as_json(index.conflicts(T0)) == as_json(expected)
    mine = [c for c in expected if pilot.leaf_hash in {r.leaf_hash for r in c.between}]
    assert mine and as_json(index.conflicts_of("alpha", pilot.index, T0)) == as_json(mine)
    # a cancel added later clears the cancelled operation's conflicts
    target = next(c.between[0] for c in expected if c.type == "operations")
    feed = alpha if target.side == "alpha" else bravo
    item = next(i for i in feed.items if i.leaf_hash == target.leaf_hash)
    index.add(feed.cancel(item))
    assert as_json(index.conflicts(T0)) == as_json(conflicts([*alpha.items, *bravo.items], T0))
    assert index.conflicts_of(item.side, item.index, T0) == []


def test_checking_a_draft_does_not_add_it() -> None:
    alpha = Feed("alpha")
    alpha.add(operation(box(50, 19, 51, 20)))
    index = ConflictIndex()
    index.extend(alpha.items)
    draft = operation(box(50.5, 19.5, 51.5, 20.5))
    (found,) = index.check(draft, "bravo", T0)
    assert found.to_json()["between"][0]["index"] is None or found.between[1].index is None
    assert index.check(draft, "alpha", T0) == []  # its own side
    assert index.conflicts(T0) == []
    assert as_json(check(draft, "bravo", alpha.items, T0)) == as_json([found])
    assert index.check(alpha.items[0].notice.model_copy(), "bravo", T0 + 4 * HOUR) == []


def test_removing_and_pruning() -> None:
    alpha, bravo = Feed("alpha"), Feed("bravo")
    a = alpha.add(operation(box(50, 19, 51, 20), end=T0 + HOUR))
    bravo.add(operation(box(50, 19, 51, 20), end=T0 + 2 * HOUR))
    index = ConflictIndex()
    index.extend([*alpha.items, *bravo.items])
    assert len(index) == 2 and len(index.conflicts(T0)) == 1
    assert index.prune(T0 + HOUR) == 1  # alpha's window is over
    assert len(index) == 1 and index.conflicts(T0) == []
    index.remove("bravo", 0)
    index.remove("bravo", 0)  # nothing left to remove
    assert len(index) == 0
    index.add(a)
    index.add(a)  # the same entry again changes nothing
    assert len(index) == 1


def test_an_index_refuses_a_second_entry_at_one_position() -> None:
    alpha = Feed("alpha")
    a = alpha.add(operation(box(50, 19, 51, 20)))
    index = ConflictIndex()
    index.add(a)
    other = Feed("alpha")
    other.add(operation(box(52, 19, 53, 20)))
    with pytest.raises(DeconflictionError):
        index.add(other.items[0])
    with pytest.raises(DeconflictionError):
        ConflictIndex().extend([a, other.items[0]])


def test_settings_out_of_range_are_refused() -> None:
    for bad in (
        {"pressure_margin_m": -1.0},
        {"emergency_margin_m": float("nan")},
        {"terrain_min_m": 100.0, "terrain_max_m": 0.0},
    ):
        with pytest.raises(DeconflictionError) as caught:
            Config(**bad)
        assert caught.value.code == "bad_config"
