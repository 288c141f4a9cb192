"""The two rules, applied to one pair of active records.

**Operations.** Two planned operations of different sides conflict when their windows overlap
(half-open: ``max(start) < min(end)``), their vertical blocks overlap (``vertical``) and some
area of one meets some area of the other in a region of at least ``MIN_OVERLAP_M2`` (so areas
that only touch do not conflict). The certainty is the vertical rule's.

**Emergency.** An emergency conflicts with an operation when one of its parts (``records.Part``)
does: a part that may face that operation's side, whose time span and the operation's window
and ``[t, end of time)`` overlap, whose vertical block (a SAR corridor's) overlaps the
operation's, and that comes within the margin of the operation's areas: ``distance - uncertainty
<= margin``. Over the parts that conflict, the emergency's distance is the least
``max(0, distance - uncertainty)``, ``inside`` whether any part lies in an area, and the
certainty ``certain`` if any part is certain: a position whose whole uncertainty circle lies
within the margin (``distance + uncertainty <= margin``), a SAR corridor whose vertical overlap is
certain, or a hold-fire circle.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ..notices import Altitude
from .distance import distances
from .frame import geodesic_area_m2, polygonal
from .model import (
    Certainty,
    Config,
    Conflict,
    EmergencyOverlap,
    OperationsOverlap,
    conflict_id,
    ordered,
)
from .records import Emergency, Operation, Part
from .vertical import Unknowns, band, overlap

MIN_OVERLAP_M2 = 1.0
"""Areas meeting in less than this (rounding, shared borders) only touch."""


def operations_conflict(a: Operation, b: Operation, unknowns: Unknowns) -> Conflict | None:
    if a.ref.side == b.ref.side:
        return None
    if max(a.start, b.start) >= min(a.end, b.end):
        return None
    certainty = overlap(a.block, b.block, unknowns)
    if certainty is None:
        return None
    if ordered(a.ref, b.ref)[0] is not a.ref:  # the pieces in one order
        a, b = b, a
    meeting = [(x, y) for x in a.areas for y in b.areas if shapely.intersects(x, y)]
    shared = positive_overlaps([x for x, _ in meeting], [y for _, y in meeting])
    pieces = [piece for piece in shared if piece is not None]
    return operations_found(a, b, certainty, pieces, unknowns) if pieces else None


def positive_overlaps(
    first: list[BaseGeometry], second: list[BaseGeometry]
) -> list[BaseGeometry | None]:
    """The intersection of each pair of areas, or None where it is less than
    ``MIN_OVERLAP_M2``: computed in one vectorised call; the geodesic area is only needed for
    small ones (1e-6 square degree is at least 2 m2 anywhere but within 0.005 degree of a
    pole, where the geodesic area decides anyway)."""
    if not first:
        return []
    shared = shapely.intersection(np.array(first, dtype=object), np.array(second, dtype=object))
    planar = shapely.area(shared)
    polar = np.abs(shapely.bounds(shared)[:, [1, 3]]).max(axis=1) >= 89.99
    out: list[BaseGeometry | None] = []
    for piece, size, near_pole in zip(
        shared.tolist(), planar.tolist(), polar.tolist(), strict=True
    ):
        if size <= 0.0:
            out.append(None)
            continue
        piece = polygonal(piece)
        big = size >= 1e-6 and not near_pole
        out.append(piece if big or geodesic_area_m2(piece) >= MIN_OVERLAP_M2 else None)
    return out


def operations_found(
    a: Operation,
    b: Operation,
    certainty: Certainty,
    pieces: list[BaseGeometry],
    unknowns: Unknowns,
) -> Conflict:
    """The conflict of two operations that overlap in every way, with their shared pieces."""
    first, second = ordered(a.ref, b.ref)
    if first is not a.ref:
        a, b = b, a
    lower, upper = band(a.block, b.block, unknowns)
    return Conflict(
        id=conflict_id(first.leaf_hash, second.leaf_hash, "operations"),
        type="operations",
        certainty=certainty,
        between=(first, second),
        overlap=OperationsOverlap(
            pieces=tuple(pieces),
            lower=_altitude(lower),
            upper=_altitude(upper),
            start=max(a.start, b.start),
            end=min(a.end, b.end),
        ),
    )


def _altitude(altitude: Altitude) -> dict[str, Any]:
    """An altitude in the notices' JSON shape."""
    return {
        "value": altitude.value,
        "unit": altitude.unit.value,
        "reference": altitude.reference.value,
    }


Reach = tuple[float, bool, Certainty]
"""How a part of an emergency reaches an operation: metres beyond its uncertainty (0 when it
reaches the area), whether it lies in the area, and how sure that is."""


def emergency_conflict(
    e: Emergency, op: Operation, config: Config, unknowns: Unknowns, at_ms: int
) -> Conflict | None:
    reaches = []
    for part in e.parts:
        certainty = part_applies(part, e, op, unknowns, at_ms)
        if certainty is not None and op.areas:
            metres, inside = distances(part, list(op.areas))
            reach = part_reach(part, certainty, float(metres.min()), bool(inside.any()), config)
            if reach is not None:
                reaches.append(reach)
    return emergency_found(e, op, reaches) if reaches else None


def part_applies(
    part: Part, e: Emergency, op: Operation, unknowns: Unknowns, at_ms: int
) -> Certainty | None:
    """Whether a part of an emergency faces an operation at all: its side, the time, and the
    vertical blocks (for a SAR corridor); with the certainty so far."""
    if not part.either_side and e.ref.side == op.ref.side:
        return None
    if max(op.start, part.start, at_ms) >= min(op.end, part.end):
        return None
    return "certain" if part.block is None else overlap(part.block, op.block, unknowns)


def part_reach(
    part: Part, certainty: Certainty, metres: float, inside: bool, config: Config
) -> Reach | None:
    """Whether a part ``metres`` from the operation's areas is within the margin."""
    margin = config.emergency_margin_m
    if metres - part.uncertainty_m > margin:
        return None
    if part.what == "position" and metres + part.uncertainty_m > margin:
        certainty = "possible"
    return (max(0.0, metres - part.uncertainty_m), inside, certainty)


def emergency_found(e: Emergency, op: Operation, reaches: list[Reach]) -> Conflict:
    first, second = ordered(e.ref, op.ref)
    return Conflict(
        id=conflict_id(first.leaf_hash, second.leaf_hash, "emergency"),
        type="emergency",
        certainty="certain" if any(c == "certain" for *_, c in reaches) else "possible",
        between=(first, second),
        overlap=EmergencyOverlap(
            distance_m=round(min(d for d, *_ in reaches), 1),
            inside=any(inside for _, inside, _ in reaches),
        ),
    )
