"""The newest entries of the own feed, kept in memory: the peer sender pushes them from here
instead of reading back what was just written (older entries are read from the store)."""

from __future__ import annotations

TAIL_ENTRIES = 8192


class Tail:
    """Entry bytes of the last ``limit`` consecutive entries appended.

    They sit in a list from position ``_first`` on: a range is one slice (a deque would be
    walked from its start to the range, ~8,000 steps for the newest entries), and what falls off
    the front is dropped from the list once it is as long as what is held (so the list holds
    twice ``limit`` entries at most)."""

    def __init__(self, limit: int = TAIL_ENTRIES) -> None:
        self.limit = limit
        self.start = 0  # index of the first entry held
        self._raws: list[bytes] = []
        self._first = 0  # position in _raws of entry ``start``

    @property
    def end(self) -> int:
        return self.start + len(self._raws) - self._first

    def extend(self, start: int, raws: list[bytes]) -> None:
        """Entries ``start``, ``start + 1``, ... were appended (a gap starts the tail afresh)."""
        if start != self.end:
            self._raws.clear()
            self._first = 0
            self.start = start
        self._raws.extend(raws)
        excess = len(self._raws) - self._first - self.limit
        if excess > 0:
            self._first += excess
            self.start += excess
            if self._first >= self.limit:
                del self._raws[: self._first]
                self._first = 0

    def get(self, start: int, end: int) -> list[bytes] | None:
        """Entries [start, end) if all are held, else None."""
        if start < self.start or end > self.end or start > end:
            return None
        base = self._first + start - self.start
        return self._raws[base : base + end - start]
