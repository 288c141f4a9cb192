"""Notices prepared for the rule: planned operations with their areas drawn, emergencies with
the parts that can conflict, and the entries that cancels and updates withdraw.

What is active at a time ``t``:

- a planned operation, unless withdrawn (a cancel in its own feed refers to it, or an update in
  its own feed names it in ``supersedes``), its window is over (``window.end <= t``) or it has
  expired (``expires <= t``);
- an aircraft in distress or a downed pilot, unless withdrawn or expired.

A reference withdraws the entry of the same side at its ``index`` whose leaf hash is its
``leaf_hash``; whatever the order the entries are given in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import shapely
from shapely.geometry.base import BaseGeometry

from ..notices import (
    AircraftInDistress,
    Cancel,
    DownedPilot,
    Notice,
    PlannedOperation,
    Reference,
)
from .curves import Drawing, run
from .model import ConflictRef, FeedItem
from .shapes import area_drawing, circle_drawing
from .vertical import Block, block

Key = tuple[str, int | None, bytes]
"""An entry: side, index and leaf hash."""

NEVER = 2**62
"""The end of an open time span."""


@dataclass(eq=False, slots=True)
class Operation:
    """A planned operation ready for the rule."""

    ref: ConflictRef
    start: int
    end: int
    expires: int | None
    block: Block
    areas: tuple[BaseGeometry, ...]

    def active(self, at_ms: int) -> bool:
        return self.end > at_ms and (self.expires is None or self.expires > at_ms)


@dataclass(eq=False, slots=True)
class Part:
    """One part of an emergency that can conflict with an operation.

    ``position``: the last fix (aircraft in distress) or the latest survivor fix (downed pilot),
    a point with its uncertainty radius, against operations of either side, from the fix's time
    on. ``sar_corridor`` (its area, vertical block and window) and ``hold_fire`` (its circle,
    during its window, or from the notice's time on without one): against the other side's
    operations only.
    """

    what: Literal["position", "sar_corridor", "hold_fire"]
    geometry: BaseGeometry
    uncertainty_m: float
    start: int
    end: int
    block: Block | None

    @property
    def either_side(self) -> bool:
        return self.what == "position"


@dataclass(eq=False, slots=True)
class Emergency:
    ref: ConflictRef
    expires: int | None
    parts: tuple[Part, ...]

    def active(self, at_ms: int) -> bool:
        return self.expires is None or self.expires > at_ms


Record = Operation | Emergency


def key_of(item: FeedItem) -> Key:
    return (item.side, item.index, item.leaf_hash)


def withdrawn_by(item: FeedItem) -> list[Key]:
    """The entries a cancel (its ``ref``) or an update (its ``supersedes``) withdraws, in the
    same feed. A withdrawal is never undone."""
    refs: list[Reference] = [item.notice.ref] if isinstance(item.notice, Cancel) else []
    if item.notice.supersedes is not None:
        refs.append(item.notice.supersedes)
    return [(item.side, ref.index, ref.leaf_hash_bytes) for ref in refs]


def prepare(notice: Notice, ref: ConflictRef) -> Record | None:
    """The record of a notice the rule looks at; None for the other kinds."""
    return run([preparing(notice, ref)])[0]


def preparing(notice: Notice, ref: ConflictRef) -> Drawing[Record | None]:
    """:func:`prepare` as a drawing, to be run beside others (``curves.run``)."""
    if isinstance(notice, PlannedOperation):
        pieces: list[BaseGeometry] = []
        for area in notice.areas:
            pieces += yield from area_drawing(area)
        return operation(notice, ref, pieces)
    if isinstance(notice, AircraftInDistress):
        fix = notice.last_position
        point = shapely.Point(fix.lon, fix.lat)
        part = Part("position", point, fix.uncertainty_m, fix.time, NEVER, None)
        return Emergency(ref, notice.expires, (part,))
    if isinstance(notice, DownedPilot):
        return Emergency(ref, notice.expires, (yield from _pilot_parts(notice)))
    return None


def operation(notice: PlannedOperation, ref: ConflictRef, pieces: list[BaseGeometry]) -> Operation:
    """The record of a planned operation whose areas are drawn already."""
    window = notice.window
    vertical = block(notice.vertical_block)
    drawn = tuple(piece for piece in pieces if not piece.is_empty)  # a polygon without area
    return Operation(ref, window.start, window.end, notice.expires, vertical, drawn)


def _pilot_parts(notice: DownedPilot) -> Drawing[tuple[Part, ...]]:
    order = sorted(
        enumerate(notice.positions), key=lambda p: (p[1].time, -p[1].uncertainty_m, p[0])
    )
    fix = order[-1][1]
    point = shapely.Point(fix.lon, fix.lat)
    parts = [Part("position", point, fix.uncertainty_m, fix.time, NEVER, None)]
    measures = notice.requested_measures
    if measures is not None and measures.sar_corridor is not None:
        sar = measures.sar_corridor
        window, vertical = sar.window, block(sar.vertical_block)
        for piece in (yield from area_drawing(sar.area)):
            if not piece.is_empty:
                parts.append(Part("sar_corridor", piece, 0.0, window.start, window.end, vertical))
    if measures is not None and measures.hold_fire is not None:
        hold = measures.hold_fire
        centre, radius = hold.centre, hold.radius.metres
        disc = yield from circle_drawing(centre.lon, centre.lat, radius)
        start, end = (hold.window.start, hold.window.end) if hold.window else (notice.time, NEVER)
        parts.append(Part("hold_fire", disc, 0.0, start, end, None))
    return tuple(parts)
