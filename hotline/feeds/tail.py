"""The newest entries of the own feed, kept in memory: the peer sender pushes them from here
instead of reading back what was just written (older entries are read from the store)."""

from __future__ import annotations

import itertools
from collections import deque

TAIL_ENTRIES = 8192


class Tail:
    """Entry bytes of the last ``limit`` consecutive entries appended."""

    def __init__(self, limit: int = TAIL_ENTRIES) -> None:
        self.limit = limit
        self.start = 0  # index of the first entry held
        self._raws: deque[bytes] = deque()

    @property
    def end(self) -> int:
        return self.start + len(self._raws)

    def extend(self, start: int, raws: list[bytes]) -> None:
        """Entries ``start``, ``start + 1``, ... were appended (a gap starts the tail afresh)."""
        if start != self.end:
            self._raws.clear()
            self.start = start
        self._raws.extend(raws)
        excess = len(self._raws) - self.limit
        for _ in range(max(0, excess)):
            self._raws.popleft()
        self.start += max(0, excess)

    def get(self, start: int, end: int) -> list[bytes] | None:
        """Entries [start, end) if all are held, else None."""
        if start < self.start or end > self.end or start > end:
            return None
        base = start - self.start
        return list(itertools.islice(self._raws, base, base + end - start))
