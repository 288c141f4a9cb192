"""Reading a side's feed as a transparency log: checkpoints, entries, proofs and tiles.

Every read is bounded by the side's **published size**: the size of its latest stored checkpoint
that the stored feed covers. For the own feed that is what the sequencer last signed and made
durable (a batch in flight is not yet published); for the peer's replica it is the peer's latest
checkpoint held here. A side without a checkpoint has size 0. Roots, proofs and hash tiles are
read from the subtree hashes the store keeps (:class:`~hotline.feeds.stored_tree.StoredTree`):
O(log n) of them for a proof, whatever the feed's size.

The tiles follow C2SP tlog-tiles: ``tile/<L>/<N>[.p/<W>]`` holds the hashes of complete
subtrees of ``256**L`` leaves, ``tile/entries/<N>[.p/<W>]`` the entries themselves, each
prefixed by its length as a big-endian uint16. ``<N>`` is written in zero-padded groups of three
digits, all but the last prefixed by ``x`` (1234067 is ``x001/x234/067``). A tile with ``W``
hashes is served whenever those hashes exist, so clients holding an older checkpoint still find
the partial tiles of its size; the content of a tile path never changes.
"""

from __future__ import annotations

import base64
import re
import struct
from dataclasses import dataclass
from typing import Any

from ..errors import BadRequest, Broken, NotFound, OutOfRange
from ..store.base import CheckpointRecord, Store
from ..types import Sides
from .stored_tree import StoredTree

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # hashes (or entries) in a full tile
MAX_TILE_LEVEL = 63
MAX_BUNDLE_ENTRY = 0xFFFF  # the uint16 length prefix of an entry bundle
_TILE_PATH = re.compile(
    r"tile/(?P<level>entries|0|[1-9][0-9]?)/(?P<index>(?:x[0-9]{3}/)*[0-9]{3})"
    r"(?:\.p/(?P<width>[1-9][0-9]{0,2}))?"
)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# tile paths --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TileRef:
    """A tile (``level`` 0..63) or an entry bundle (``level`` None) with its width."""

    level: int | None
    index: int
    width: int = TILE_WIDTH

    @property
    def full(self) -> bool:
        return self.width == TILE_WIDTH

    @property
    def path(self) -> str:
        return tile_path(self.level, self.index, self.width)


def encode_tile_index(n: int) -> str:
    """``1234067`` → ``x001/x234/067``: three-digit groups, all but the last prefixed by x."""
    if n < 0:
        raise ValueError(f"tile index must not be negative, got {n}")
    groups = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        groups.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(groups))


def tile_path(level: int | None, index: int, width: int = TILE_WIDTH) -> str:
    """The tlog-tiles path of a tile (``level`` None: the entry bundle), ``tile/...``."""
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"tile width must be 1..{TILE_WIDTH}, got {width}")
    name = "entries" if level is None else str(level)
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{name}/{encode_tile_index(index)}{suffix}"


def parse_tile_path(path: str) -> TileRef:
    """Parse a tlog-tiles path strictly: only the canonical spelling of a tile is accepted."""
    m = _TILE_PATH.fullmatch(path)
    if m is not None:
        level = None if m["level"] == "entries" else int(m["level"])
        index = int("".join(g.lstrip("x") for g in m["index"].split("/")))
        width = int(m["width"]) if m["width"] else TILE_WIDTH
        if (level is None or level <= MAX_TILE_LEVEL) and width <= TILE_WIDTH:
            ref = TileRef(level, index, width)
            if ref.path == path:  # refuses x000 prefixes and .p/256
                return ref
    raise BadRequest(
        "bad_tile_path",
        f"{path!r} is not a tile path: tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>], "
        "L 0..63, N in 3-digit groups like x001/x234/067, W 1..255",
    )


# the published view of a side ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LogView:
    side: str
    origin: str
    tree: StoredTree
    checkpoint: CheckpointRecord | None

    @property
    def size(self) -> int:
        return self.checkpoint.size if self.checkpoint is not None else 0


class LogReader:
    """Read-only access to both feeds as logs; the service behind ``/v1/logs``."""

    def __init__(self, sides: Sides, store: Store, page_max: int) -> None:
        self._sides = sides
        self._store = store
        self._page_max = page_max

    async def view(self, side: str) -> LogView:
        info = self._sides.info(side)
        if info is None:
            raise NotFound("unknown_side", f"no side {side!r}")
        store, tree = self._store, StoredTree(self._store, info.origin)
        record = await store.latest_checkpoint(info.origin)
        if record is not None and record.size > (held := await store.size(info.origin)):
            record = await store.checkpoint_at_most(info.origin, held)  # the feed lags
        if record is not None and await tree.root(record.size) != record.root:
            raise Broken(
                "checkpoint_mismatch",
                f"the stored checkpoint of size {record.size} does not match the feed",
            )
        return LogView(side, info.origin, tree, record)

    async def checkpoint(self, side: str) -> bytes:
        """The latest checkpoint note with every signature and cosignature it has."""
        view = await self.view(side)
        if view.checkpoint is None:
            raise NotFound("no_checkpoint", f"no checkpoint of {side} is held yet")
        return view.checkpoint.note

    async def checkpoints(self, side: str, since: int) -> dict[str, Any]:
        """Stored checkpoints of size >= ``since``, ascending, at most ``page_max``."""
        view = await self.view(side)
        if since < 0:
            raise BadRequest("bad_range", f"since must be >= 0, got {since}")
        page_max = self._page_max
        records = await self._store.checkpoints_from(view.origin, since, view.size, page_max + 1)
        page = records[:page_max]
        return {
            "side": side,
            "origin": view.origin,
            "size": view.size,
            "checkpoints": [
                {
                    "size": c.size,
                    "root": _b64(c.root),
                    "note": c.note.decode(),
                    "stored_ms": c.stored_ms,
                }
                for c in page
            ],
            "next": page[-1].size + 1 if len(records) > page_max else None,
        }

    async def entries(self, side: str, start: int, end: int | None) -> dict[str, Any]:
        """Entries ``[start, end)``; the page stops after ``page_max`` entries."""
        view = await self.view(side)
        if start < 0 or (end is not None and end <= start):
            raise BadRequest("bad_range", f"want 0 <= start < end, got start {start}, end {end}")
        if start >= view.size or (end is not None and end > view.size):
            asked = f"entries [{start}, {end})" if end is not None else f"entry {start}"
            raise OutOfRange("beyond_size", f"{asked} beyond the published log of size {view.size}")
        stop = min(view.size if end is None else end, start + self._page_max)
        raws = await self._store.entries(view.origin, start, stop)
        return {
            "side": side,
            "origin": view.origin,
            "size": view.size,
            "start": start,
            "entries": [_b64(raw) for raw in raws],
        }

    async def inclusion(self, side: str, index: int, size: int | None) -> dict[str, Any]:
        view = await self.view(side)
        size = self._size(view, size)
        if not 0 <= index < size:
            raise BadRequest("bad_range", f"want 0 <= index < size {size}, got index {index}")
        return {
            "side": side,
            "origin": view.origin,
            "index": index,
            "size": size,
            "leaf_hash": _b64(await view.tree.leaf(index)),
            "root": _b64(await view.tree.root(size)),
            "proof": [_b64(h) for h in await view.tree.inclusion_proof(index, size)],
        }

    async def consistency(self, side: str, old: int, size: int | None) -> dict[str, Any]:
        view = await self.view(side)
        size = self._size(view, size)
        if not 1 <= old <= size:
            raise BadRequest("bad_range", f"want 1 <= old <= size {size}, got old {old}")
        return {
            "side": side,
            "origin": view.origin,
            "old": old,
            "size": size,
            "old_root": _b64(await view.tree.root(old)),
            "root": _b64(await view.tree.root(size)),
            "proof": [_b64(h) for h in await view.tree.consistency_proof(old, size)],
        }

    @staticmethod
    def _size(view: LogView, size: int | None) -> int:
        if size is None:
            size = view.size
        if size > view.size:
            raise BadRequest("beyond_size", f"size {size} is beyond the published size {view.size}")
        if size < 1:
            raise BadRequest("bad_range", f"a proof needs a tree of size >= 1, got {size}")
        return size

    async def tile(self, side: str, path: str) -> tuple[TileRef, bytes]:
        """A hash tile or an entry bundle; NotFound (``no_such_tile``) beyond the
        published size."""
        ref = parse_tile_path(path)
        view = await self.view(side)
        level = 0 if ref.level is None else ref.level
        available = view.size >> (TILE_HEIGHT * level)  # complete subtrees of 256**level leaves
        first = ref.index * TILE_WIDTH
        if first + ref.width > available:
            raise NotFound(
                "no_such_tile", f"{path} is beyond the published log of size {view.size}"
            )
        if ref.level is not None:
            height = TILE_HEIGHT * ref.level
            data = b"".join(await view.tree.subtree_hashes(height, first, ref.width))
            return ref, data
        raws = await self._store.entries(view.origin, first, first + ref.width)
        if len(raws) != ref.width:
            raise Broken("store_incomplete", f"the store is missing entries of {path}")
        return ref, bundle(raws)


def bundle(entries: list[bytes]) -> bytes:
    """An entry bundle: each entry prefixed by its length as a big-endian uint16."""
    out = bytearray()
    for raw in entries:
        if len(raw) > MAX_BUNDLE_ENTRY:
            raise Broken(
                "entry_too_large_for_bundle",
                f"an entry of {len(raw)} bytes does not fit an entry bundle (max 65535)",
            )
        out += struct.pack(">H", len(raw)) + raw
    return bytes(out)
