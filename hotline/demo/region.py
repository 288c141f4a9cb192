"""The shared area of the demo and the shapes drawn in it.

Both coalitions fly over one stretch of open sea in the central North Atlantic, north-west of
the Azores (the area of the protocol's examples): a box of 45-49 N, 33-27 W. Shapes come out as
notice JSON (WGS 84 decimal degrees, rounded to a hundredth of a degree, about 1 km).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

NM_PER_DEG_LAT = 60.0


@dataclass(frozen=True)
class Region:
    name: str
    south: float
    north: float
    west: float
    east: float

    def point(self, rng: random.Random, margin: float = 0.3) -> tuple[float, float]:
        """A random (lat, lon) at least ``margin`` degrees inside the box."""
        lat = rng.uniform(self.south + margin, self.north - margin)
        lon = rng.uniform(self.west + margin, self.east - margin)
        return round(lat, 2), round(lon, 2)

    def clamp(self, lat: float, lon: float) -> tuple[float, float]:
        return (
            round(min(max(lat, self.south), self.north), 2),
            round(min(max(lon, self.west), self.east), 2),
        )


SHARED_AREA = Region("central North Atlantic, 45-49N 033-027W", 45.0, 49.0, -33.0, -27.0)


def position(lat: float, lon: float) -> dict[str, float]:
    return {"lat": round(lat, 4), "lon": round(lon, 4)}


def offset(lat: float, lon: float, bearing_deg: float, distance_nm: float) -> tuple[float, float]:
    """The point ``distance_nm`` from (lat, lon) on ``bearing_deg`` (flat-earth, fine for
    the tens of miles used here)."""
    d_lat = distance_nm * math.cos(math.radians(bearing_deg)) / NM_PER_DEG_LAT
    d_lon = (
        distance_nm
        * math.sin(math.radians(bearing_deg))
        / (NM_PER_DEG_LAT * math.cos(math.radians(lat)))
    )
    return lat + d_lat, lon + d_lon


def polygon(rng: random.Random, region: Region) -> dict[str, Any]:
    """A patrol box: a slightly irregular quadrilateral of 30-90 NM a side."""
    lat, lon = region.point(rng, margin=0.8)
    half_lat = rng.uniform(0.25, 0.75)
    half_lon = rng.uniform(0.35, 1.0)
    corners = [
        (lat + half_lat, lon - half_lon),
        (lat + half_lat + rng.uniform(-0.1, 0.1), lon + half_lon),
        (lat - half_lat, lon + half_lon + rng.uniform(-0.1, 0.1)),
        (lat - half_lat, lon - half_lon),
    ]
    points = [position(*region.clamp(a, b)) for a, b in corners]
    return {"shape": "polygon", "points": [*points, points[0]]}


def circle(
    rng: random.Random, region: Region, centre: tuple[float, float] | None = None
) -> dict[str, Any]:
    """An orbit or a range: 10-40 NM around a point."""
    lat, lon = centre or region.point(rng, margin=0.6)
    radius = rng.choice((10, 15, 20, 25, 30, 40))
    return {
        "shape": "circle",
        "centre": position(lat, lon),
        "radius": {"value": radius, "unit": "NM"},
    }


def corridor(rng: random.Random, region: Region) -> dict[str, Any]:
    """A transit lane or tanker track: 2-4 legs across part of the area, 3-10 NM half-width."""
    lat, lon = region.point(rng, margin=0.5)
    bearing = rng.uniform(0, 360)
    points = [region.clamp(lat, lon)]
    for _ in range(rng.randint(1, 3)):
        bearing = (bearing + rng.uniform(-35, 35)) % 360
        lat, lon = offset(lat, lon, bearing, rng.uniform(40, 90))
        nxt = region.clamp(lat, lon)
        if nxt != points[-1]:
            points.append(nxt)
    if len(points) < 2:  # clamped onto the same spot at an edge: head back inside
        points.append(region.clamp(points[0][0] - 0.5, points[0][1] + 0.5))
    half_width = rng.choice((3, 5, 5, 8, 10))
    return {
        "shape": "corridor",
        "centreline": [position(a, b) for a, b in points],
        "half_width": {"value": half_width, "unit": "NM"},
    }


def flight_level(value: int) -> dict[str, Any]:
    return {"value": value, "unit": "FL", "reference": "STD"}


def feet_amsl(value: int) -> dict[str, Any]:
    return {"value": value, "unit": "ft", "reference": "AMSL"}


SURFACE: dict[str, Any] = {"value": 0, "unit": "ft", "reference": "SFC"}


def fl_block(rng: random.Random, low: tuple[int, int], depth: tuple[int, int]) -> dict[str, Any]:
    """A flight-level block: the lower level drawn from ``low``, ``depth`` levels thick, in
    steps of 10 (FL200, FL210, ...)."""
    lower = rng.randrange(low[0], low[1] + 1, 10)
    upper = lower + rng.randrange(depth[0], depth[1] + 1, 10)
    return {"lower": flight_level(lower), "upper": flight_level(upper)}


def window(rng: random.Random, now_ms: int, lead_h: float, length_h: float) -> dict[str, int]:
    """A window starting within ``lead_h`` hours (on a 5-minute mark) lasting 1 hour to
    ``length_h`` hours (in quarter hours)."""
    five = 5 * 60_000
    start = (now_ms + int(rng.uniform(0.25, lead_h) * 3_600_000)) // five * five
    quarters = rng.randint(4, max(4, int(length_h * 4)))
    return {"start": start, "end": start + quarters * 15 * 60_000}
