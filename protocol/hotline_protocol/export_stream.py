"""Reading an export as a stream (:mod:`hotline_protocol.jsonstream`): each side's ``entries``
go to an :class:`~hotline_protocol.spool.EntrySpool` on disk as they pass, a block at a time
through worker processes (:mod:`hotline_protocol.entryblocks`); text the event parser cannot
take as it is falls back to the strict parser when it is small enough to hold.
"""

from __future__ import annotations

import heapq
import io
import itertools
import re
from array import array
from bisect import bisect_left, bisect_right
from typing import Any

from .entryblocks import Block, BlockPool, EntryChecks
from .export_data import MAX_LISTED, Source
from .export_lists import CheckpointItems, HeartbeatItems
from .jsonstream import JSONError, Path, Readable, Sink, StreamAt, load_stream
from .spool import BLOCK, EntrySpool
from .strictjson import loads_strict

STRICT_BYTES = 16 << 20  # what the event parser refuses is parsed whole up to this size


class EntryItems:
    """The sink of a side's streamed ``entries``: canonical base64 decoded into a spool,
    anything else a problem (listed up to :data:`MAX_LISTED`). Items are read a block at a
    time by ``pool`` (:mod:`hotline_protocol.entryblocks`), which also runs the ``entries``
    check of each when the side's origin came before its entries (``checked``)."""

    def __init__(self, path: str, watch: array[int], origin: str | None, pool: BlockPool) -> None:
        self.path = path
        self.spool = EntrySpool(watch)
        self.count = 0
        self.bad = 0
        self.problems: list[str] = []
        self.origin = origin
        self.checked = EntryChecks(MAX_LISTED) if origin is not None else None
        self._watch = watch  # sorted
        self._pool = pool
        self._items: list[Any] = []
        self._before: Any = None  # the item before the pending block's first

    def add(self, item: Any) -> None:
        self._items.append(item)
        if len(self._items) == BLOCK:
            self._submit()

    def end(self) -> None:
        if self._items:
            self._submit()

    def _submit(self) -> None:
        items, start = self._items, self.count
        lo, hi = bisect_left(self._watch, start + 1), bisect_right(self._watch, start + len(items))
        watch = [size - start for size in self._watch[lo:hi]]
        self._pool.submit(self._read, start, items, self._before, watch, self.origin, MAX_LISTED)
        self._before = items[-1]
        self._items = []
        self.count += len(items)

    def _read(self, block: Block) -> None:
        for k in block.bad:
            self.bad += 1
            if len(self.problems) < MAX_LISTED:
                self.problems.append(
                    f"{self.path}[{block.start + k}]: expected canonical base64 entry bytes"
                )
        if block.bad:
            self.checked = None  # the side is malformed: its entries are not checked
        self.spool.append_block(block)
        if self.checked is not None and block.checked is not None:
            self.checked.add(block.checked)


def stream_at(pool: BlockPool) -> StreamAt:
    def at(path: Path, parent: dict[str, Any]) -> Sink | None:
        if len(path) != 3 or path[0] != "sides":
            return None
        where = f"sides[{path[1]}].{path[2]}"
        if path[2] == "entries":
            origin = parent.get("origin")
            origin = origin if isinstance(origin, str) else None
            return EntryItems(where, _sizes(parent), origin, pool)
        if path[2] == "checkpoints":
            return CheckpointItems(where)
        if path[2] == "heartbeats":
            return HeartbeatItems(where)
        return None

    return at


def _sizes(side: dict[str, Any]) -> array[int]:
    """The sizes named by the checkpoints and heartbeats listed before the entries, sorted."""
    lists = [
        listed.sizes
        for key in ("checkpoints", "heartbeats")
        if isinstance(listed := side.get(key), (CheckpointItems, HeartbeatItems))
    ]
    if not all(_ordered(sizes) for sizes in lists):  # not as a node writes them: sorted here
        lists = [array("q", sorted({size for sizes in lists for size in sizes}))]
    out = array("q")
    for size in heapq.merge(*lists):
        if not out or size != out[-1]:
            out.append(size)
    return out


def _ordered(sizes: array[int]) -> bool:
    return all(a <= b for a, b in zip(sizes, itertools.islice(sizes, 1, None), strict=False))


def parse(data: Source, pool: BlockPool) -> Any:
    """The document, its entries streamed. Text the event parser cannot take as it is (a lone
    surrogate escape, which it would replace, or a number beyond its range) is parsed by the
    strict parser when it is small enough to hold (:data:`STRICT_BYTES`), so that the shape
    checks name the problem; otherwise it is not JSON to this reader."""
    whole = data if isinstance(data, (bytes, bytearray)) else None
    small = whole if whole is not None and len(whole) <= STRICT_BYTES else None
    scanned = _Scanned(io.BytesIO(whole) if whole is not None else data)  # type: ignore[arg-type]
    try:
        doc = load_stream(scanned, stream_at(pool))
        pool.drain()
    except (ValueError, RecursionError, JSONError):
        pool.close()
        if small is None:
            raise
        return _streamed(loads_strict(small), pool)
    if scanned.surrogates:
        pool.close()
        if small is not None:
            return _streamed(loads_strict(small), pool)
        raise ValueError("a \\u escape of a UTF-16 surrogate: this reader cannot check it")
    return doc


def _streamed(doc: Any, pool: BlockPool) -> Any:
    """A document parsed whole, its sides' entry lists put through the same sinks."""
    sides = doc.get("sides") if isinstance(doc, dict) else None
    for i, side in enumerate(sides if isinstance(sides, list) else ()):
        if not isinstance(side, dict):
            continue
        for key in ("checkpoints", "heartbeats", "entries"):  # the entries watch the sizes
            if isinstance(side.get(key), list):
                items = stream_at(pool)(("sides", i, key), side)
                assert items is not None
                for item in side[key]:
                    items.add(item)
                items.end()
                side[key] = items
    pool.drain()
    return doc


class _Scanned:
    """A binary stream read through, noting any ``\\uD800``-``\\uDFFF`` escape it carries."""

    ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")

    def __init__(self, source: Readable) -> None:
        self._source = source
        self._tail = b""
        self.surrogates = False

    def read(self, size: int = -1, /) -> bytes:
        chunk = self._source.read(size)
        if not self.surrogates and chunk:  # (an escape across two chunks: tail and head)
            found = self.ESCAPE.search(self._tail + chunk[:5]) or (
                b"\\" in chunk and self.ESCAPE.search(chunk)  # (entries hold no backslash)
            )
            self.surrogates = bool(found)
            self._tail = chunk[-5:]
        return chunk
