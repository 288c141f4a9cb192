"""Areas as polygons in the frame, with a stated tolerance.

- A **polygon**'s edges are geodesics. Each edge is sampled from whichever endpoint sorts first
  as (longitude, latitude), so an edge that two polygons share gives both the same points. The
  polygon is not enlarged: its chords lie within ``EDGE_CHORD_M`` of the geodesic edges.
- A **circle** is everything within its radius of its centre, geodesically; a **corridor**
  everything within its half-width of its centreline, which is made of geodesic segments: the
  union, segment by segment, of the segment's buffer (two offset curves and two half circles),
  kept as one polygon per segment.
  These are drawn *never smaller than the true shape*: sampled so that no chord strays more than
  ``tol = min(CHORD_M, CHORD_SHARE x radius)`` from the curve (``radius`` being the radius or
  the half-width), then drawn at the radius plus the bound on that straying, so every chord
  lies outside the true boundary and the polygon reaches at most ``2 tol`` beyond it: at most
  50 m, and at most 0.5 % of the radius.

See ``curves`` for the straying bound and the measured refinement near the poles.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ..notices import Circle, Corridor, Polygon
from .curves import (
    FAST_LAT,
    M_PER_DEG_LAT,
    R_MIN,
    SAFETY,
    Drawing,
    arc,
    fwd,
    geodesic,
    inv,
    longest_chord,
    offset,
    reach,
    refine,
    run,
    steps,
    stray,
)
from .frame import Floats, ring_geometry

CHORD_M = 25.0
CHORD_SHARE = 0.0025
EDGE_CHORD_M = 10.0

Area = Polygon | Circle | Corridor
Pieces = tuple[BaseGeometry, ...]
"""An area as polygons of the frame: one, or one per segment of a corridor."""


def draw_areas(areas: Sequence[Area]) -> list[Pieces]:
    """Many areas drawn at once (one pyproj call per round for all of them)."""
    return run([area_drawing(area) for area in areas])


def tolerance(radius: float) -> float:
    """How far a circle's or a corridor's chords may stray from its true boundary."""
    return min(CHORD_M, CHORD_SHARE * radius)


def circle_geometry(lon: float, lat: float, radius: float) -> BaseGeometry:
    return run([circle_drawing(lon, lat, radius)])[0]


def polygon_geometry(vertices: list[tuple[float, float]]) -> BaseGeometry:
    """A ring of (lon, lat) vertices joined by geodesic edges."""
    return run([_polygon(vertices)])[0]


def corridor_geometry(points: list[tuple[float, float]], half_width: float) -> BaseGeometry:
    """Everything within ``half_width`` of a centreline of (lon, lat) points, as one geometry."""
    pieces = run([_corridor(points, half_width)])[0]
    return pieces[0] if len(pieces) == 1 else shapely.union_all(pieces)


def area_drawing(area: Area) -> Drawing[Pieces]:
    if isinstance(area, Circle):
        return ((yield from circle_drawing(area.centre.lon, area.centre.lat, area.radius.metres)),)
    if isinstance(area, Corridor):
        points = [(p.lon, p.lat) for p in area.centreline]
        return (yield from _corridor(points, area.half_width.metres))
    return ((yield from _polygon([(p.lon, p.lat) for p in area.points[:-1]])),)


def circle_drawing(lon: float, lat: float, radius: float) -> Drawing[BaseGeometry]:
    tol = tolerance(radius)
    top = reach(lat, radius + tol)
    if top <= FAST_LAT:
        around = 2 * math.pi * (radius + tol) * 1.01
        n = max(16, math.ceil(around / longest_chord(tol, 1.0 / radius, top)))
        t = steps(n)
        grown = radius + stray(around / n, 1.0 / radius, top)
    else:
        t, worst = yield from refine(arc(lon, lat, radius, 0.0, 360.0), steps(32), tol / SAFETY)
        grown = yield from _clear_of_poles(lon, lat, radius + SAFETY * worst + 1e-3)
    x, y = yield from arc(lon, lat, grown, 0.0, 360.0)(t[:-1])
    return ring_geometry(x, y, simple=True)


def _polygon(vertices: list[tuple[float, float]]) -> Drawing[BaseGeometry]:
    a = np.array(vertices, dtype=float)
    b = np.roll(a, -1, axis=0)
    forward = (a[:, 0] < b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] <= b[:, 1]))
    start = np.where(forward[:, None], a, b)
    end = np.where(forward[:, None], b, a)
    az, _, length = yield from inv(start[:, 0], start[:, 1], end[:, 0], end[:, 1])
    tops = np.maximum(np.abs(a[:, 1]), np.abs(b[:, 1])) + length / 2 / M_PER_DEG_LAT
    params: list[Floats] = []
    for i in range(len(a)):
        if tops[i] <= FAST_LAT:
            chord = longest_chord(EDGE_CHORD_M, 0.0, float(tops[i]))
            params.append(steps(max(1, math.ceil(length[i] / chord))))
        else:
            curve = geodesic(start[i, 0], start[i, 1], az[i], length[i])
            params.append((yield from refine(curve, steps(8), EDGE_CHORD_M))[0])
    counts = np.array([len(t) for t in params])
    x, y, _ = yield from fwd(
        np.repeat(start[:, 0], counts),
        np.repeat(start[:, 1], counts),
        np.repeat(az, counts),
        np.repeat(length, counts) * np.concatenate(params),
    )
    xs: list[Floats] = []
    ys: list[Floats] = []
    at = 0
    for i, count in enumerate(counts):
        ex, ey = x[at : at + count], y[at : at + count]
        at += count
        if not forward[i]:
            ex, ey = ex[::-1], ey[::-1]
        xs += [a[i, :1], ex[1:-1]]  # the vertex itself, exactly as given, then the samples
        ys += [a[i, 1:], ey[1:-1]]
    return ring_geometry(np.concatenate(xs), np.concatenate(ys), simple=False)


def _corridor(points: list[tuple[float, float]], width: float) -> Drawing[Pieces]:
    """One buffer per segment of the centreline: their union is the corridor."""
    a, b = np.array(points[:-1], dtype=float), np.array(points[1:], dtype=float)
    az, back, length = yield from inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    pieces = []
    for i, (p, q) in enumerate(pairwise(points)):
        seg = (float(az[i]), float(back[i]) + 180.0, float(length[i]))
        pieces.append((yield from _buffer(p, q, seg, width)))
    return tuple(pieces)


def _buffer(
    a: tuple[float, float],
    b: tuple[float, float],
    segment: tuple[float, float, float],
    width: float,
) -> Drawing[BaseGeometry]:
    """Everything within ``width`` of the geodesic from a to b, never smaller."""
    az, az_b, length = segment
    tol = tolerance(width)
    top = max(reach(a[1], length / 2 + width + tol), reach(b[1], length / 2 + width + tol))
    if top <= FAST_LAT:
        side_k = math.tan(min(width / R_MIN, 1.5)) / R_MIN
        n = max(1, math.ceil(length / longest_chord(tol, side_k, top)))
        half = math.pi * (width + tol) * 1.01
        m = max(8, math.ceil(half / longest_chord(tol, 1.0 / width, top)))
        t_side, t_cap = steps(n), steps(m)
        grown = width + max(stray(length / n, side_k, top), stray(half / m, 1.0 / width, top))
    else:
        t0, goal = steps(16), tol / SAFETY
        t_left, s1 = yield from refine(offset(*a, az, length, width, -90.0), t0, goal)
        t_right, s2 = yield from refine(offset(*a, az, length, width, 90.0), t0, goal)
        t_end, s3 = yield from refine(arc(*b, width, az_b - 90.0, 180.0), t0, goal)
        t_start, s4 = yield from refine(arc(*a, width, az + 90.0, 180.0), t0, goal)
        t_side, t_cap = np.union1d(t_left, t_right), np.union1d(t_end, t_start)
        grown = width + SAFETY * max(s1, s2, s3, s4) + 1e-3
    k, j = len(t_side), len(t_cap)
    # the centreline's points, then both offsets and both half circles in one call
    cx, cy, cback = yield from fwd(
        np.full(k, a[0]), np.full(k, a[1]), np.full(k, az), length * t_side
    )
    # left side forward, the far half circle, right side back, the near half circle
    lon = np.concatenate((cx, np.full(j, b[0]), cx[::-1], np.full(j, a[0])))
    lat = np.concatenate((cy, np.full(j, b[1]), cy[::-1], np.full(j, a[1])))
    heading = np.concatenate(
        (cback + 90.0, az_b - 90.0 + 180.0 * t_cap, cback[::-1] + 270.0, az + 90.0 + 180.0 * t_cap)
    )
    x, y, _ = yield from fwd(lon, lat, heading, np.full(len(lon), grown))
    keep = np.ones(len(x), dtype=bool)  # each part's last point is the next part's first
    keep[[k - 1, k + j - 1, 2 * k + j - 1, 2 * k + 2 * j - 1]] = False
    return ring_geometry(x[keep], y[keep], simple=True)


def _clear_of_poles(lon: float, lat: float, radius: float) -> Drawing[float]:
    """A radius whose circle passes at least 1 m from either pole (a larger one if need be), so
    that whether it encloses the pole is plain."""
    _, _, d = yield from inv(np.full(2, lon), np.full(2, lat), np.zeros(2), np.array([90.0, -90.0]))
    for to_pole in d:
        if abs(float(to_pole) - radius) < 1.0:
            radius = float(to_pole) + 1.0
    return radius
