"""The frame every area is drawn in: longitude and latitude in degrees as plane coordinates,
longitudes in [-180, 180].

A boundary is first traced as a ring of points with longitudes unwrapped (each step taken the
short way round, so a ring that crosses the antimeridian runs on past 180 or below -180). Then:

- a ring that winds once around the earth encloses a pole: the pole of the smaller of the two
  regions it divides the sphere into. It is opened where it crosses the antimeridian nearest
  that pole, laid out from -180 to +180 (or back), and closed along the antimeridian and the
  pole's line (latitude +90 or -90), so the closing lines are the frame's own edges;
- the ring's polygon is cut at the antimeridian into pieces brought back into [-180, 180], so an
  area across it is a MultiPolygon whose parts meet at +180 and -180.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

GEOD = Geod(ellps="WGS84")
"""WGS 84: every distance, circle, buffer and area of the rule is geodesic on it."""

Floats = NDArray[np.float64]


def wrap(delta: Floats) -> Floats:
    """Longitude differences taken the short way round, in [-180, 180)."""
    out: Floats = (delta + 180.0) % 360.0 - 180.0
    return out


def unwrap_ring(lon: Floats) -> tuple[Floats, float]:
    """Continuous longitudes for an open ring (the last point joins the first), and how far the
    ring winds: 0, or +-360 for a ring around a pole."""
    if float(lon.max()) - float(lon.min()) < 180.0:
        return lon, 0.0  # every step is already the short way round
    steps = wrap(np.diff(np.append(lon, lon[0])))
    unwrapped = lon[0] + np.concatenate(([0.0], np.cumsum(steps[:-1])))
    return unwrapped, 360.0 * round(float(np.sum(steps)) / 360.0)


def pole_side(lon: Floats, lat: Floats, winding: float) -> float:
    """For a ring winding around the earth: +90 when the region north of it is the smaller,
    else -90. On the sphere the northern region's area is R^2 (2 pi - I) and the southern's
    R^2 (2 pi + I), with I the integral of sin(lat) over longitude taken eastward."""
    lam = np.radians(np.append(lon, lon[0] + winding))
    s = np.sin(np.radians(np.append(lat, lat[0])))
    integral = float(np.sum(np.diff(lam) * (s[1:] + s[:-1]) / 2.0)) * math.copysign(1.0, winding)
    return 90.0 if integral >= 0.0 else -90.0


def ring_geometry(lon: Floats, lat: Floats, *, simple: bool) -> BaseGeometry:
    """The area enclosed by an open ring of points (longitudes wrapped or not), in the frame.
    A ring not known to be ``simple`` that crosses itself is made valid (OGC rules: the parts
    it encloses)."""
    unwrapped, winding = unwrap_ring(lon)
    xs, ys = unwrapped, lat
    if winding:
        xs, ys = _around_pole(unwrapped, lat, winding)
    polygon: BaseGeometry = shapely.Polygon(np.column_stack((xs, ys)))
    if (not simple or winding) and not polygon.is_valid:  # a ring laid out around a pole may
        polygon = shapely.make_valid(polygon)  # touch its closing lines where it meets them
    return into_frame(polygon)


def _around_pole(lon: Floats, lat: Floats, winding: float) -> tuple[Floats, Floats]:
    """A ring winding around a pole, opened at its crossing of the antimeridian nearest the
    pole (no other part of the ring crosses the antimeridian between it and the pole) and
    closed along the frame's edges."""
    pole = pole_side(lon, lat, winding)
    x, y = np.append(lon, lon[0] + winding), np.append(lat, lat[0])
    turn = np.floor((x - 180.0) / 360.0)
    crossings = np.flatnonzero(turn[:-1] != turn[1:])
    seams = 180.0 + 360.0 * np.maximum(turn[crossings], turn[crossings + 1])
    share = (seams - x[crossings]) / (x[crossings + 1] - x[crossings])
    at = y[crossings] + share * (y[crossings + 1] - y[crossings])
    pick = int(np.argmax(at) if pole > 0 else np.argmin(at))
    i, seam, cross = int(crossings[pick]), float(seams[pick]), float(at[pick])
    xs = np.concatenate((x[i + 1 : -1], lon[: i + 1] + winding)) - seam
    ys = np.concatenate((y[i + 1 : -1], lat[: i + 1]))
    first, last = (-180.0, 180.0) if winding > 0 else (180.0, -180.0)
    xs += first
    return (
        np.concatenate(([first], xs, [last, last, first])),
        np.concatenate(([cross], ys, [cross, pole, pole])),
    )


def into_frame(geometry: BaseGeometry) -> BaseGeometry:
    """Shift a geometry drawn with unwrapped longitudes into [-180, 180], cut at the
    antimeridian."""
    west, _, east, _ = geometry.bounds
    shift = -360.0 * math.floor((west + 180.0) / 360.0)
    if shift:
        geometry = shapely.transform(geometry, lambda c: c + np.array([shift, 0.0]))
        west, east = west + shift, east + shift
    if east <= 180.0:
        return polygonal(geometry)
    pieces = []
    for turn in range(math.ceil((east - 180.0) / 360.0) + 1):
        band = shapely.box(-180.0 + 360.0 * turn, -90.0, 180.0 + 360.0 * turn, 90.0)
        piece = shapely.intersection(geometry, band)
        if not piece.is_empty:
            pieces.append(shifted(piece, -turn))
    return polygonal(shapely.union_all(pieces))


def polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """Only the polygons of a geometry (an intersection may leave lines or points behind)."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [g for g in shapely.get_parts(geometry) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def shifted(geometry: BaseGeometry, turns: int) -> BaseGeometry:
    """The geometry moved by ``turns`` whole turns of longitude (for distances across the
    antimeridian)."""
    if not turns:
        return geometry
    offset = np.array([360.0 * turns, 0.0])
    return shapely.transform(geometry, lambda c: c + offset)


def geodesic_area_m2(geometry: BaseGeometry) -> float:
    """Area on the WGS 84 ellipsoid of a geometry in the frame, in square metres."""
    if geometry.is_empty:
        return 0.0
    area, _ = GEOD.geometry_area_perimeter(shapely.orient_polygons(geometry))
    return abs(float(area))
