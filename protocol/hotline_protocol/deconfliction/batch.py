"""Many areas drawn at once, for start-up: the same polygons as ``shapes`` draws one by one.

Circles and polygons away from the poles are computed as whole arrays, with one pyproj call and
one shapely call for all of them; the rest (corridors, areas near a pole, rings across the
antimeridian, self-crossing polygons) go through ``shapes``. The sampling rules, and so the
polygons, are the same either way (``test_batch`` checks it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from ..notices import Circle, Corridor, Polygon
from .curves import FAST_LAT, M_PER_DEG_LAT, MAX_STEP_M, R_MIN, SAFETY, run
from .frame import GEOD, Floats, ring_geometry
from .shapes import CHORD_M, CHORD_SHARE, EDGE_CHORD_M, Area, Pieces, area_drawing

Ints = NDArray[np.int64]


def draw_many(areas: Sequence[Area]) -> list[Pieces]:
    out: list[Pieces | None] = [None] * len(areas)
    circles = [(i, a) for i, a in enumerate(areas) if isinstance(a, Circle)]
    polygons = [(i, a) for i, a in enumerate(areas) if isinstance(a, Polygon)]
    corridors = [(i, a) for i, a in enumerate(areas) if isinstance(a, Corridor)]
    drawn = [
        *zip([i for i, _ in circles], _circles([a for _, a in circles]), strict=True),
        *zip([i for i, _ in polygons], _polygons([a for _, a in polygons]), strict=True),
    ]
    for i, geometry in drawn:
        if geometry is not None:
            out[i] = (geometry,)
    for (i, _), pieces in zip(corridors, _corridors([a for _, a in corridors]), strict=True):
        out[i] = pieces
    rest = [i for i, pieces in enumerate(out) if pieces is None]  # near a pole
    for i, pieces in zip(rest, run([area_drawing(areas[i]) for i in rest]), strict=True):
        out[i] = pieces
    return [pieces for pieces in out if pieces is not None]


def _k(top: Floats) -> Floats:
    k: Floats = np.tan(np.radians(np.minimum(top, FAST_LAT))) / R_MIN
    return k


def _chord(tol: Floats, curvature: Floats, top: Floats) -> Floats:
    k = curvature + _k(top)
    with np.errstate(divide="ignore"):
        chord = np.sqrt(8 * tol / (SAFETY * k))
    out: Floats = np.where(k > 0, np.minimum(MAX_STEP_M, chord), MAX_STEP_M)
    return out


def _circles(areas: list[Circle]) -> list[BaseGeometry | None]:
    if not areas:
        return []
    lon = np.array([a.centre.lon for a in areas])
    lat = np.array([a.centre.lat for a in areas])
    radius = np.array([a.radius.metres for a in areas])
    tol = np.minimum(CHORD_M, CHORD_SHARE * radius)
    top = np.abs(lat) + (radius + tol) / M_PER_DEG_LAT
    around = 2 * np.pi * (radius + tol) * 1.01
    n = np.maximum(16, np.ceil(around / _chord(tol, 1.0 / radius, top))).astype(np.int64)
    length = around / n
    grown = radius + SAFETY * length * length / 8 * (1.0 / radius + _k(top))
    ring = np.repeat(np.arange(len(areas)), n)
    first = np.cumsum(n) - n
    az = 360.0 * ((np.arange(len(ring)) - first[ring]) * (1.0 / n[ring]))  # as np.linspace
    x, y, _ = GEOD.fwd(lon[ring], lat[ring], az, grown[ring])
    plain = top <= FAST_LAT
    return _rings(np.asarray(x), np.asarray(y), ring, first, n, plain, check=False)


def _polygons(areas: list[Polygon]) -> list[BaseGeometry | None]:
    if not areas:
        return []
    counts = np.array([len(a.points) - 1 for a in areas])
    ring = np.repeat(np.arange(len(areas)), counts)
    first = np.cumsum(counts) - counts
    ax = np.array([p.lon for a in areas for p in a.points[:-1]])
    ay = np.array([p.lat for a in areas for p in a.points[:-1]])
    nxt = np.arange(len(ring)) + 1
    nxt[first + counts - 1] = first  # each ring's last vertex joins its first
    bx, by = ax[nxt], ay[nxt]
    forward = (ax < bx) | ((ax == bx) & (ay <= by))
    sx, sy = np.where(forward, ax, bx), np.where(forward, ay, by)
    ex, ey = np.where(forward, bx, ax), np.where(forward, by, ay)
    az, _, length = (np.asarray(v) for v in GEOD.inv(sx, sy, ex, ey))
    tops = np.maximum(np.abs(ay), np.abs(by)) + length / 2 / M_PER_DEG_LAT
    chord = _chord(np.full(len(ring), EDGE_CHORD_M), np.zeros(len(ring)), tops)
    pieces = np.maximum(1, np.ceil(length / chord)).astype(np.int64)
    # every edge gives its start vertex, exactly as given, and its samples after it
    edge = np.repeat(np.arange(len(ring)), pieces)
    j = np.arange(len(edge)) - (np.cumsum(pieces) - pieces)[edge]
    share = np.where(forward[edge], j, pieces[edge] - j) * (1.0 / pieces[edge])  # as np.linspace
    x, y, _ = GEOD.fwd(sx[edge], sy[edge], az[edge], length[edge] * share)
    x, y = np.asarray(x), np.asarray(y)
    x[j == 0], y[j == 0] = ax, ay
    per_ring = np.bincount(ring, weights=pieces, minlength=len(areas)).astype(np.int64)
    starts = np.cumsum(per_ring) - per_ring
    far = np.zeros(len(areas), dtype=bool)
    np.logical_or.at(far, ring, tops > FAST_LAT)
    return _rings(x, y, ring[edge], starts, per_ring, ~far, check=True)


def _corridors(areas: list[Corridor]) -> list[Pieces | None]:
    """Each segment's buffer as ``shapes._buffer`` draws it: left side, far half circle, right
    side back, near half circle, at the half-width plus the straying bound."""
    if not areas:
        return []
    seg_count = np.array([len(a.centreline) - 1 for a in areas])
    owner = np.repeat(np.arange(len(areas)), seg_count)
    ax = np.array([p.lon for a in areas for p in a.centreline[:-1]])
    ay = np.array([p.lat for a in areas for p in a.centreline[:-1]])
    bx = np.array([p.lon for a in areas for p in a.centreline[1:]])
    by = np.array([p.lat for a in areas for p in a.centreline[1:]])
    width = np.array([a.half_width.metres for a in areas])[owner]
    az, back, length = (np.asarray(v) for v in GEOD.inv(ax, ay, bx, by))
    az_b = back + 180.0
    tol = np.minimum(CHORD_M, CHORD_SHARE * width)
    top = np.maximum(np.abs(ay), np.abs(by)) + (length / 2 + width + tol) / M_PER_DEG_LAT
    side_k = np.tan(np.minimum(width / R_MIN, 1.5)) / R_MIN
    n = np.maximum(1, np.ceil(length / _chord(tol, side_k, top))).astype(np.int64)
    half = np.pi * (width + tol) * 1.01
    m = np.maximum(8, np.ceil(half / _chord(tol, 1.0 / width, top))).astype(np.int64)
    side_len, cap_len = length / n, half / m
    grown = width + np.maximum(
        SAFETY * side_len * side_len / 8 * (side_k + _k(top)),
        SAFETY * cap_len * cap_len / 8 * (1.0 / width + _k(top)),
    )
    # the centreline's points, n + 1 a segment
    seg = np.repeat(np.arange(len(n)), n + 1)
    j = np.arange(len(seg)) - (np.cumsum(n + 1) - (n + 1))[seg]
    share = np.where(j == n[seg], 1.0, j * (1.0 / n[seg]))  # as np.linspace
    cx, cy, cback = (
        np.asarray(v) for v in GEOD.fwd(ax[seg], ay[seg], az[seg], length[seg] * share)
    )
    line = np.cumsum(n + 1) - (n + 1)  # where each segment's centreline starts
    # the ring, 2 n + 2 m points a segment, in four parts
    size = 2 * n + 2 * m
    ring = np.repeat(np.arange(len(n)), size)
    q = np.arange(len(ring)) - (np.cumsum(size) - size)[ring]
    rn, rm = n[ring], m[ring]
    part = (q >= rn).astype(np.int64) + (q >= rn + rm) + (q >= 2 * rn + rm)
    local = q - np.select([part == 0, part == 1, part == 2], [0, rn, rn + rm], 2 * rn + rm)
    sides = (part == 0) | (part == 2)
    on_line = np.where(sides, line[ring] + np.where(part == 0, local, rn - local), 0)
    cap = local * (1.0 / rm)
    lon = np.select([part == 1, part == 3], [bx[ring], ax[ring]], cx[on_line])
    lat = np.select([part == 1, part == 3], [by[ring], ay[ring]], cy[on_line])
    heading = np.select(
        [part == 0, part == 1, part == 2],
        [
            cback[on_line] + 90.0,
            az_b[ring] - 90.0 + 180.0 * cap,
            cback[on_line] + 270.0,
        ],
        az[ring] + 90.0 + 180.0 * cap,
    )
    x, y, _ = GEOD.fwd(lon, lat, heading, grown[ring])
    first = np.cumsum(size) - size
    pieces = _rings(np.asarray(x), np.asarray(y), ring, first, size, top <= FAST_LAT, check=False)
    out: list[Pieces | None] = []
    at = 0
    for count in seg_count.tolist():
        mine = pieces[at : at + count]
        at += count
        out.append(
            None if any(p is None for p in mine) else tuple(p for p in mine if p is not None)
        )
    return out


def _rings(
    x: Floats,
    y: Floats,
    ring: Ints,
    first: Ints,
    count: Ints,
    plain: NDArray[np.bool_],
    *,
    check: bool,
) -> list[BaseGeometry | None]:
    """Polygons from the points of many rings. A ring near a pole is left to ``shapes`` (None);
    one that spans 180 degrees of longitude or more (across the antimeridian) is drawn through
    ``frame``; self-crossing polygons are made valid as ``frame`` does."""
    west = np.minimum.reduceat(x, first)
    east = np.maximum.reduceat(x, first)
    simple = plain & (east - west < 180.0)
    keep = simple[ring]
    coords = np.column_stack((x[keep], y[keep]))
    number = np.cumsum(simple) - 1  # the simple rings numbered from 0
    made = shapely.polygons(shapely.linearrings(coords, indices=number[ring[keep]]))
    made_list = cast(list[BaseGeometry], np.asarray(made, dtype=object).ravel().tolist())
    polygons = dict(zip(np.flatnonzero(simple).tolist(), made_list, strict=True))
    out: list[BaseGeometry | None] = []
    for i in range(len(first)):
        if i in polygons:
            polygon = polygons[i]
            if check and not polygon.is_valid:
                polygon = shapely.make_valid(polygon)
            out.append(polygon)
        elif plain[i]:
            a, b = first[i], first[i] + count[i]
            out.append(ring_geometry(x[a:b], y[a:b], simple=not check))
        else:
            out.append(None)
    return out
