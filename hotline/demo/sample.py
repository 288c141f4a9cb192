"""The sample notice every demo starts with: alpha's planned operation, for bravo to answer."""

from __future__ import annotations

from typing import Any

HOUR_MS = 3_600_000


def sample_operation(now_ms: int) -> dict[str, Any]:
    """A realistic planned operation: a patrol box and a tanker corridor, starting in an hour."""
    return {
        "kind": "planned_operation",
        "precedence": "PRIORITY",
        "status": "exercise",
        "expires": now_ms + 9 * HOUR_MS,
        "operation_ref": "A-DEMO-0042",
        "activity": "air_patrol",
        "areas": [
            {
                "shape": "polygon",
                "points": [
                    {"lat": 47.5, "lon": -31.25},
                    {"lat": 47.5, "lon": -29.75},
                    {"lat": 46.75, "lon": -29.75},
                    {"lat": 46.75, "lon": -31.25},
                    {"lat": 47.5, "lon": -31.25},
                ],
            },
            {
                "shape": "corridor",
                "centreline": [
                    {"lat": 46.75, "lon": -30.5},
                    {"lat": 45.9, "lon": -30.1},
                    {"lat": 45.2, "lon": -28.85},
                ],
                "half_width": {"value": 5, "unit": "NM"},
            },
        ],
        "vertical_block": {
            "lower": {"value": 5000, "unit": "ft", "reference": "AMSL"},
            "upper": {"value": 280, "unit": "FL", "reference": "STD"},
        },
        "window": {"start": now_ms + HOUR_MS, "end": now_ms + 7 * HOUR_MS},
        "callsigns": ["VIPER 11", "VIPER 12", "TEXACO 41"],
        "aircraft_count": 3,
        "aircraft_type": "F16",
        "air_to_air_frequency_mhz": 251.75,
        "point_of_contact": {
            "role": "CAOC-A airspace control duty officer",
            "frequency_mhz": 243.0,
        },
        "remarks": "Tanker track in the corridor; fighters inside the polygon.",
    }
