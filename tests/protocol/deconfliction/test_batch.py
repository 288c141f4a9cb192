"""Areas drawn many at once are the areas drawn one by one."""

from __future__ import annotations

import random

import shapely

from hotline_protocol.deconfliction.batch import draw_many
from hotline_protocol.deconfliction.shapes import Area, draw_areas
from hotline_protocol.notices import PlannedOperation

from .builders import box, circle, corridor, operation, polygon


def test_drawing_many_at_once_gives_the_same_polygons() -> None:
    rnd = random.Random(7)
    areas = []
    for _ in range(60):
        lat, lon = rnd.uniform(-88, 88), rnd.uniform(-180, 180)
        areas += [
            circle(lat, lon, rnd.uniform(0.01, 900)),
            box(max(-89.0, lat - 1), max(-180.0, lon - 1), min(89.0, lat + 1), lon),
            corridor([(lat, lon), (lat + 0.5, min(180.0, lon + 0.5))], 5),
        ]
    areas += [
        polygon((0, 0), (1, 1), (1, 0), (0, 1)),  # crosses itself
        polygon((10, 179.5), (10, -179.5), (11, -179.5), (11, 179.5)),  # across the antimeridian
        polygon((85, 0), (85, 120), (85, -120)),  # around the pole
        circle(90, 0, 100),
    ]
    models = [a for op in (operation(area) for area in areas) for a in _areas(op)]
    many, one_by_one = draw_many(models), draw_areas(models)
    assert len(many) == len(one_by_one)
    for a, b in zip(many, one_by_one, strict=True):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert x.is_valid and y.is_valid
            assert shapely.equals_exact(x, y, tolerance=1e-9), (x.wkt[:80], y.wkt[:80])


def _areas(op: object) -> list[Area]:
    assert isinstance(op, PlannedOperation)
    return list(op.areas)
