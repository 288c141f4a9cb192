"""The operations' areas in an STRtree, with what the cheap filters need in arrays beside it.

Each area of each operation is a slot. Slots of the last build live in the tree and in arrays
(side, window, expiry, vertical envelope); slots added since wait in ``recent``; removed slots
are marked dead. Before any exact test, candidates are cut down by bounding box, side, time and
the vertical envelope (the lowest the lower limit and the highest the upper limit can be).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from .records import NEVER, Operation

OpKey = tuple[str, int]
Box = tuple[float, float, float, float]
Ints = NDArray[np.int64]


@dataclass(slots=True)
class _Entry:
    op: Operation
    low: float
    high: float


class Tables:
    def __init__(self) -> None:
        self._entries: dict[OpKey, _Entry] = {}
        self._sides: dict[str, int] = {}
        self._recent: list[tuple[OpKey, BaseGeometry]] = []
        self._recent_boxes: list[tuple[OpKey, Box]] | None = None
        self._tree = shapely.STRtree([])
        self._owner: list[OpKey] = []
        self._slots: dict[OpKey, list[int]] = {}
        self._alive = np.zeros(0, dtype=bool)
        self._columns: dict[str, NDArray[Any]] = {}
        self._changes = 0

    def put(self, key: OpKey, op: Operation, low: float, high: float) -> None:
        self._entries[key] = _Entry(op, low, high)
        self._sides.setdefault(op.ref.side, len(self._sides))
        self._recent += [(key, area) for area in op.areas]
        self._recent_boxes = None
        self._changes += 1

    def drop(self, key: OpKey) -> None:
        if self._entries.pop(key, None) is None:
            return
        for slot in self._slots.pop(key, []):
            self._alive[slot] = False
        self._recent = [r for r in self._recent if r[0] != key]
        self._recent_boxes = None
        self._changes += 1

    def settle(self, allowed: int) -> None:
        """Build the tree anew once more than ``allowed`` changes have gathered."""
        if self._changes > allowed or (allowed == 0 and self._recent):
            self._build()

    def near(self, op: Operation, low: float, high: float, at_ms: int) -> Iterator[OpKey]:
        """Keys of the other sides' operations that may conflict with ``op``: active, with
        overlapping windows and vertical envelopes, and an area whose box meets one of op's."""
        side = self._sides.get(op.ref.side, -1)
        seen: set[OpKey] = set()
        cols = self._columns
        for area in op.areas:
            slots = self._tree.query(area)
            if len(slots):
                ok = (
                    self._alive[slots]
                    & (cols["side"][slots] != side)
                    & (cols["start"][slots] < op.end)
                    & (cols["end"][slots] > max(op.start, at_ms))
                    & (cols["expires"][slots] > at_ms)
                    & (cols["low"][slots] < high)
                    & (cols["high"][slots] > low)
                )
                seen.update(self._owner[s] for s in slots[ok])
        if self._recent:
            boxes = [area.bounds for area in op.areas]
            for key, (w, s, e, n) in self._boxes():
                entry = self._entries[key]
                other = entry.op
                if (
                    key not in seen
                    and other.ref.side != op.ref.side
                    and other.start < op.end
                    and other.end > max(op.start, at_ms)
                    and other.active(at_ms)
                    and entry.low < high
                    and entry.high > low
                    and any(w <= b[2] and e >= b[0] and s <= b[3] and n >= b[1] for b in boxes)
                ):
                    seen.add(key)
        return iter(sorted(seen))

    def in_box(
        self, box: Box, span: tuple[int, int], at_ms: int, skip_side: str | None
    ) -> set[OpKey]:
        """Keys of the operations active at ``at_ms`` whose window meets ``span`` [start, end),
        not of ``skip_side``, with an area whose bounding box meets ``box``."""
        start, end = max(span[0], at_ms), span[1]
        slots = self._tree.query(shapely.box(*box))
        keys: set[OpKey] = set()
        if len(slots):
            cols = self._columns
            ok = (
                self._alive[slots]
                & (cols["side"][slots] != self._sides.get(skip_side or "", -1))
                & (cols["start"][slots] < end)
                & (cols["end"][slots] > start)
                & (cols["expires"][slots] > at_ms)
            )
            keys = {self._owner[s] for s in slots[ok]}
        west, south, east, north = box
        for key, (w, s, e, n) in self._boxes():
            op = self._entries[key].op
            if (
                w <= east and e >= west and s <= north and n >= south
                and op.ref.side != skip_side and op.start < end and op.end > start
                and op.active(at_ms)
            ):  # fmt: skip
                keys.add(key)
        return keys

    def op(self, key: OpKey) -> Operation:
        return self._entries[key].op

    def all_pairs(self, at_ms: int) -> list[tuple[OpKey, OpKey, list[tuple[int, int]]]]:
        """Every pair of operations of two sides that may conflict, each pair once, with the
        pairs of their areas' slots that intersect (the tree must be settled: nothing recent).
        Cut down by box, side, time and vertical envelope, then tested in one vectorised call."""
        cols = self._columns
        if not len(self._owner):
            return []
        geoms = self._tree.geometries
        live = (cols["end"] > at_ms) & (cols["expires"] > at_ms) & self._alive
        by_side = [np.flatnonzero(live & (cols["side"] == s)) for s in range(len(self._sides))]
        lefts, rights = [], []
        for s, mine in enumerate(by_side):  # each side's areas against a tree of each later side's
            for theirs in by_side[s + 1 :]:
                if len(mine) and len(theirs):
                    i, j = shapely.STRtree(geoms[theirs]).query(geoms[mine])
                    lefts.append(mine[i])
                    rights.append(theirs[j])
        if not lefts:
            return []
        left, right = np.concatenate(lefts), np.concatenate(rights)
        wl, wr = cols["window"][left], cols["window"][right]  # (start, end) rows: one gather each
        ok = np.maximum(wl[:, 0], wr[:, 0]) < np.minimum(wl[:, 1], wr[:, 1])
        left, right = left[ok], right[ok]
        ok = (cols["low"][left] < cols["high"][right]) & (cols["low"][right] < cols["high"][left])
        left, right = left[ok], right[ok]
        meets = shapely.intersects(geoms[left], geoms[right])
        left, right = left[meets], right[meets]
        owner = cols["owner"]
        order = np.lexsort((right, left, owner[right], owner[left]))
        left, right = left[order], right[order]
        keys = list(self._entries)
        pairs: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for a, b, sa, sb in zip(
            owner[left].tolist(), owner[right].tolist(), left.tolist(), right.tolist(), strict=True
        ):
            pairs.setdefault((a, b), []).append((sa, sb))
        return [(keys[a], keys[b], slots) for (a, b), slots in pairs.items()]

    def geometry(self, slot: int) -> BaseGeometry:
        return self._tree.geometries[slot]  # type: ignore[no-any-return]

    def _boxes(self) -> list[tuple[OpKey, Box]]:
        """The recent areas' bounding boxes, found in one call when first needed."""
        if self._recent_boxes is None:
            boxes = shapely.bounds(np.array([area for _, area in self._recent], dtype=object))
            self._recent_boxes = [
                (key, (w, s, e, n))
                for (key, _), (w, s, e, n) in zip(self._recent, boxes.tolist(), strict=True)
            ]
        return self._recent_boxes

    def _build(self) -> None:
        owner: list[OpKey] = []
        geoms: list[BaseGeometry] = []
        rows: list[tuple[int, int, int, int, float, float, int]] = []
        self._slots = {}
        for number, (key, entry) in enumerate(self._entries.items()):
            op = entry.op
            row = (
                self._sides[op.ref.side],
                op.start,
                op.end,
                NEVER if op.expires is None else op.expires,
                entry.low,
                entry.high,
                number,
            )
            self._slots[key] = list(range(len(geoms), len(geoms) + len(op.areas)))
            for area in op.areas:
                owner.append(key)
                geoms.append(area)
                rows.append(row)
        self._tree = shapely.STRtree(geoms)
        self._owner = owner
        self._alive = np.ones(len(owner), dtype=bool)
        table = np.array(rows, dtype=object).reshape(len(rows), 7)
        self._columns = {
            "side": table[:, 0].astype(np.int64),
            "start": table[:, 1].astype(np.int64),
            "end": table[:, 2].astype(np.int64),
            "expires": table[:, 3].astype(np.int64),
            "low": table[:, 4].astype(np.float64),
            "high": table[:, 5].astype(np.float64),
            "owner": table[:, 6].astype(np.int64),
        }
        self._columns["window"] = np.column_stack((self._columns["start"], self._columns["end"]))
        self._recent = []
        self._recent_boxes = None
        self._changes = 0
