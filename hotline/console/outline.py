"""Build the console's map outline from Natural Earth country shapes (TopoJSON).

The console draws coastlines and land borders under its lat/lon grid without any map tiles. The
outline ships as ``static/data/outline.json``, made once from the ``countries-50m.json`` file of
the npm package ``world-atlas`` (Natural Earth 1:50m, public domain; the package is ISC):

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python -m hotline.console.outline package/countries-50m.json

Output: ``{"source", "scale", "land": [ring...], "borders": [line...]}`` where each ring or line
is a flat list of integers ``[lon0, lat0, dlon1, dlat1, ...]``: the first point in units of
``1/scale`` degrees, every further point as the difference to the one before.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

SCALE = 100  # hundredths of a degree: about 1 km, finer than the 1:50m source
OUT = Path(__file__).parent / "static" / "data" / "outline.json"
SOURCE = "Natural Earth 1:50m (public domain), via world-atlas 2.0.2 (ISC)"

Point = tuple[float, float]


def decode_arcs(topo: dict[str, Any]) -> list[list[Point]]:
    """The arcs of a quantized TopoJSON topology in degrees."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs: list[list[Point]] = []
    for arc in topo["arcs"]:
        x = y = 0
        points: list[Point] = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def arc_points(arcs: list[list[Point]], i: int) -> list[Point]:
    return arcs[i] if i >= 0 else list(reversed(arcs[~i]))


def ring(arcs: list[list[Point]], indices: list[int]) -> list[Point]:
    points: list[Point] = []
    for i in indices:
        part = arc_points(arcs, i)
        points.extend(part if not points else part[1:])
    return points


def polygons(geometry: dict[str, Any]) -> list[list[list[int]]]:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["arcs"])
    return []


def encode(points: list[Point]) -> list[int]:
    """Delta-encoded integers, consecutive duplicates dropped; [] if fewer than two remain."""
    out: list[int] = []
    last: tuple[int, int] | None = None
    prev = (0, 0)
    for lon, lat in points:
        q = (round(lon * SCALE), round(lat * SCALE))
        if q == last:
            continue
        out += [q[0] - prev[0], q[1] - prev[1]]
        prev = last = q
    return out if len(out) >= 4 else []


def build(topo: dict[str, Any]) -> dict[str, Any]:
    arcs = decode_arcs(topo)
    land = [
        r
        for geom in topo["objects"]["land"]["geometries"]
        for poly in polygons(geom)
        for indices in poly
        if len(r := encode(ring(arcs, indices))) >= 6
    ]
    uses: Counter[int] = Counter()
    for geom in topo["objects"]["countries"]["geometries"]:
        used = {i if i >= 0 else ~i for poly in polygons(geom) for ring_ in poly for i in ring_}
        uses.update(used)
    borders = [line for i, n in sorted(uses.items()) if n > 1 if (line := encode(arcs[i]))]
    return {"source": SOURCE, "scale": SCALE, "land": land, "borders": borders}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m hotline.console.outline COUNTRIES_TOPOJSON", file=sys.stderr)
        return 2
    topo = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    OUT.write_text(json.dumps(build(topo), separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
