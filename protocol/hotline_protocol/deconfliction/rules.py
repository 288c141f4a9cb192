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

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from .distance import distance
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
from .records import Emergency, Operation
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
    out: list[BaseGeometry | None] = []
    for piece, size in zip(shared.tolist(), planar.tolist(), strict=True):
        if size <= 0.0:
            out.append(None)
            continue
        piece = polygonal(piece)
        big = size >= 1e-6 and abs(piece.bounds[1]) < 89.99 and abs(piece.bounds[3]) < 89.99
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
            lower=lower.model_dump(mode="json"),
            upper=upper.model_dump(mode="json"),
            start=max(a.start, b.start),
            end=min(a.end, b.end),
        ),
    )


def emergency_conflict(
    e: Emergency, op: Operation, config: Config, unknowns: Unknowns, at_ms: int
) -> Conflict | None:
    margin = config.emergency_margin_m
    found: list[tuple[float, bool, Certainty]] = []
    for part in e.parts:
        if not part.either_side and e.ref.side == op.ref.side:
            continue
        if max(op.start, part.start, at_ms) >= min(op.end, part.end):
            continue
        certainty: Certainty | None = "certain"
        if part.block is not None:
            certainty = overlap(part.block, op.block, unknowns)
            if certainty is None:
                continue
        metres, inside = distance(part, op)
        if metres - part.uncertainty_m > margin:
            continue
        if part.what == "position" and metres + part.uncertainty_m > margin:
            certainty = "possible"
        found.append((max(0.0, metres - part.uncertainty_m), inside, certainty or "possible"))
    if not found:
        return None
    first, second = ordered(e.ref, op.ref)
    return Conflict(
        id=conflict_id(first.leaf_hash, second.leaf_hash, "emergency"),
        type="emergency",
        certainty="certain" if any(c == "certain" for *_, c in found) else "possible",
        between=(first, second),
        overlap=EmergencyOverlap(
            distance_m=round(min(d for d, *_ in found), 1),
            inside=any(inside for _, inside, _ in found),
        ),
    )
