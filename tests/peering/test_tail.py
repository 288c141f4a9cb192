"""The in-memory tail of the own feed that the peer sender pushes from."""

from __future__ import annotations

from hotline.feeds.tail import Tail


def raws(start: int, end: int) -> list[bytes]:
    return [f"entry {i}".encode() for i in range(start, end)]


def test_the_tail_gives_a_range_it_holds_and_nothing_else() -> None:
    tail = Tail(limit=10)
    tail.extend(0, raws(0, 4))
    tail.extend(4, raws(4, 15))  # 15 appended, the last 10 kept
    assert (tail.start, tail.end) == (5, 15)
    assert tail.get(5, 15) == raws(5, 15)
    assert tail.get(7, 9) == raws(7, 9)
    assert tail.get(9, 9) == []
    assert tail.get(4, 9) is None  # dropped already
    assert tail.get(10, 16) is None  # not appended yet
    assert tail.get(9, 8) is None


def test_a_gap_starts_the_tail_afresh() -> None:
    tail = Tail(limit=10)
    tail.extend(0, raws(0, 3))
    tail.extend(7, raws(7, 9))  # entries 3..6 never passed through here (taken in after a restart)
    assert (tail.start, tail.end) == (7, 9)
    assert tail.get(0, 3) is None
    assert tail.get(7, 9) == raws(7, 9)


def test_the_tail_keeps_the_last_entries_through_many_appends() -> None:
    tail = Tail(limit=10)
    for start in range(0, 200, 7):  # batches of 7: the front is dropped again and again
        tail.extend(start, raws(start, start + 7))
        end = start + 7
        assert (tail.start, tail.end) == (max(0, end - 10), end)
        assert tail.get(tail.start, end) == raws(tail.start, end)
        assert tail.get(end - 3, end - 1) == raws(end - 3, end - 1)
    tail.extend(203, raws(203, 230))  # one batch bigger than the limit
    assert (tail.start, tail.end) == (220, 230)
    assert tail.get(220, 230) == raws(220, 230)
