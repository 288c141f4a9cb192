"""The bitmap the deadline watcher counts overdue notices in: a bit an index, its front given
back as the oldest are answered."""

from __future__ import annotations

import pytest

from hotline.acks.overdue import TRIM, IndexBits, Overdue


def test_indexes_are_held_once_and_let_go_once() -> None:
    bits = IndexBits()
    assert bits.add(10) and not bits.add(10)
    assert bits.add(3)  # before the first held: the bitmap grows at its front
    assert bits.add(1_000)
    assert 10 in bits and 3 in bits and 1_000 in bits
    assert 4 not in bits and 999 not in bits and 0 not in bits and 5_000 not in bits
    assert bits.count == 3
    assert bits.discard(10) and not bits.discard(10) and not bits.discard(11)
    assert bits.count == 2 and 10 not in bits and 3 in bits


def test_a_negative_index_is_refused_and_changes_nothing() -> None:
    bits = IndexBits()
    bits.add(5)
    with pytest.raises(ValueError, match="negative"):
        bits.add(-1)
    assert bits.count == 1 and 5 in bits


def test_a_feed_never_answered_costs_a_bit_an_entry_and_its_answers_give_it_back() -> None:
    """Every other entry of 200,000 overdue (the notices; the others are the side's own acks):
    25 KB. Answered from the oldest on, the front of the bitmap is given back."""
    bits = IndexBits()
    for i in range(0, 200_000, 2):
        bits.add(i)
    assert bits.count == 100_000
    assert bits.nbytes <= 200_000 // 8
    for i in range(0, 199_998, 2):
        assert bits.discard(i)
    assert bits.count == 1 and 199_998 in bits
    assert bits.nbytes <= 2 * TRIM


def test_the_overdue_of_each_side_are_counted_apart() -> None:
    overdue = Overdue(["alpha", "bravo"])
    assert overdue.counts() == {"alpha": 0, "bravo": 0}
    assert overdue.add("alpha", 4) and overdue.add("bravo", 4) and not overdue.add("alpha", 4)
    assert overdue.counts() == {"alpha": 1, "bravo": 1}
    assert overdue.discard("bravo", 4) and not overdue.discard("bravo", 4)
    assert not overdue.discard("charlie", 4)
    assert overdue.counts() == {"alpha": 1, "bravo": 0}
