"""An overlap as a GeoJSON geometry (RFC 7946), the same for the same set of pieces."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

DECIMALS = 7
"""Coordinates are rounded to 1e-7 degree (about 1 cm)."""


def geojson(pieces: Sequence[BaseGeometry]) -> dict[str, Any]:
    """The union of the pieces as a Polygon or MultiPolygon in degrees: exterior rings
    counterclockwise, parts and rings in GEOS's normal order, parts meeting at the antimeridian
    kept apart (the frame is cut there)."""
    shape = pieces[0] if len(pieces) == 1 else shapely.union_all(list(pieces))
    shape = shapely.orient_polygons(shapely.normalize(shape), exterior_cw=False)
    parts = [p for p in shapely.get_parts(shape).tolist() if isinstance(p, shapely.Polygon)]
    if shape.geom_type == "Polygon" and len(parts) == 1:
        return {"type": "Polygon", "coordinates": _rings(parts[0])}
    return {"type": "MultiPolygon", "coordinates": [_rings(p) for p in parts]}


def _rings(polygon: shapely.Polygon) -> list[Any]:
    rings = [polygon.exterior, *polygon.interiors]
    return [np.round(shapely.get_coordinates(ring), DECIMALS).tolist() for ring in rings]
