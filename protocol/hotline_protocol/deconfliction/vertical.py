"""Vertical blocks on one scale: true height above mean sea level, with two unknowns.

Each limit is a height above mean sea level that may depend on one unknown:

| reference | height    | unknown                                                      |
| --------- | --------- | ------------------------------------------------------------ |
| AMSL      | value     | none                                                         |
| STD       | value + P | P, the pressure setting's offset, -margin <= P <= +margin    |
| AGL       | value + T | T, the ground's elevation, terrain_min <= T <= terrain_max   |
| SFC       | T         | T                                                            |

Values are converted exactly (ft x 0.3048, FL x 30.48, m) and compared in whole micrometres, so
equal limits are equal. P and T stand for one place and one time: two limits with the same
reference share the unknown and compare exactly, whatever it is.

A block is non-empty where its upper limit is above its lower limit; two blocks overlap where
both are non-empty and share a band, all by at least 1 micrometre (with L1, U1, L2, U2 their
limits: ``min(U1, U2) - max(L1, L2) >= 1 um`` and ``Ui - Li >= 1 um``). The overlap is

- ``certain`` when, for every P and T in their ranges, the blocks overlap or one of them is
  empty there (a block from the surface to 10,000 ft AMSL has no airspace over ground higher than
  that, and is then no conflict with anything);
- ``possible`` when they overlap for some P and T;
- absent otherwise. Blocks that only touch (the upper limit of one equal to the lower limit of
  the other, in the same reference) do not overlap.

Both are decided exactly: each condition is a half-plane in (P, T), and the ranges a rectangle,
clipped by those half-planes in rational arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from ..notices import Altitude, AltitudeUnit, VerticalBlock, VerticalReference
from .model import Config

UM_PER = {AltitudeUnit.FT: 304_800, AltitudeUnit.FL: 30_480_000, AltitudeUnit.M: 1_000_000}
"""Micrometres per unit, exactly."""

Overlap = Literal["certain", "possible"] | None


@dataclass(frozen=True, slots=True)
class Limit:
    """``um + p x P + t x T`` micrometres above mean sea level."""

    um: int
    p: int
    t: int
    altitude: Altitude


@dataclass(frozen=True, slots=True)
class Block:
    lower: Limit
    upper: Limit


@dataclass(frozen=True, slots=True)
class Unknowns:
    """The ranges of P and T in micrometres."""

    p_low: int
    p_high: int
    t_low: int
    t_high: int

    @classmethod
    def of(cls, config: Config) -> Unknowns:
        margin = round(config.pressure_margin_m * 1_000_000)
        return cls(
            -margin,
            margin,
            round(config.terrain_min_m * 1_000_000),
            round(config.terrain_max_m * 1_000_000),
        )

    def corners(self) -> list[tuple[int, int]]:
        return [(p, t) for p in (self.p_low, self.p_high) for t in (self.t_low, self.t_high)]


def limit(altitude: Altitude) -> Limit:
    value = altitude.value * UM_PER[altitude.unit]
    reference = altitude.reference
    if reference == VerticalReference.STD:
        return Limit(value, 1, 0, altitude)
    if reference in (VerticalReference.AGL, VerticalReference.SFC):
        return Limit(value, 0, 1, altitude)
    return Limit(value, 0, 0, altitude)


def block(vertical: VerticalBlock) -> Block:
    return Block(limit(vertical.lower), limit(vertical.upper))


def envelope(b: Block, unknowns: Unknowns) -> tuple[float, float]:
    """The lowest the block's lower limit and the highest its upper limit can be, in metres."""
    low = b.lower.um + b.lower.p * unknowns.p_low + b.lower.t * unknowns.t_low
    high = b.upper.um + b.upper.p * unknowns.p_high + b.upper.t * unknowns.t_high
    return low / 1e6, high / 1e6


def overlap(a: Block, b: Block, unknowns: Unknowns) -> Overlap:
    """Whether two blocks overlap: wherever both have airspace, for some unknowns, or never."""
    cross = [_gap(a.upper, b.lower), _gap(b.upper, a.lower)]
    own = [_gap(a.upper, a.lower), _gap(b.upper, b.lower)]
    corners = unknowns.corners()
    if all(_at(g, x, y) >= 1 for g in cross + own for x, y in corners):
        return "certain"
    rectangle = [(Fraction(x), Fraction(y)) for x, y in _around(corners)]
    if not _clip(rectangle, cross + own):
        return None
    airspace = _clip(rectangle, own)
    if all(_at(g, x, y) >= 1 for g in cross for x, y in airspace):
        return "certain"
    return "possible"


def band(a: Block, b: Block, unknowns: Unknowns) -> tuple[Altitude, Altitude]:
    """The common band's limits in the notices' own terms: the higher of the two lower limits
    and the lower of the two upper limits, compared with no pressure offset and the ground at
    its lowest; on a tie, ``a``'s limit."""

    def nominal(x: Limit) -> int:
        return x.um + x.t * unknowns.t_low

    lower = b.lower if nominal(b.lower) > nominal(a.lower) else a.lower
    upper = b.upper if nominal(b.upper) < nominal(a.upper) else a.upper
    return lower.altitude, upper.altitude


Gap = tuple[int, int, int]
"""``c + p x P + t x T`` micrometres: how far one limit is above another."""


def _gap(upper: Limit, lower: Limit) -> Gap:
    return (upper.um - lower.um, upper.p - lower.p, upper.t - lower.t)


def _at(gap: Gap, x: int | Fraction, y: int | Fraction) -> int | Fraction:
    c, p, t = gap
    return c + p * x + t * y


def _around(corners: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The rectangle's corners in order around it."""
    (x0, y0), (_, y1), (x1, _), _ = corners
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def _clip(
    polygon: list[tuple[Fraction, Fraction]], gaps: list[Gap]
) -> list[tuple[Fraction, Fraction]]:
    """The part of a convex polygon where every gap is at least 1 um (Sutherland-Hodgman)."""
    for gap in gaps:
        kept: list[tuple[Fraction, Fraction]] = []
        for i, here in enumerate(polygon):
            there = polygon[(i + 1) % len(polygon)]
            h, t = _at(gap, *here) - 1, _at(gap, *there) - 1
            if h >= 0:
                kept.append(here)
            if (h < 0 <= t) or (t < 0 <= h):
                if h != t:
                    s = Fraction(h) / (h - t)
                    kept.append(
                        (here[0] + s * (there[0] - here[0]), here[1] + s * (there[1] - here[1]))
                    )
        polygon = kept
        if not polygon:
            break
    return polygon
