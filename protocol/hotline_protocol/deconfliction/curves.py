"""Sampling curves on the ellipsoid into chords of the frame, with a bound on how far they stray.

A chord is the straight segment, in the frame, between two consecutive sample points. It strays
from the curve it stands for by at most ``SAFETY x L^2 / 8 x (k + tan(lat) / R_MIN)``: L is the
chord's length, k the curve's geodesic curvature (1 / radius for a circle, about
tan(width / R) / R for a curve at a constant distance from a geodesic, 0 for a geodesic) and
tan(lat) / R_MIN the largest curvature of the frame's straight lines up to latitude ``lat``.
The bound is used where the curve stays within ``FAST_LAT`` degrees of the equator; nearer the
poles the straying is measured (:func:`refine`).

Drawing is written as generators that ask for geodesic computations (``Ask``) and get their
results back, so that :func:`run` can answer the questions of many drawings with one call to
pyproj: most of a call's cost is fixed, not per point.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from functools import lru_cache
from typing import Literal, TypeVar

import numpy as np

from .frame import GEOD, Floats, wrap

SAFETY = 1.3
MAX_STEP_M = 100_000.0
FAST_LAT = 80.0
R_MIN = 6_356_752.0
"""The ellipsoid's polar semi-axis: its smallest radius, so the largest curvature tan(lat) / R."""
M_PER_DEG_LAT = 110_574.0
"""The fewest metres in a degree of latitude (at the equator): how far north a distance reaches
at most."""
SHARES = (0.2, 0.5, 0.8)

T = TypeVar("T")
Ask = tuple[Literal["fwd", "inv"], Floats, Floats, Floats, Floats]
"""``("fwd", lon, lat, azimuth, distance)`` or ``("inv", lon1, lat1, lon2, lat2)``."""
Answer = tuple[Floats, Floats, Floats]
Drawing = Generator[Ask, Answer, T]
Curve = Callable[[Floats], Drawing[tuple[Floats, Floats]]]


def run(drawings: list[Drawing[T]]) -> list[T]:
    """Run drawings side by side, each round's questions of a kind answered by one call."""
    results: dict[int, T] = {}
    asks: dict[int, Ask] = {}
    for i, drawing in enumerate(drawings):
        _step(i, drawing, None, asks, results)
    while asks:
        for kind in ("fwd", "inv"):
            waiting = [(i, ask) for i, ask in asks.items() if ask[0] == kind]
            if not waiting:
                continue
            c1, c2, c3, c4 = (np.concatenate([ask[c] for _, ask in waiting]) for c in (1, 2, 3, 4))
            solved = GEOD.fwd(c1, c2, c3, c4) if kind == "fwd" else GEOD.inv(c1, c2, c3, c4)
            out = [np.asarray(v, dtype=float) for v in solved]
            at = 0
            for i, ask in waiting:
                n = len(ask[1])
                del asks[i]
                answer = (out[0][at : at + n], out[1][at : at + n], out[2][at : at + n])
                _step(i, drawings[i], answer, asks, results)
                at += n
    return [results[i] for i in range(len(drawings))]


def _step(
    i: int, drawing: Drawing[T], answer: Answer | None, asks: dict[int, Ask], results: dict[int, T]
) -> None:
    try:
        asks[i] = drawing.send(answer) if answer is not None else next(drawing)
    except StopIteration as done:
        results[i] = done.value


def fwd(lon: Floats, lat: Floats, az: Floats, dist: Floats) -> Drawing[Answer]:
    """Geodesic direct problem: end points and the azimuths back to the starts."""
    return (yield ("fwd", lon, lat, az, dist))


def inv(lon1: Floats, lat1: Floats, lon2: Floats, lat2: Floats) -> Drawing[Answer]:
    """Geodesic inverse problem: forward azimuths, back azimuths and distances."""
    return (yield ("inv", lon1, lat1, lon2, lat2))


@lru_cache(maxsize=1024)
def steps(n: int) -> Floats:
    """``n + 1`` evenly spaced parameters from 0 to 1 (read-only, shared)."""
    t = np.linspace(0.0, 1.0, n + 1)
    t.flags.writeable = False
    return t


def reach(lat: float, distance: float) -> float:
    """The highest |latitude| a curve within ``distance`` of latitude ``lat`` can reach."""
    return abs(lat) + distance / M_PER_DEG_LAT


def longest_chord(tol: float, curvature: float, top: float) -> float:
    """The longest chord that strays at most ``tol`` from a curve of that curvature."""
    k = curvature + math.tan(math.radians(min(top, FAST_LAT))) / R_MIN
    return MAX_STEP_M if k <= 0 else min(MAX_STEP_M, math.sqrt(8 * tol / (SAFETY * k)))


def stray(length: float, curvature: float, top: float) -> float:
    """The bound on how far a chord of that length strays from the curve."""
    k = curvature + math.tan(math.radians(min(top, FAST_LAT))) / R_MIN
    return SAFETY * length * length / 8 * k


def arc(lon: float, lat: float, radius: float, az0: float, sweep: float) -> Curve:
    """The points ``radius`` from a centre, at azimuths ``az0 + sweep x t``."""

    def curve(t: Floats) -> Drawing[tuple[Floats, Floats]]:
        n = len(t)
        x, y, _ = yield from fwd(
            np.full(n, lon), np.full(n, lat), az0 + sweep * t, np.full(n, radius)
        )
        return x, y

    return curve


def geodesic(lon: float, lat: float, az: float, length: float) -> Curve:
    """The geodesic from a point along azimuth ``az``, at ``length x t``."""

    def curve(t: Floats) -> Drawing[tuple[Floats, Floats]]:
        n = len(t)
        x, y, _ = yield from fwd(np.full(n, lon), np.full(n, lat), np.full(n, az), length * t)
        return x, y

    return curve


def offset(lon: float, lat: float, az: float, length: float, width: float, turn: float) -> Curve:
    """The points ``width`` away from a geodesic and square to it: on its left for ``turn``
    -90, on its right for +90."""

    def curve(t: Floats) -> Drawing[tuple[Floats, Floats]]:
        n = len(t)
        x, y, back = yield from fwd(np.full(n, lon), np.full(n, lat), np.full(n, az), length * t)
        ox, oy, _ = yield from fwd(x, y, back + 180.0 + turn, np.full(n, width))
        return ox, oy

    return curve


def refine(curve: Curve, t: Floats, tol: float) -> Drawing[tuple[Floats, float]]:
    """Halve every chord that strays more than ``tol`` from the curve, or that spans 90 degrees
    of longitude or more, until none does; return the parameters and the largest straying
    measured. A chord's straying is measured at a fifth, a half and four fifths of it, as the
    distance from the chord's point to the curve's point at the same share of the parameter
    (at a curve's inflection the middle alone would show none)."""
    worst = 0.0
    for _ in range(48):
        x, y = yield from curve(t)
        dt, dlon = np.diff(t), wrap(x[1:] - x[:-1])
        far = np.zeros(len(dt))
        for share in SHARES:
            cx, cy = yield from curve(t[:-1] + share * dt)
            lon = x[:-1] + share * dlon
            _, _, d = yield from inv(lon, y[:-1] + share * (y[1:] - y[:-1]), cx, cy)
            far = np.maximum(far, d)
        bad = ((far > tol) | (np.abs(dlon) >= 90.0)) & (dt > 1e-12)
        worst = float(far.max())
        if not bad.any():
            break
        t = np.sort(np.concatenate((t, t[:-1][bad] + dt[bad] / 2)))
    return t, worst
