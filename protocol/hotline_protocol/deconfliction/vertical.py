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

Both are decided exactly: each condition is a half-plane in (P, T) and the ranges a rectangle,
so it is enough to test the rectangle's corners and the points where the half-planes' edges
meet the rectangle's edges and each other, all of which lie on a grid of half micrometres.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
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
    cross = (_gap(a.upper, b.lower), _gap(b.upper, a.lower))
    own = (_gap(a.upper, a.lower), _gap(b.upper, b.lower))
    return verdict(cross, own, unknowns)


@lru_cache(maxsize=65_536)
def verdict(cross: tuple[Gap, Gap], own: tuple[Gap, Gap], unknowns: Unknowns) -> Overlap:
    """The verdict for these gaps (blocks repeat: the same pairs come again and again)."""
    gaps = [*cross, *own]
    corners = [(2 * x, 2 * y) for x, y in unknowns.corners()]
    if all(_holds(g, x, y) for g in gaps for x, y in corners):
        return "certain"
    points = corners + _vertices(gaps, unknowns)
    if not any(all(_holds(g, x, y) for g in gaps) for x, y in points):
        return None
    with_airspace = [(x, y) for x, y in points if _holds(own[0], x, y) and _holds(own[1], x, y)]
    if all(_holds(g, x, y) for g in cross for x, y in with_airspace):
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


def _holds(gap: Gap, x2: int, y2: int) -> bool:
    """Whether the gap is at least 1 um at (P, T) = (x2 / 2, y2 / 2)."""
    c, p, t = gap
    return 2 * c + p * x2 + t * y2 >= 2


def _vertices(gaps: list[Gap], unknowns: Unknowns) -> list[tuple[int, int]]:
    """Where the lines ``gap = 1 um`` meet the ranges' edges and each other, within the ranges,
    in doubled coordinates. Every gap's coefficients are -1, 0 or 1, so these points have whole
    or half micrometre coordinates: doubled, they are integers and the test is exact."""
    x0, x1 = 2 * unknowns.p_low, 2 * unknowns.p_high
    y0, y1 = 2 * unknowns.t_low, 2 * unknowns.t_high
    out: list[tuple[int, int]] = []
    lines = [(2 - 2 * c, p, t) for c, p, t in gaps]  # p X + t Y = r
    for r, p, t in lines:
        if t:
            out += [(x, (r - p * x) // t) for x in (x0, x1)]
        if p:
            out += [((r - t * y) // p, y) for y in (y0, y1)]
    for i, (r1, p1, t1) in enumerate(lines):
        for r2, p2, t2 in lines[i + 1 :]:
            det = p1 * t2 - p2 * t1
            if det:
                out.append(((r1 * t2 - t1 * r2) // det, (p1 * r2 - p2 * r1) // det))
    return [(x, y) for x, y in out if x0 <= x <= x1 and y0 <= y <= y1]
