"""Deconfliction at scale: 10,000 active planned operations a side, one core.

The operations are spread over a region of about 1000 km x 1000 km centred on 50 N 20 E, many
overlapping: polygons of 4-6 vertices 20-80 km across (half of them), circles of 10-40 km
(three tenths), corridors of 2-4 points over 50-200 km and 3-10 NM either side (the rest); their
vertical blocks mix flight levels, feet above sea level and low-level blocks from the surface or
above the ground; their windows last 1-4 hours and start within the next seven days, as an air
tasking order a week ahead would (all of them active).

Prints and writes ``bench/results/deconfliction.json``:

- **start-up**: seconds to build the index of both sides' operations from parsed notices (their
  areas drawn as polygons, the STRtree built) and then to find every conflict among them, and
  how many there are;
- **check**: p50 and p99 time to check one new notice (``ConflictIndex.check``: the conflicts a
  draft would have), for new planned operations and for downed pilots with a SAR corridor;
- **add**: p50 and p99 to add a new operation to the index and get its conflicts
  (``add`` + ``conflicts_of``), the tree rebuilt every ``REBUILD_AFTER`` additions included;
- **memory**: the process's resident set before the notices, with them parsed, and with the
  index built.

Targets: check p99 <= 5 ms; start-up <= 2 s.

Run: ``.venv/bin/python -m bench.bench_deconfliction [--per-side N] [--checks N] [--rounds N]``.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import math
import random
import statistics
import time
import uuid
from typing import Any

from hotline_protocol.deconfliction import ConflictIndex, FeedItem
from hotline_protocol.deconfliction.index import REBUILD_AFTER
from hotline_protocol.notices import Notice, parse_notice

from .common import machine, percentiles, write_result

T0 = 1_767_254_400_000
HOUR = 3_600_000
CENTRE = (50.0, 20.0)
HALF_SPAN_M = 500_000.0
SIDES = ("alpha", "bravo")


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return math.nan


def _point(
    rnd: random.Random, around: tuple[float, float] | None = None, spread: float = 0.0
) -> tuple[float, float]:
    if around is None:
        lat = CENTRE[0] + rnd.uniform(-1, 1) * HALF_SPAN_M / 111_200
        lon = CENTRE[1] + rnd.uniform(-1, 1) * HALF_SPAN_M / (111_200 * math.cos(math.radians(lat)))
        return lat, lon
    lat = around[0] + rnd.uniform(-1, 1) * spread / 111_200
    lon = around[1] + rnd.uniform(-1, 1) * spread / (111_200 * math.cos(math.radians(lat)))
    return lat, lon


def _pos(p: tuple[float, float]) -> dict[str, float]:
    return {"lat": round(p[0], 5), "lon": round(p[1], 5)}


def _area(rnd: random.Random) -> dict[str, Any]:
    kind = rnd.random()
    centre = _point(rnd)
    if kind < 0.5:
        size = rnd.uniform(10_000, 40_000)
        n = rnd.randint(4, 6)
        angles = sorted(rnd.uniform(0, 2 * math.pi) for _ in range(n))
        pts = []
        for a in angles:
            r = size * rnd.uniform(0.7, 1.0)
            lat = centre[0] + r * math.sin(a) / 111_200
            lon = centre[1] + r * math.cos(a) / (111_200 * math.cos(math.radians(centre[0])))
            pts.append(_pos((lat, lon)))
        return {"shape": "polygon", "points": [*pts, pts[0]]}
    if kind < 0.8:
        radius = round(rnd.uniform(10, 40), 1)
        return {
            "shape": "circle",
            "centre": _pos(centre),
            "radius": {"value": radius, "unit": "km"},
        }
    length = rnd.uniform(50_000, 200_000)
    n = rnd.randint(2, 4)
    heading = rnd.uniform(0, 2 * math.pi)
    pts, here = [], centre
    for _ in range(n):
        pts.append(_pos(here))
        heading += rnd.uniform(-0.6, 0.6)
        step = length / (n - 1)
        here = (
            here[0] + step * math.sin(heading) / 111_200,
            here[1] + step * math.cos(heading) / (111_200 * math.cos(math.radians(here[0]))),
        )
    width = rnd.choice([3, 5, 8, 10])
    return {"shape": "corridor", "centreline": pts, "half_width": {"value": width, "unit": "NM"}}


def _block(rnd: random.Random) -> dict[str, Any]:
    kind = rnd.random()
    if kind < 0.5:
        low = rnd.randrange(50, 300, 5)
        return {
            "lower": {"value": low, "unit": "FL", "reference": "STD"},
            "upper": {"value": low + rnd.randrange(20, 100, 5), "unit": "FL", "reference": "STD"},
        }
    if kind < 0.8:
        low = rnd.randrange(1000, 15_000, 500)
        upper = {"value": low + rnd.randrange(2000, 10_000, 500), "unit": "ft", "reference": "AMSL"}
        if rnd.random() < 0.3:
            upper = {"value": max(low // 100 + 30, 60), "unit": "FL", "reference": "STD"}
        return {"lower": {"value": low, "unit": "ft", "reference": "AMSL"}, "upper": upper}
    lower = rnd.choice(
        [
            {"value": 0, "unit": "ft", "reference": "SFC"},
            {"value": 500, "unit": "ft", "reference": "AGL"},
        ]
    )
    return {
        "lower": lower,
        "upper": {"value": rnd.randrange(3000, 10_000, 500), "unit": "ft", "reference": "AMSL"},
    }


def operation(rnd: random.Random, n: int) -> Notice:
    start = T0 - 2 * HOUR + rnd.randrange(0, 7 * 24) * HOUR + rnd.randrange(0, 4) * 15 * 60_000
    end = max(start + rnd.randint(1, 4) * HOUR, T0 + 15 * 60_000)
    areas = [_area(rnd) for _ in range(1 if rnd.random() < 0.8 else 2)]
    return parse_notice(
        {
            "id": str(uuid.UUID(int=n + 1)),
            "kind": "planned_operation",
            "status": "exercise",
            "author": {"id": "ops-1", "unit": "Current Operations", "nation": "XAA"},
            "time": T0 - 24 * HOUR,
            "operation_ref": f"OP-{n:06d}",
            "activity": rnd.choice(["transit", "strike", "isr", "tanker", "air_patrol", "uav"]),
            "areas": areas,
            "vertical_block": _block(rnd),
            "window": {"start": start, "end": end},
        }
    )


def downed_pilot(rnd: random.Random, n: int) -> Notice:
    where = _point(rnd)
    home = _point(rnd, where, 150_000)
    return parse_notice(
        {
            "id": str(uuid.UUID(int=10**9 + n)),
            "kind": "downed_pilot",
            "status": "exercise",
            "author": {"id": "jprc-1", "unit": "JPRC", "nation": "XAA"},
            "time": T0,
            "aircraft_callsign": "VIPER 12",
            "crew_count": 1,
            "crew": [{"number": 1, "status": "located"}],
            "positions": [
                {
                    **_pos(where),
                    "time": T0,
                    "source": "beacon_encoded",
                    "uncertainty_m": rnd.randint(50, 5000),
                }
            ],
            "requested_measures": {
                "sar_corridor": {
                    "area": {
                        "shape": "corridor",
                        "centreline": [_pos(home), _pos(where)],
                        "half_width": {"value": 3, "unit": "NM"},
                    },
                    "vertical_block": {
                        "lower": {"value": 0, "unit": "ft", "reference": "SFC"},
                        "upper": {"value": 5000, "unit": "ft", "reference": "AMSL"},
                    },
                    "window": {"start": T0, "end": T0 + 4 * HOUR},
                }
            },
        }
    )


def leaf(side: str, index: int) -> bytes:
    return hashlib.sha256(f"{side}/{index}".encode()).digest()


def timed(samples: list[float], fn: Any, *args: Any) -> Any:
    start = time.perf_counter()
    out = fn(*args)
    samples.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-side", type=int, default=10_000)
    parser.add_argument("--checks", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rnd = random.Random(args.seed)
    rss_start = rss_mb()
    items = [
        FeedItem(side, i, leaf(side, i), operation(rnd, n))
        for n, (side, i) in enumerate((s, i) for s in SIDES for i in range(args.per_side))
    ]
    drafts = [operation(rnd, 10**7 + n) for n in range(args.checks)]
    pilots = [downed_pilot(rnd, n) for n in range(max(1, args.checks // 5))]
    rss_notices = rss_mb()
    at = T0

    builds, scans, counts = [], [], []
    index = ConflictIndex()
    for _ in range(args.rounds):
        index = ConflictIndex()
        gc.collect()
        start = time.perf_counter()
        index.extend(items)
        built = time.perf_counter()
        found = index.conflicts(at)
        done = time.perf_counter()
        builds.append(built - start)
        scans.append(done - built)
        counts.append(len(found))
    rss_index = rss_mb()
    startups = [b + s for b, s in zip(builds, scans, strict=True)]

    gc.collect()
    check_ms: list[float] = []
    check_found = [len(timed(check_ms, index.check, d, "bravo", at)) for d in drafts]
    pilot_ms: list[float] = []
    pilot_found = [len(timed(pilot_ms, index.check, p, "alpha", at)) for p in pilots]
    add_ms: list[float] = []
    for n, draft in enumerate(drafts):
        item = FeedItem("bravo", args.per_side + n, leaf("bravo", args.per_side + n), draft)
        start = time.perf_counter()
        index.add(item)
        index.conflicts_of(item.side, item.index, at)
        add_ms.append((time.perf_counter() - start) * 1000)

    result = {
        "operations_per_side": args.per_side,
        "rounds": args.rounds,
        "startup_s": percentiles(startups),
        "startup_build_s": percentiles(builds),
        "startup_conflicts_s": percentiles(scans),
        "conflicts_at_startup": counts[-1],
        "check_operation_ms": percentiles(check_ms),
        "check_operation_conflicts_mean": statistics.mean(check_found),
        "check_downed_pilot_ms": percentiles(pilot_ms),
        "check_downed_pilot_conflicts_mean": statistics.mean(pilot_found),
        "add_and_conflicts_of_ms": percentiles(add_ms),
        "rebuild_after": REBUILD_AFTER,
        "rss_mb": {"start": rss_start, "notices_parsed": rss_notices, "index_built": rss_index},
        "targets": {"check_p99_ms": 5.0, "startup_s": 2.0},
    }
    path = write_result("deconfliction", result)
    m = machine()
    print(f"deconfliction benchmark — {m['cores']} cores, Python {m['python']}, one core used")
    print(f"  {args.per_side:,} active operations a side over ~1000 km x 1000 km, at {at}")
    print(
        f"  start-up (index + every conflict): median {statistics.median(startups):.2f} s "
        f"(build {statistics.median(builds):.2f} s, conflicts {statistics.median(scans):.2f} s; "
        f"target <= 2 s); {counts[-1]:,} conflicts"
    )
    for label, samples, counted in (
        ("check a new operation", check_ms, check_found),
        ("check a downed pilot with a SAR corridor", pilot_ms, pilot_found),
    ):
        p = percentiles(samples)
        print(
            f"  {label}: p50 {p['median']:.2f} ms, p99 {p['p99']:.2f} ms, max {p['max']:.2f} ms "
            f"(n={p['n']}; {statistics.mean(counted):.1f} conflicts each; target p99 <= 5 ms)"
        )
    p = percentiles(add_ms)
    print(
        f"  add an operation and get its conflicts: p50 {p['median']:.2f} ms, "
        f"p99 {p['p99']:.2f} ms, max {p['max']:.2f} ms (tree rebuilt every {REBUILD_AFTER})"
    )
    print(
        f"  memory (RSS): {rss_start:.0f} MB at start, {rss_notices:.0f} MB with the notices "
        f"parsed, {rss_index:.0f} MB with the index built"
    )
    print(f"  written to {path}")


if __name__ == "__main__":
    main()
