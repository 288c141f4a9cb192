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
DECIMALS = 7
"""Coordinates of an overlap's GeoJSON are rounded to 1e-7 degree (about 1 cm)."""


def operations_conflict(a: Operation, b: Operation, unknowns: Unknowns) -> Conflict | None:
    if a.ref.side == b.ref.side:
        return None
    start, end = max(a.start, b.start), min(a.end, b.end)
    if start >= end:
        return None
    certainty = overlap(a.block, b.block, unknowns)
    if certainty is None:
        return None
    first, second = ordered(a.ref, b.ref)
    if first is not a.ref:
        a, b = b, a
    pieces = []
    for area_a in a.areas:
        for area_b in b.areas:
            if shapely.intersects(area_a, area_b):
                piece = polygonal(shapely.intersection(area_a, area_b))
                if geodesic_area_m2(piece) >= MIN_OVERLAP_M2:
                    pieces.append(piece)
    if not pieces:
        return None
    lower, upper = band(a.block, b.block, unknowns)
    shared = pieces[0] if len(pieces) == 1 else shapely.union_all(pieces)
    return Conflict(
        id=conflict_id(first.leaf_hash, second.leaf_hash, "operations"),
        type="operations",
        certainty=certainty,
        between=(first, second),
        overlap=OperationsOverlap(
            area=geojson(shared),
            lower=lower.model_dump(mode="json"),
            upper=upper.model_dump(mode="json"),
            start=start,
            end=end,
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


def geojson(geometry: BaseGeometry) -> dict[str, object]:
    """A GeoJSON geometry (RFC 7946: exterior rings counterclockwise), rounded, in a canonical
    order of parts and points."""
    shape = shapely.orient_polygons(shapely.normalize(geometry))
    if shape.geom_type == "Polygon":
        return {"type": "Polygon", "coordinates": _rings(shape)}
    return {
        "type": "MultiPolygon",
        "coordinates": [_rings(part) for part in shapely.get_parts(shape)],
    }


def _rings(polygon: BaseGeometry) -> list[list[list[float]]]:
    assert isinstance(polygon, shapely.Polygon)
    rings = [polygon.exterior, *polygon.interiors]
    return [[[round(x, DECIMALS), round(y, DECIMALS)] for x, y in ring.coords] for ring in rings]
