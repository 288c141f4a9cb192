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

Two blocks overlap where both are non-empty and share a band of positive height: with L1, U1,
L2, U2 their limits, where ``max(L1, L2) < min(U1, U2)``. The overlap is

- ``certain`` when it holds for every P and T in their ranges;
- ``possible`` when it holds for some P and T (a linear problem in two variables, solved exactly:
  the best point is a corner of the ranges, where a range's edge meets a line on which two limits
  are equal, or where three limits' differences are equal);
- absent otherwise. Blocks that only touch (the upper limit of one equal to the lower limit of
  the other, in the same reference) do not overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
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
    """Whether two blocks share a band of positive height: always, for some unknowns, or never."""
    gaps = [(up.um - low.um, up.p - low.p, up.t - low.t) for up in (a.upper, b.upper)
            for low in (a.lower, b.lower)]  # fmt: skip
    at_corners = [min(c + p * x + t * y for c, p, t in gaps) for x, y in unknowns.corners()]
    if min(at_corners) > 0:
        return "certain"
    if max(at_corners) > 0 or _best(gaps, unknowns) > 0:
        return "possible"
    return None


def band(a: Block, b: Block, unknowns: Unknowns) -> tuple[Altitude, Altitude]:
    """The common band's limits in the notices' own terms: the higher of the two lower limits
    and the lower of the two upper limits, compared with no pressure offset and the ground at
    its lowest; on a tie, ``a``'s limit."""

    def nominal(x: Limit) -> int:
        return x.um + x.t * unknowns.t_low

    lower = b.lower if nominal(b.lower) > nominal(a.lower) else a.lower
    upper = b.upper if nominal(b.upper) < nominal(a.upper) else a.upper
    return lower.altitude, upper.altitude


def _best(gaps: list[tuple[int, int, int]], unknowns: Unknowns) -> Fraction:
    """The largest, over the ranges of P and T, of the smallest gap: found exactly among the
    corners, where two gaps are equal on an edge of the ranges, and where three are equal."""
    xs, ys = (unknowns.p_low, unknowns.p_high), (unknowns.t_low, unknowns.t_high)
    points: list[tuple[Fraction, Fraction]] = [
        (Fraction(x), Fraction(y)) for x, y in unknowns.corners()
    ]
    for (c1, p1, t1), (c2, p2, t2) in combinations(gaps, 2):
        dc, dp, dt = c1 - c2, p1 - p2, t1 - t2  # equal where dc + dp x + dt y == 0
        if dp:
            points += [(Fraction(-dc - dt * y, dp), Fraction(y)) for y in ys]
        if dt:
            points += [(Fraction(x), Fraction(-dc - dp * x, dt)) for x in xs]
    for g1, g2, g3 in combinations(gaps, 3):
        a1, a2 = (g1[1] - g2[1], g1[2] - g2[2]), (g1[1] - g3[1], g1[2] - g3[2])
        det = a1[0] * a2[1] - a1[1] * a2[0]
        if det:
            r1, r2 = g2[0] - g1[0], g3[0] - g1[0]
            points.append(
                (Fraction(r1 * a2[1] - a1[1] * r2, det), Fraction(a1[0] * r2 - r1 * a2[0], det))
            )
    best = None
    for x, y in points:
        if xs[0] <= x <= xs[1] and ys[0] <= y <= ys[1]:
            value = min(c + p * x + t * y for c, p, t in gaps)
            best = value if best is None or value > best else best
    return best if best is not None else Fraction(-1)
