"""Planned operations against planned operations: hand-checked cases with known answers."""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry import shape

from hotline_protocol.deconfliction import Conflict, conflicts
from hotline_protocol.notices import Notice

from .builders import HOUR, T0, Feed, alt, block, box, circle, corridor, fl, operation, polygon


def pair(a: Notice, b: Notice, at: int = T0) -> list[Conflict]:
    alpha, bravo = Feed("alpha"), Feed("bravo")
    alpha.add(a)
    bravo.add(b)
    return conflicts([*alpha.items, *bravo.items], at)


def area_of(found: list[Conflict]) -> Any:
    assert len(found) == 1
    overlap = found[0].overlap.to_json()
    return shape(overlap["area"])


def test_areas_sharing_a_meridian_edge_only_touch() -> None:
    assert pair(operation(box(50, 19, 51, 20)), operation(box(50, 20, 51, 21))) == []


def test_areas_sharing_a_geodesic_east_west_edge_only_touch() -> None:
    # the edge (51, 19)-(51, 20) is a geodesic, drawn from the same end for both polygons
    assert pair(operation(box(50, 19, 51, 20)), operation(box(51, 19, 52, 20))) == []


def test_areas_overlapping_by_a_thin_strip_conflict() -> None:
    found = pair(operation(box(50, 19, 51, 20)), operation(box(50, 19.999, 51, 21)))
    assert [c.type for c in found] == ["operations"]
    assert found[0].certainty == "certain"
    west, south, east, north = area_of(found).bounds
    assert abs(west - 19.999) < 1e-9 and abs(east - 20) < 1e-9
    assert abs(south - 50) < 1e-3 and abs(north - 51) < 1e-3


def test_overlapping_areas_with_disjoint_altitude_blocks_do_not_conflict() -> None:
    low = block(alt(1000), alt(5000))
    high = block(alt(6000), alt(9000))
    touching = block(alt(5000), alt(9000))
    a = operation(box(50, 19, 51, 20), vertical=low)
    assert pair(a, operation(box(50, 19, 51, 20), vertical=high)) == []
    assert pair(a, operation(box(50, 19, 51, 20), vertical=touching)) == []
    # the same 5000 ft written in metres is not the same limit: 1524 m is just above it
    metres = block(alt(1524, "m"), alt(3000, "m"))
    assert pair(a, operation(box(50, 19, 51, 20), vertical=metres)) == []
    found = pair(a, operation(box(50, 19, 51, 20), vertical=block(alt(4999), alt(9000))))
    overlap = found[0].overlap.to_json()
    assert overlap["lower"] == alt(4999) and overlap["upper"] == alt(5000)


def test_overlap_in_area_and_altitude_but_not_in_time() -> None:
    a = operation(box(50, 19, 51, 20), start=T0, end=T0 + 2 * HOUR)
    later = operation(box(50, 19, 51, 20), start=T0 + 3 * HOUR, end=T0 + 5 * HOUR)
    touching = operation(box(50, 19, 51, 20), start=T0 + 2 * HOUR, end=T0 + 5 * HOUR)
    overlapping = operation(box(50, 19, 51, 20), start=T0 + HOUR, end=T0 + 5 * HOUR)
    assert pair(a, later) == []
    assert pair(a, touching) == []
    found = pair(a, overlapping)
    overlap = found[0].overlap.to_json()
    assert (overlap["start"], overlap["end"]) == (T0 + HOUR, T0 + 2 * HOUR)


def test_a_corridor_crossing_a_circle() -> None:
    # the circle: 20 km around (50, 20); the corridor: 5 km either side of the meridian 20.3
    # (at 50 N, 0.3 degree of longitude is 21.5 km from the centre, along the parallel)
    c = operation(circle(50, 20, 20))
    crossing = operation(corridor([(49, 20.1), (51, 20.1)], 5))
    assert [x.type for x in pair(c, crossing)] == ["operations"]
    near = operation(corridor([(49, 20.3), (51, 20.3)], 5))
    assert len(pair(c, near)) == 1  # 21.5 km < 20 + 5
    far = operation(corridor([(49, 20.4), (51, 20.4)], 5))
    assert pair(c, far) == []  # 28.7 km > 25 km


def test_a_corridor_and_a_circle_at_the_tolerance() -> None:
    # centre 25 km + 60 m from the corridor's centreline: apart by 60 m, more than the 50 m the
    # polygons may add; at 25 km - 60 m they overlap
    from hotline_protocol.deconfliction.frame import GEOD

    for gap, expected in ((60.0, 0), (-60.0, 1)):
        lon, lat, _ = GEOD.fwd(20.0, 50.0, 90.0, 25_000.0 + gap)
        c = operation(circle(float(lat), float(lon), 20))
        strip = operation(corridor([(49.0, 20.0), (51.0, 20.0)], 5))
        assert len(pair(c, strip)) == expected, gap


def test_an_area_across_the_antimeridian() -> None:
    across = operation(polygon((10, 179.5), (10, -179.5), (11, -179.5), (11, 179.5)))
    around_180 = operation(circle(10.5, -179.9, 20))
    found = pair(across, around_180)
    assert len(found) == 1
    area = found[0].overlap.to_json()["area"]
    assert area["type"] == "MultiPolygon"
    xs = shapely.get_coordinates(shape(area))[:, 0]
    assert xs.min() >= -180 and xs.max() <= 180
    assert (xs > 179.7).any() and (xs < -179.7).any()
    west_of_it = operation(circle(10.5, 179.0, 20))
    assert pair(across, west_of_it) == []


def test_polar_circles_and_a_polygon_around_the_pole() -> None:
    pole = operation(circle(90, 0, 100))  # everything north of about 89.1
    assert len(pair(pole, operation(box(88.9, 0, 89.5, 10)))) == 1
    assert pair(pole, operation(box(88.0, 0, 88.5, 10))) == []
    around = operation(polygon((85, 0), (85, 120), (85, -120)))
    assert len(pair(pole, around)) == 1
    assert len(pair(around, operation(circle(89, 170, 20)))) == 1
    south = operation(circle(-90, 0, 50))
    assert len(pair(south, operation(circle(-89.6, 45, 10)))) == 1
    assert pair(south, operation(circle(90, 0, 50))) == []
    area = area_of(pair(pole, around))
    assert area.bounds[3] == 90.0 and area.bounds[0] == -180.0 and area.bounds[2] == 180.0


def test_a_circle_whose_edge_passes_through_the_pole() -> None:
    from hotline_protocol.deconfliction.frame import GEOD

    _, _, to_pole = GEOD.inv(0.0, 89.0, 0.0, 90.0)
    c = operation(circle(89, 0, float(to_pole), "m"))  # drawn larger: it holds the pole
    assert len(pair(c, operation(circle(89.99, 180, 2)))) == 1  # reaches 0.9 km past the pole
    assert pair(c, operation(circle(89.97, 180, 2))) == []  # 1.3 km short of it


def test_flight_levels_against_feet_near_the_boundary() -> None:
    a = operation(box(50, 19, 51, 20), vertical=block(alt(9000), alt(10_000)))

    def certainty(lower: int, upper: int) -> str | None:
        found = pair(a, operation(box(50, 19, 51, 20), vertical=block(fl(lower), fl(upper))))
        return found[0].certainty if found else None

    # 10,000 ft = 3048 m; FL080 = 2438.4 m, + 300 m of pressure margin = 2738.4 m: always below
    assert certainty(80, 120) == "certain"
    # FL095 = 2895.6 m: below 10,000 ft at standard pressure, above it with +300 m
    assert certainty(95, 120) == "possible"
    # FL105 = 3200.4 m: above 10,000 ft at standard pressure, below it with -300 m
    assert certainty(105, 120) == "possible"
    # FL115 = 3505.2 m - 300 m = 3205.2 m > 3048 m: never
    assert certainty(115, 120) is None
    found = pair(a, operation(box(50, 19, 51, 20), vertical=block(fl(95), fl(120))))
    overlap = found[0].overlap.to_json()
    assert (overlap["lower"], overlap["upper"]) == (fl(95), alt(10_000))


def test_the_conflicts_json_shape() -> None:
    alpha, bravo = Feed("alpha"), Feed("bravo")
    a = alpha.add(operation(box(50, 19, 51, 20)))
    b = bravo.add(operation(box(50.5, 19.5, 51.5, 20.5)))
    (found,) = conflicts([a, b], T0)
    body = found.to_json()
    assert set(body) == {"id", "type", "certainty", "between", "overlap"}
    assert set(body["overlap"]) == {"area", "lower", "upper", "start", "end"}
    import base64
    import hashlib

    low, high = sorted((a.leaf_hash, b.leaf_hash))
    assert body["id"] == hashlib.sha256(low + high + b"operations").hexdigest()
    assert [base64.b64decode(r["leaf_hash"]) for r in body["between"]] == [low, high]
    assert {r["side"] for r in body["between"]} == {"alpha", "bravo"}
    assert {r["kind"] for r in body["between"]} == {"planned_operation"}
    same_side = Feed("alpha")
    same_side.add(operation(box(50, 19, 51, 20)))
    same_side.add(operation(box(50, 19, 51, 20)))
    assert conflicts(same_side.items, T0) == []
