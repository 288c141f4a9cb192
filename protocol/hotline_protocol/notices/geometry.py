"""Where and when: positions, areas, distances, altitudes, vertical blocks and time windows.

Coordinates are WGS 84 decimal degrees. Areas are a union discriminated by ``shape``.

Vertical limits are compared in nominal metres (ft x 0.3048, FL x 30.48, m x 1; flight levels
are pressure altitudes in the ICAO standard atmosphere). ``lower`` must be strictly below
``upper`` when the two references make that decidable without terrain or weather:

- the same reference on both limits;
- AMSL against STD (flight levels taken at their nominal height);
- a lower limit at SFC (the surface is below any upper limit);
- a lower limit AGL under an upper limit AMSL or STD (ground is taken at or above sea level).

A lower limit AMSL or STD under an upper limit AGL depends on the terrain and is not compared.
The surface is never an upper limit.
"""

from __future__ import annotations

from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from .common import JSON_NUMBER, Frozen, UnixMs
from .refusals import refusal

MAX_WINDOW_MS = 31 * 24 * 3600 * 1000
"""Longest time window: 31 days. Longer activity is announced again."""
MAX_DISTANCE_M = 1_000_000.0
"""Longest distance (radius, half-width): 1000 km."""
MAX_ALTITUDE_M = 30_500.0
"""Highest altitude: about 100 000 ft or FL1000."""

Latitude = Annotated[float, Field(strict=True, ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(strict=True, ge=-180, le=180, allow_inf_nan=False)]
UncertaintyM = Annotated[int, Field(strict=True, ge=0, le=500_000)]
"""Radius in metres within which the true position lies (95 %), at most 500 km."""


class Position(Frozen):
    """A point on the WGS 84 ellipsoid in decimal degrees."""

    lat: Latitude
    lon: Longitude


class DistanceUnit(StrEnum):
    NM = "NM"
    KM = "km"
    M = "m"


_METRES_PER = {DistanceUnit.NM: 1852.0, DistanceUnit.KM: 1000.0, DistanceUnit.M: 1.0}


class Distance(Frozen):
    """A horizontal distance: a positive value and its unit (NM, km or m), at most 1000 km."""

    value: Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False), JSON_NUMBER]
    unit: DistanceUnit

    @property
    def metres(self) -> float:
        return self.value * _METRES_PER[self.unit]

    @model_validator(mode="after")
    def _at_most_limit(self) -> Distance:
        if self.metres > MAX_DISTANCE_M:
            raise refusal("distance_too_large", "distance must not exceed 1000 km", max_km=1000)
        return self


class Polygon(Frozen):
    """A closed ring: 4 to 100 points, the last equal to the first, at least 3 distinct."""

    shape: Literal["polygon"] = "polygon"
    points: tuple[Position, ...] = Field(min_length=4, max_length=100)

    @field_validator("points")
    @classmethod
    def _closed_ring(cls, points: tuple[Position, ...]) -> tuple[Position, ...]:
        # compared as (lat, lon) pairs: hashing the models themselves is several times slower
        first, last = points[0], points[-1]
        if (first.lat, first.lon) != (last.lat, last.lon):
            raise refusal(
                "polygon_not_closed", "polygon must be closed: the last point must equal the first"
            )
        if len({(p.lat, p.lon) for p in points}) < 3:
            raise refusal("polygon_too_few_points", "polygon must have at least 3 distinct points")
        return points


class Circle(Frozen):
    """Everything within ``radius`` of ``centre``."""

    shape: Literal["circle"] = "circle"
    centre: Position
    radius: Distance


class Corridor(Frozen):
    """Everything within ``half_width`` of the centreline (2 to 50 points, no repeats in a row)."""

    shape: Literal["corridor"] = "corridor"
    centreline: tuple[Position, ...] = Field(min_length=2, max_length=50)
    half_width: Distance

    @field_validator("centreline")
    @classmethod
    def _no_repeats(cls, points: tuple[Position, ...]) -> tuple[Position, ...]:
        if any(a == b for a, b in pairwise(points)):
            raise refusal("centreline_repeats_point", "successive centreline points must differ")
        return points


Area = Annotated[Polygon | Circle | Corridor, Field(discriminator="shape")]


class AltitudeUnit(StrEnum):
    FT = "ft"
    FL = "FL"
    M = "m"


class VerticalReference(StrEnum):
    """SFC: the surface itself (value 0); AMSL: above mean sea level; AGL: above ground level;
    STD: standard pressure setting 1013.25 hPa (flight levels)."""

    SFC = "SFC"
    AMSL = "AMSL"
    AGL = "AGL"
    STD = "STD"


_ALT_METRES_PER = {AltitudeUnit.FT: 0.3048, AltitudeUnit.FL: 30.48, AltitudeUnit.M: 1.0}


class Altitude(Frozen):
    """A height: integer value, unit (ft, FL, m) and reference. FL goes with STD and only with
    STD; SFC has value 0."""

    value: Annotated[int, Field(strict=True, ge=0)]
    unit: AltitudeUnit
    reference: VerticalReference

    @property
    def metres(self) -> float:
        """Nominal height in metres (see the module notes on comparing references)."""
        return self.value * _ALT_METRES_PER[self.unit]

    @model_validator(mode="after")
    def _consistent(self) -> Altitude:
        if self.metres > MAX_ALTITUDE_M:
            raise refusal(
                "altitude_too_high",
                "altitude must not exceed 100000 ft (30500 m, FL1000)",
                max_ft=100000,
            )
        if (self.unit == AltitudeUnit.FL) != (self.reference == VerticalReference.STD):
            raise refusal(
                "flight_level_needs_std",
                "flight levels (FL) go with reference STD and only with it",
            )
        if self.reference == VerticalReference.SFC and self.value != 0:
            raise refusal("surface_not_zero", "a limit at SFC has value 0")
        return self


_ABOVE_SEA = {VerticalReference.AMSL, VerticalReference.STD}


def comparable(lower: Altitude, upper: Altitude) -> bool:
    """Whether ``lower < upper`` can be decided from the values alone (see the module notes)."""
    low, up = lower.reference, upper.reference
    return (
        low == up
        or low == VerticalReference.SFC
        or (low in _ABOVE_SEA and up in _ABOVE_SEA)
        or (low == VerticalReference.AGL and up in _ABOVE_SEA)
    )


class VerticalBlock(Frozen):
    """The altitudes between ``lower`` and ``upper``; ``lower`` must be below ``upper``."""

    lower: Altitude
    upper: Altitude

    @field_validator("upper")
    @classmethod
    def _above_lower(cls, upper: Altitude, info: ValidationInfo) -> Altitude:
        if upper.reference == VerticalReference.SFC:
            raise refusal("surface_as_upper", "the surface (SFC) cannot be an upper limit")
        lower = info.data.get("lower")
        if lower is not None and comparable(lower, upper) and lower.metres >= upper.metres:
            raise refusal("upper_not_above_lower", "upper must be above lower")
        return upper


class TimeWindow(Frozen):
    """From ``start`` (inclusive) to ``end`` (exclusive), unix ms: ``end`` after ``start``, at
    most 31 days later."""

    start: UnixMs
    end: UnixMs

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: int, info: ValidationInfo) -> int:
        start = info.data.get("start")
        if start is not None:
            if end <= start:
                raise refusal("end_before_start", "end must be after start")
            if end - start > MAX_WINDOW_MS:
                raise refusal(
                    "window_too_long", "window must not be longer than 31 days", max_days=31
                )
        return end
