"""Notices and feeds for the deconfliction tests, built from a few numbers."""

from __future__ import annotations

import base64
import itertools
import uuid
from typing import Any

from hotline_protocol.deconfliction import FeedItem
from hotline_protocol.entries import encode_entry
from hotline_protocol.notices import Notice, parse_notice

T0 = 1_767_254_400_000
HOUR = 3_600_000
_ids = itertools.count(1)


def alt(value: int, unit: str = "ft", reference: str = "AMSL") -> dict[str, Any]:
    return {"value": value, "unit": unit, "reference": reference}


def fl(level: int) -> dict[str, Any]:
    return alt(level, "FL", "STD")


def block(lower: dict[str, Any], upper: dict[str, Any]) -> dict[str, Any]:
    return {"lower": lower, "upper": upper}


LOW = block(alt(0, "ft", "SFC"), alt(10_000))
"""The surface to 10,000 ft AMSL: meets any other block below it."""


def polygon(*points: tuple[float, float]) -> dict[str, Any]:
    """A polygon from (lat, lon) points; closed here."""
    ring = [{"lat": lat, "lon": lon} for lat, lon in (*points, points[0])]
    return {"shape": "polygon", "points": ring}


def box(south: float, west: float, north: float, east: float) -> dict[str, Any]:
    return polygon((south, west), (south, east), (north, east), (north, west))


def circle(lat: float, lon: float, radius: float, unit: str = "km") -> dict[str, Any]:
    return {
        "shape": "circle",
        "centre": {"lat": lat, "lon": lon},
        "radius": {"value": radius, "unit": unit},
    }


def corridor(
    points: list[tuple[float, float]], half_width: float, unit: str = "km"
) -> dict[str, Any]:
    return {
        "shape": "corridor",
        "centreline": [{"lat": lat, "lon": lon} for lat, lon in points],
        "half_width": {"value": half_width, "unit": unit},
    }


def _envelope(kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.UUID(int=next(_ids))),
        "kind": kind,
        "status": "exercise",
        "author": {"id": "ops-1", "unit": "Current Operations", "nation": "XAB"},
        "time": T0,
        **extra,
    }


def operation(
    *areas: dict[str, Any],
    vertical: dict[str, Any] = LOW,
    start: int = T0,
    end: int = T0 + 4 * HOUR,
    activity: str = "air_patrol",
    **extra: Any,
) -> Notice:
    return parse_notice(
        _envelope(
            "planned_operation",
            operation_ref=f"OP-{next(_ids)}",
            activity=activity,
            areas=list(areas),
            vertical_block=vertical,
            window={"start": start, "end": end},
            **extra,
        )
    )


def distress(lat: float, lon: float, uncertainty: int, **extra: Any) -> Notice:
    return parse_notice(
        _envelope(
            "aircraft_in_distress",
            phase="DETRESFA",
            nature=["engine"],
            aircraft={"callsign": "VIPER 12", "nationality": "XAB"},
            last_position={
                "lat": lat,
                "lon": lon,
                "time": T0,
                "source": "radar",
                "uncertainty_m": uncertainty,
            },
            assistance_requested=["sar"],
            **extra,
        )
    )


def downed_pilot(
    lat: float, lon: float, uncertainty: int, measures: dict[str, Any] | None = None, **extra: Any
) -> Notice:
    fields: dict[str, Any] = {
        "aircraft_callsign": "VIPER 12",
        "crew_count": 1,
        "crew": [{"number": 1, "status": "located"}],
        "positions": [
            {
                "lat": lat,
                "lon": lon,
                "time": T0,
                "source": "beacon_encoded",
                "uncertainty_m": uncertainty,
            }
        ],
        **extra,
    }
    if measures is not None:
        fields["requested_measures"] = measures
    return parse_notice(_envelope("downed_pilot", **fields))


class Feed:
    """One side's feed: entries with real indices and leaf hashes."""

    def __init__(self, side: str) -> None:
        self.side = side
        self.origin = f"{side}.hotline.example"
        self.items: list[FeedItem] = []

    def add(self, notice: Notice) -> FeedItem:
        prev = self.items[-1].leaf_hash if self.items else b""
        entry = encode_entry(self.origin, len(self.items), prev, notice)
        item = FeedItem(self.side, len(self.items), entry.leaf_hash, notice)
        self.items.append(item)
        return item

    def ref(self, item: FeedItem) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "index": item.index,
            "leaf_hash": base64.b64encode(item.leaf_hash).decode(),
        }

    def cancel(self, item: FeedItem) -> FeedItem:
        notice = parse_notice(
            _envelope("cancel", ref=self.ref(item), reason="operation_called_off")
        )
        return self.add(notice)

    def supersede(self, item: FeedItem, notice: Notice) -> FeedItem:
        data = notice.model_dump(mode="json", exclude_none=True)
        data["supersedes"] = self.ref(item)
        return self.add(parse_notice(data))
