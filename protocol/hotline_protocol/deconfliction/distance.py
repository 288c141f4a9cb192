"""How far an emergency's part is from an operation's areas, geodesically.

The distance is 0 when the part reaches an area (a position inside or on its border, or a region
that meets it). Otherwise it is the geodesic length between the two nearest points, found in an
equirectangular plane scaled at the part's latitude (longitudes times the cosine of that
latitude, at least 0.01), with the part also tried one turn east and west so that distances
across the antimeridian are the short way round.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from .frame import GEOD, shifted
from .records import Operation, Part


def bounds_near(part: Part, reach_m: float) -> list[tuple[float, float, float, float]]:
    """Boxes (west, south, east, north) in the frame holding everything within ``reach_m`` of
    the part: one box, or two when it crosses the antimeridian."""
    west, south, east, north = part.geometry.bounds
    dlat = reach_m / 110_574.0
    south, north = max(-90.0, south - dlat), min(90.0, north + dlat)
    top = max(abs(south), abs(north))
    if top >= 89.0:
        return [(-180.0, south, 180.0, north)]
    dlon = dlat / math.cos(math.radians(top))
    west, east = west - dlon, east + dlon
    if east - west >= 360.0:
        return [(-180.0, south, 180.0, north)]
    boxes = [(max(west, -180.0), south, min(east, 180.0), north)]
    if west < -180.0:
        boxes.append((west + 360.0, south, 180.0, north))
    if east > 180.0:
        boxes.append((-180.0, south, east - 360.0, north))
    return boxes


def distance(part: Part, op: Operation) -> tuple[float, bool]:
    """Metres from the part to the nearest of the operation's areas, and whether the part's
    position (or region) lies in one of them."""
    geometry = part.geometry
    inside = any(shapely.intersects(area, geometry) for area in op.areas)
    if inside:
        return 0.0, True
    return min(_apart(geometry, area) for area in op.areas), False


def _apart(a: BaseGeometry, b: BaseGeometry) -> float:
    lat = float(shapely.get_coordinates(a.centroid)[0, 1])
    scale = max(0.01, math.cos(math.radians(lat)))
    squeeze = np.array([scale, 1.0])
    b_scaled = shapely.transform(b, lambda c: c * squeeze)
    best = math.inf
    for turns in (0, -1, 1):
        a_scaled = shapely.transform(shifted(a, turns), lambda c: c * squeeze)
        line = shapely.shortest_line(a_scaled, b_scaled)
        (x1, y1), (x2, y2) = shapely.get_coordinates(line) / squeeze
        _, _, d = GEOD.inv(x1, y1, x2, y2)
        best = min(best, float(d))
    return best
