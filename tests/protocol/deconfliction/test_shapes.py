"""Circles and corridors as polygons: never smaller than the true shape, at most 50 m and 0.5 %
larger; anywhere on the earth, across the antimeridian and around the poles."""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from hotline_protocol.deconfliction.frame import GEOD
from hotline_protocol.deconfliction.shapes import (
    circle_geometry,
    corridor_geometry,
    polygon_geometry,
    tolerance,
)

lats = st.floats(-90.0, 90.0)
lons = st.floats(-180.0, 180.0)
radii = st.floats(0.0, 6.0).map(lambda e: 10**e)  # 1 m to 1000 km


def covered(geometry: BaseGeometry, xs: NDArray[np.float64], ys: NDArray[np.float64]) -> bool:
    """Every point inside or on the polygon (a point on the antimeridian may be at -180 or at
    +180; a point at a pole at any longitude)."""
    points = shapely.points(np.column_stack((xs, ys)))
    inside = shapely.covers(geometry, points)
    for i in np.flatnonzero(~inside):
        x, y = float(xs[i]), float(ys[i])
        twins = [(x - 360.0 if x > 0 else x + 360.0, y)] if abs(abs(x) - 180.0) < 1e-9 else []
        if abs(y) > 90.0 - 1e-9:
            twins += [(v, y) for v in (-180.0, 0.0, 180.0)]
        if not any(geometry.covers(shapely.Point(p)) for p in twins):
            return False
    return True


def reach(geometry: BaseGeometry, lon: float, lat: float) -> float:
    """The farthest a point of the polygon's real edges (not the cuts at the antimeridian or
    the closing lines at a pole) lies from a centre, in metres."""
    far = 0.0
    for polygon in shapely.get_parts(geometry):
        ring = np.asarray(polygon.exterior.coords)
        a, b = ring[:-1], ring[1:]
        real = ~(
            ((np.abs(a[:, 0]) == 180.0) & (a[:, 0] == b[:, 0]))
            | ((np.abs(a[:, 1]) == 90.0) & (a[:, 1] == b[:, 1]))
        )
        for f in (0.0, 0.25, 0.5, 0.75):
            pts = a[real] * (1 - f) + b[real] * f
            if len(pts):
                n = len(pts)
                _, _, d = GEOD.inv(np.full(n, lon), np.full(n, lat), pts[:, 0], pts[:, 1])
                far = max(far, float(np.max(d)))
    return far


def true_circle(
    lon: float, lat: float, radius: float, n: int = 720
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    az = np.linspace(0.0, 360.0, n, endpoint=False)
    xs, ys, _ = GEOD.fwd(np.full(n, lon), np.full(n, lat), az, np.full(n, radius))
    return np.asarray(xs), np.asarray(ys)


@settings(max_examples=150, deadline=None)
@given(lons, lats, radii)
def test_the_circle_polygon_contains_the_true_circle(lon: float, lat: float, radius: float) -> None:
    polygon = circle_geometry(lon, lat, radius)
    assert polygon.is_valid
    assert covered(polygon, *true_circle(lon, lat, radius))
    assert covered(polygon, *true_circle(lon, lat, radius * 0.5, 90))
    assert reach(polygon, lon, lat) <= radius + 2 * tolerance(radius) + 1e-6 * radius + 1e-3


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(lons, st.floats(-85.0, 85.0)), min_size=2, max_size=4, unique=True),
    st.floats(2.0, 5.7).map(lambda e: 10**e),
)
def test_the_corridor_polygon_contains_the_true_corridor(
    points: list[tuple[float, float]], half_width: float
) -> None:
    polygon = corridor_geometry(points, half_width)
    assert polygon.is_valid
    for a, b in pairwise(points):
        az, _, length = GEOD.inv(*a, *b)
        n = 200
        xs, ys, back = GEOD.fwd(
            np.full(n, a[0]), np.full(n, a[1]), np.full(n, az), np.linspace(0, length, n)
        )
        for turn in (90.0, 270.0):
            ox, oy, _ = GEOD.fwd(xs, ys, np.asarray(back) + turn, np.full(n, half_width))
            assert covered(polygon, np.asarray(ox), np.asarray(oy))
        for end in (a, b):
            assert covered(polygon, *true_circle(end[0], end[1], half_width, 180))


def test_the_tolerance() -> None:
    assert tolerance(1_000_000) == 25.0
    assert tolerance(1000) == 2.5
    for radius in (1.0, 1000.0, 25_000.0, 1_000_000.0):
        polygon = circle_geometry(20.0, 50.0, radius)
        assert reach(polygon, 20.0, 50.0) - radius <= min(50.0, 0.005 * radius)


def test_a_shared_polygon_edge_gives_both_polygons_the_same_points() -> None:
    a = polygon_geometry([(19.0, 50.0), (25.0, 50.0), (25.0, 55.0), (19.0, 55.0)])
    b = polygon_geometry([(19.0, 55.0), (25.0, 55.0), (25.0, 58.0), (19.0, 58.0)])
    assert len(shapely.get_coordinates(a)) > 10  # the long edges are sampled
    shared = shapely.intersection(a, b)
    assert shared.area == 0.0 and shared.geom_type in ("LineString", "MultiLineString")


def test_polygon_edges_follow_the_geodesic() -> None:
    # the geodesic from (0, 60) to (40, 60) bulges north: atan(tan 60 / cos 20) = 61.52 N
    polygon = polygon_geometry([(0.0, 50.0), (40.0, 50.0), (40.0, 60.0), (0.0, 60.0)])
    assert math.isclose(polygon.bounds[3], 61.52, abs_tol=0.01)


def test_a_polygon_around_a_pole_and_a_crossed_one() -> None:
    around = polygon_geometry([(0.0, 80.0), (120.0, 80.0), (-120.0, 80.0)])
    assert around.covers(shapely.Point(0.0, 90.0)) and around.covers(shapely.Point(60.0, 85.0))
    assert not around.covers(shapely.Point(60.0, 70.0))
    south = polygon_geometry([(0.0, -80.0), (-120.0, -80.0), (120.0, -80.0)])
    assert south.covers(shapely.Point(10.0, -89.0))
    bowtie = polygon_geometry([(0.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.0, 1.0)])
    assert bowtie.is_valid and bowtie.area > 0
