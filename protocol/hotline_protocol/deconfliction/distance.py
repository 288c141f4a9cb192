"""How far an emergency's part is from an operation's areas, geodesically.

The distance is 0 when the part reaches an area (a position inside or on its border, or a region
that meets it). Otherwise it is the geodesic length between the two nearest points, found in an
equirectangular plane scaled at the part's latitude (longitudes times the cosine of that
latitude, at least 0.01), with a part within 30 degrees of the antimeridian also tried one turn
east and west so that distances across it are the short way round.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from .frame import GEOD, Floats, shifted
from .records import Part


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


def distances(part: Part, areas: list[BaseGeometry]) -> tuple[Floats, NDArray[np.bool_]]:
    """Metres from the part to each area, and whether the part lies in (or meets) it."""
    geoms = np.array(areas, dtype=object)
    inside = np.asarray(shapely.intersects(geoms, part.geometry), dtype=bool)
    metres = np.zeros(len(areas))
    outside = np.flatnonzero(~inside)
    if not len(outside):
        return metres, inside
    lat = float(shapely.get_coordinates(part.geometry.centroid)[0, 1])
    squeeze = np.array([max(0.01, math.cos(math.radians(lat))), 1.0])
    scaled = shapely.transform(geoms[outside], lambda c: c * squeeze)
    west, _, east, _ = part.geometry.bounds
    turns = (0, -1, 1) if west < -150.0 or east > 150.0 else (0,)
    best = np.full(len(outside), np.inf)
    for turn in turns:
        mine = shapely.transform(shifted(part.geometry, turn), lambda c: c * squeeze)
        ends = shapely.get_coordinates(shapely.shortest_line(mine, scaled)) / squeeze
        _, _, d = GEOD.inv(ends[0::2, 0], ends[0::2, 1], ends[1::2, 0], ends[1::2, 1])
        best = np.minimum(best, np.asarray(d, dtype=float))
    metres[outside] = best
    return metres, inside
