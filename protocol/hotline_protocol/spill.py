"""Lists of small records (tuples of plain values) kept on disk beyond a bounded buffer, so that
what an export holds per entry or per checkpoint costs no memory as it grows.

:class:`Spill` appends and reads back in order (the references the notices make, the signature
lines of checkpoint notes); :class:`SpilledList` reads back by position too (an export's
checkpoints and heartbeats); :class:`SortedSpill` sorts records on disk (what refers to what, in
the order the report tells it). The temporary files vanish when the lists are collected.
"""

from __future__ import annotations

import bisect
import heapq
import marshal
import os
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, Generic, TypeVar

T = TypeVar("T")


def close_files(*files: IO[bytes]) -> None:
    """What ``weakref.finalize`` calls when a list or a spool holding these files is collected."""
    for file in files:
        file.close()


class Spill:
    """An append-only list of small records (tuples of plain values) that keeps at most
    ``buffer`` of them in memory and the rest in a temporary file, read back in order."""

    def __init__(self, buffer: int = 256) -> None:
        self._buffer = buffer
        self._pending: list[Any] = []
        self._file: IO[bytes] | None = None
        self._chunks: list[tuple[int, int]] = []  # (start, length) of each chunk on disk
        self._end = 0
        self._len = 0

    def append(self, record: Any) -> None:
        self._pending.append(record)
        self._len += 1
        if len(self._pending) >= self._buffer:
            self.seal()

    def seal(self) -> None:
        """Write what is buffered to the file (appending may go on)."""
        if not self._pending:
            return
        if self._file is None:
            self._file = tempfile.TemporaryFile()
            weakref.finalize(self, close_files, self._file)
        data = marshal.dumps(self._pending)
        self._file.write(data)
        self._chunks.append((self._end, len(data)))
        self._end += len(data)
        self._pending = []

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[Any]:
        if self._file is not None:
            self._file.flush()
            for start, length in list(self._chunks):
                yield from marshal.loads(os.pread(self._file.fileno(), length, start))
        yield from list(self._pending)


class SpilledList(Spill, Generic[T]):
    """A :class:`Spill` read back by position too, each record made into a value by ``make``
    (the chunk read last is kept: reads in order cost one read a chunk)."""

    def __init__(self, make: Callable[[Any], T], buffer: int = 256) -> None:
        super().__init__(buffer)
        self._make = make
        self._firsts: list[int] = []  # the position of each chunk's first record
        self._read: tuple[int, list[Any]] = (-1, [])  # the chunk read last

    def seal(self) -> None:
        if self._pending:
            self._firsts.append(self._len - len(self._pending))
        super().seal()

    def __getitem__(self, index: int) -> T:
        k = index + self._len if index < 0 else index
        if not 0 <= k < self._len:
            raise IndexError(f"record {index} of {self._len}")
        buffered = self._len - len(self._pending)
        if k >= buffered:
            return self._make(self._pending[k - buffered])
        chunk = bisect.bisect_right(self._firsts, k) - 1
        if self._read[0] != chunk:
            assert self._file is not None
            self._file.flush()
            start, length = self._chunks[chunk]
            self._read = (chunk, marshal.loads(os.pread(self._file.fileno(), length, start)))
        return self._make(self._read[1][k - self._firsts[chunk]])

    def __iter__(self) -> Iterator[T]:
        make = self._make
        for record in super().__iter__():
            yield make(record)


class SortedSpill:
    """Records (tuples of plain values) sorted on disk: runs of at most :attr:`RUN` records
    are sorted in memory and spilled, :attr:`FANIN` runs are merged into one, and the runs left
    are merged as they are read back, as often as needed (holding :attr:`CHUNK` records of
    each run)."""

    RUN = 50_000  # records sorted in memory at a time
    CHUNK = 64  # records of each run read back at a time while merging
    FANIN = 32  # runs merged at once

    def __init__(self, records: Iterable[tuple[Any, ...]]) -> None:
        self._runs: list[Spill] = []
        batch: list[tuple[Any, ...]] = []
        for record in records:
            batch.append(record)
            if len(batch) >= self.RUN:
                self._spill(batch)
                batch = []
        self._spill(batch)

    def _spill(self, batch: list[tuple[Any, ...]]) -> None:
        if not batch:
            return
        batch.sort()
        spill = Spill(self.CHUNK)
        for record in batch:
            spill.append(record)
        spill.seal()
        self._runs.append(spill)
        if len(self._runs) >= self.FANIN:  # merge them into one: what a merge holds is bounded
            merged = Spill(self.CHUNK)
            for record in heapq.merge(*self._runs):
                merged.append(record)
            merged.seal()
            self._runs = [merged]

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return heapq.merge(*self._runs)
