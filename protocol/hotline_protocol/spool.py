"""Feed entries and references spooled to disk as an export streams past, so that a feed of any
length is checked in bounded memory.

:class:`EntrySpool` keeps each entry's bytes in an anonymous temporary file and, per index, a
fixed record (where the bytes start, and their RFC 9162 leaf hash) in another; both are read back
by position or in order. As the entries pass it folds their leaf hashes into a compact range
(O(log n) hashes), keeps the root at every size it was asked to watch (the export's checkpoints,
when they come before the entries) and a copy of the compact range every :data:`STRIDE`
entries, so that the root of any other prefix costs at most :data:`STRIDE` leaf hashes read
back. The temporary files vanish when the spools are closed or collected. Lists of small records
kept on disk are in :mod:`.spill`.
"""

from __future__ import annotations

import bisect
import os
import struct
import tempfile
import weakref
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, TypeVar, overload

from .spill import close_files
from .tree import CompactRange, fold, leaf_hash

if TYPE_CHECKING:
    from .entryblocks import Block

T = TypeVar("T")
STRIDE = 1024  # entries between two kept copies of the compact range (a power of two)
ROOTS_KEPT = 1024  # roots of sizes not watched, the latest asked for
BLOCK = 512  # entries read (and read back) at a time; a power of two dividing STRIDE
HASH = 32
RECORD = struct.Struct(">Q32s")  # where the entry's bytes start in its BLOCK, its leaf hash


class EntrySpool(Sequence[bytes]):
    """A feed's entries by index, on disk, with the Merkle root of any prefix."""

    def __init__(self, watch: Iterable[int] = ()) -> None:
        """``watch``: the sizes whose roots to keep as the entries pass, in ascending order."""
        self._data: IO[bytes] = tempfile.TemporaryFile()
        self._index: IO[bytes] = tempfile.TemporaryFile()
        self._size = 0
        self._end = 0  # bytes of entries written
        self._range = CompactRange()
        self._watch = array("q", watch)
        self._watched = bytearray(HASH * len(self._watch))  # their roots, once passed
        self._next_watched = 0  # the first watched size not passed yet
        self._roots: OrderedDict[int, bytes] = OrderedDict()  # other roots asked for lately
        self._marks: list[bytes] = [b""]  # the compact range at 0, STRIDE, 2 * STRIDE, ...
        self._bases = array("Q")  # where the bytes of each BLOCK of entries start
        self._unflushed = False
        self._leaf_records = (-1, b"")  # the records of the BLOCK :meth:`leaf` read last
        self._closer = weakref.finalize(self, close_files, self._data, self._index)

    @classmethod
    def of(cls, entries: Iterable[bytes]) -> EntrySpool:
        spool = cls()
        for raw in entries:
            spool.append(raw)
        return spool

    def append(self, raw: bytes, leaf: bytes | None = None) -> None:
        """Add an entry's bytes (``leaf``: their leaf hash, if known)."""
        leaf = leaf_hash(raw) if leaf is None else leaf
        if self._size % BLOCK == 0:
            self._bases.append(self._end)
        self._data.write(raw)
        self._index.write(RECORD.pack(self._end - self._bases[-1], leaf))
        self._end += len(raw)
        self._range.append(leaf)
        self._size += 1
        self._unflushed = True
        watch, k = self._watch, self._next_watched
        while k < len(watch) and watch[k] < self._size:
            k += 1
        if k < len(watch) and watch[k] == self._size:
            self._watched[k * HASH : (k + 1) * HASH] = self._range.root()
            k += 1
        self._next_watched = k
        if self._size % STRIDE == 0:
            self._marks.append(b"".join(self._range.hashes))

    @property
    def watched(self) -> array[int]:
        """The sizes whose roots are kept as the entries pass."""
        return self._watch

    def _watched_at(self, size: int) -> int | None:
        """Where a watched size's root is kept, None if ``size`` is not watched."""
        k = bisect.bisect_left(self._watch, size)
        return k if k < len(self._watch) and self._watch[k] == size else None

    def append_block(self, block: Block) -> None:
        """Add the entries of a block read by :func:`~hotline_protocol.entryblocks.read_block`:
        at once when it is a whole BLOCK at a multiple of BLOCK, else one by one."""
        if block.count != BLOCK or block.subtree is None or self._size % BLOCK:
            for k in range(block.count):
                start, leaf = RECORD.unpack_from(block.records, k * RECORD.size)
                end = (
                    RECORD.unpack_from(block.records, (k + 1) * RECORD.size)[0]
                    if k + 1 < block.count
                    else len(block.data)
                )
                self.append(block.data[start:end], leaf)
            return
        before = self._range.hashes
        for k, hashes in block.watched.items():
            at = self._watched_at(self._size + k)
            if at is not None:
                self._watched[at * HASH : (at + 1) * HASH] = fold(before + hashes)
        self._next_watched = bisect.bisect_right(self._watch, self._size + BLOCK)
        self._bases.append(self._end)
        self._data.write(block.data)
        self._index.write(block.records)
        self._end += len(block.data)
        self._range.append_subtree(block.subtree, BLOCK)
        self._size += BLOCK
        self._unflushed = True
        if self._size % STRIDE == 0:
            self._marks.append(b"".join(self._range.hashes))

    def close(self) -> None:
        self._closer()

    # reading back ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._size

    @property
    def size(self) -> int:
        return self._size

    @overload
    def __getitem__(self, index: int) -> bytes: ...
    @overload
    def __getitem__(self, index: slice) -> list[bytes]: ...
    def __getitem__(self, index: int | slice) -> bytes | list[bytes]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._size))]
        i = self._position(index)
        records = self._records(i, min(i + 2, self._size))
        start = self._start(i, RECORD.unpack_from(records)[0])
        end = (
            self._start(i + 1, RECORD.unpack_from(records, RECORD.size)[0])
            if i + 1 < self._size
            else self._end
        )
        return os.pread(self._data.fileno(), end - start, start)

    def _start(self, index: int, offset: int) -> int:
        """Where entry ``index`` starts, from the offset its record holds (within its BLOCK)."""
        return self._bases[index // BLOCK] + offset

    def __iter__(self) -> Iterator[bytes]:
        for raw, _ in self.items():
            yield raw

    def items(self, start: int = 0) -> Iterator[tuple[bytes, bytes]]:
        """Each entry's bytes and leaf hash, in order from ``start`` (a multiple of
        :data:`BLOCK`), read a block at a time."""
        if start % BLOCK:
            raise ValueError(f"entries are read from a multiple of {BLOCK}, not {start}")
        size, end = self._size, self._end
        for first in range(start, size, BLOCK):
            last = min(first + BLOCK, size)
            records = self._records(first, last)
            offsets = [RECORD.unpack_from(records, k * RECORD.size) for k in range(last - first)]
            stop = (
                self._start(last, RECORD.unpack_from(self._records(last, last + 1))[0])
                if last < size
                else end
            )
            base = self._bases[first // BLOCK]
            start0 = base + offsets[0][0]
            data = os.pread(self._data.fileno(), stop - start0, start0)
            shift = start0 - base
            for k, (start, leaf) in enumerate(offsets):
                after = offsets[k + 1][0] - shift if k + 1 < len(offsets) else stop - start0
                yield data[start - shift : after], leaf

    def leaf(self, index: int) -> bytes:
        """Entry ``index``'s leaf hash. The records of its BLOCK are read together and kept
        for the next call: a feed's references mostly point at entries near each other."""
        i = self._position(index)
        first = i - i % BLOCK
        kept_first, kept = self._leaf_records
        at = (i - first) * RECORD.size
        if kept_first != first or at >= len(kept):  # (entries are appended, never changed)
            kept = self._records(first, min(first + BLOCK, self._size))
            self._leaf_records = (first, kept)
        leaf: bytes = RECORD.unpack_from(kept, at)[1]
        return leaf

    @property
    def leaves(self) -> Leaves:
        return Leaves(self)

    def root(self, size: int | None = None) -> bytes:
        """The Merkle root of the first ``size`` entries (all by default)."""
        if size is None or size == self._size:
            return self._range.root()
        if not 0 <= size <= self._size:
            raise ValueError(f"size {size} out of range for {self._size} entries")
        at = self._watched_at(size) if size else None  # (no entry passes size 0)
        if at is not None:
            return bytes(self._watched[at * HASH : (at + 1) * HASH])
        known = self._roots.get(size)
        if known is not None:
            self._roots.move_to_end(size)
            return known
        mark = size // STRIDE
        state = self._marks[mark]
        compact = CompactRange.from_state(
            mark * STRIDE, [state[k : k + HASH] for k in range(0, len(state), HASH)]
        )
        records = self._records(mark * STRIDE, size)
        for k in range(size - mark * STRIDE):
            compact.append(RECORD.unpack_from(records, k * RECORD.size)[1])
        root = compact.root()
        self._roots[size] = root
        if len(self._roots) > ROOTS_KEPT:
            self._roots.popitem(last=False)
        return root

    def _position(self, index: int) -> int:
        i = index + self._size if index < 0 else index
        if not 0 <= i < self._size:
            raise IndexError(f"entry {index} of {self._size}")
        return i

    def _records(self, first: int, last: int) -> bytes:
        if self._unflushed:
            self._data.flush()
            self._index.flush()
            self._unflushed = False
        return os.pread(self._index.fileno(), (last - first) * RECORD.size, first * RECORD.size)


class Leaves(Sequence[bytes]):
    """The leaf hashes of an :class:`EntrySpool`, by index or in order."""

    def __init__(self, spool: EntrySpool) -> None:
        self._spool = spool

    def __len__(self) -> int:
        return len(self._spool)

    @overload
    def __getitem__(self, index: int) -> bytes: ...
    @overload
    def __getitem__(self, index: slice) -> list[bytes]: ...
    def __getitem__(self, index: int | slice) -> bytes | list[bytes]:
        if isinstance(index, slice):
            return [self._spool.leaf(i) for i in range(*index.indices(len(self)))]
        return self._spool.leaf(index)

    def __iter__(self) -> Iterator[bytes]:
        for _, leaf in self._spool.items():
            yield leaf
