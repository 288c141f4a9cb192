"""An emergency as the demo plays it: an aircraft in distress, then sometimes a downed pilot.

The aircraft is one of the side's crewed flights, preferably one that side announced (its
callsign and last position inside that operation's first area). Follow-up notices refer back:
the downed pilot names the distress entry (``distress_ref``), survivors drift from the last
position, and the rescue asks for a SAR corridor and a hold-fire circle around them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from . import region as r
from .profiles import SideProfile
from .scenario import ENVELOPE

MINUTE_MS = 60_000
NATURES = (("engine",), ("engine", "fuel"), ("fire",), ("control",), ("fuel",), ("medical",))
PHASES = ("ALERFA", "DETRESFA", "DETRESFA")
ALPHABET = ("ALPHA", "BRAVO", "DELTA", "ECHO", "KILO", "LIMA", "SIERRA", "TANGO")


@dataclass
class Emergency:
    """One side's emergency in progress: the entries posted so far, and what it is about."""

    callsign: str
    aircraft_type: str
    crew: int
    lat: float
    lon: float
    distress: dict[str, Any]  # the entry (side, origin, index, leaf_hash, notice)
    downed: dict[str, Any] | None = None  # the downed pilot entry, once posted
    updates: int = 0  # updates posted (escalation, new fixes)
    steps: int = 0  # the planner's steps since the last stage


def reference(entry: dict[str, Any]) -> dict[str, Any]:
    """The ``Reference`` to an entry as the node returned it."""
    return {"origin": entry["origin"], "index": entry["index"], "leaf_hash": entry["leaf_hash"]}


def centre_of(area: dict[str, Any]) -> tuple[float, float]:
    if area["shape"] == "circle":
        return area["centre"]["lat"], area["centre"]["lon"]
    points = area["points"] if area["shape"] == "polygon" else area["centreline"]
    return (
        sum(p["lat"] for p in points) / len(points),
        sum(p["lon"] for p in points) / len(points),
    )


def distress(
    rng: random.Random,
    profile: SideProfile,
    now_ms: int,
    operation: dict[str, Any] | None,
) -> tuple[dict[str, Any], str, str, int]:
    """A distress body; also its callsign, aircraft type and crew count. ``operation`` is an
    announced planned operation of a crewed flight, if the side has one."""
    flight = rng.choice(profile.crewed())
    if operation is not None and operation.get("callsigns"):
        callsign = rng.choice(operation["callsigns"])
        aircraft_type = operation.get("aircraft_type", flight.aircraft_type)
        crew = next(
            (f.crew for f in profile.flights if f.aircraft_type == aircraft_type), flight.crew
        )
        lat, lon = centre_of(operation["areas"][0])
    else:
        callsign = f"{rng.choice(flight.callsigns)} {rng.randrange(10, 90, 10) + 1}"
        aircraft_type, crew = flight.aircraft_type, flight.crew
        lat, lon = r.SHARED_AREA.point(rng)
    lat, lon = r.offset(lat, lon, rng.uniform(0, 360), rng.uniform(0, 15))
    crew = max(crew, 1)
    body = {
        "kind": "aircraft_in_distress",
        "precedence": "FLASH",
        "status": "exercise",
        "phase": rng.choice(PHASES),
        "nature": list(rng.choice(NATURES)),
        "aircraft": {
            "callsign": callsign,
            "type": aircraft_type,
            "nationality": profile.nation,
            "transponder_code": "7700",
            "icao_address": f"{rng.randrange(0x100000, 0xFFFFFF):06X}",
        },
        "last_position": {
            **r.position(lat, lon),
            "time": now_ms - rng.randint(1, 4) * MINUTE_MS,
            "source": rng.choice(("radar", "gnss")),
            "uncertainty_m": rng.choice((500, 1000, 1500, 3000)),
            "altitude": r.flight_level(rng.randrange(60, 250, 10)),
            "heading_deg": rng.randrange(0, 360),
            "ground_speed_kt": rng.randrange(220, 420, 10),
        },
        "persons_on_board": crew,
        "endurance_minutes": rng.randint(8, 40),
        "intentions": [rng.choice(("divert", "ejection_likely", "ditching"))],
        "assistance_requested": ["keep_clear", "sar"],
        "last_contact": {
            "unit": profile.unit.split()[0],
            "frequency_mhz": profile.frequency_mhz,
            "time": now_ms - MINUTE_MS,
        },
        "actions_taken": ["sar_alerted", "guard_monitored"],
    }
    return body, callsign, aircraft_type, crew


def downed_pilot(
    rng: random.Random, profile: SideProfile, emergency: Emergency, now_ms: int
) -> dict[str, Any]:
    """The crew of the emergency's aircraft are down near its last position."""
    lat, lon = r.offset(emergency.lat, emergency.lon, rng.uniform(0, 360), rng.uniform(1, 6))
    emergency.lat, emergency.lon = lat, lon
    crew = [
        {"number": n, "status": rng.choice(("ejected", "parachute_seen", "in_contact"))}
        for n in range(1, emergency.crew + 1)
    ]
    base_lat, base_lon = r.offset(lat, lon, rng.uniform(0, 360), rng.uniform(40, 70))
    until = now_ms + 4 * 60 * MINUTE_MS
    return {
        "kind": "downed_pilot",
        "precedence": "FLASH",
        "status": "exercise",
        "distress_ref": reference(emergency.distress),
        "aircraft_callsign": emergency.callsign,
        "crew_count": emergency.crew,
        "crew": crew,
        "positions": [
            {
                **r.position(lat, lon),
                "time": now_ms - MINUTE_MS,
                "source": "beacon_encoded",
                "uncertainty_m": rng.choice((100, 250, 500)),
            }
        ],
        "beacon_id": "".join(rng.choice("0123456789ABCDEF") for _ in range(15)),
        "survival_frequencies_mhz": [243.0, 282.8],
        "listening_windows": [
            {"start": now_ms + k * 30 * MINUTE_MS, "end": now_ms + (k * 30 + 5) * MINUTE_MS}
            for k in (1, 2, 3)
        ],
        "hazards": ["water", *(["weather"] if rng.random() < 0.5 else [])],
        "requested_measures": {
            "sar_corridor": {
                "area": {
                    "shape": "corridor",
                    "centreline": [r.position(base_lat, base_lon), r.position(lat, lon)],
                    "half_width": {"value": 3, "unit": "NM"},
                },
                "vertical_block": {"lower": r.SURFACE, "upper": r.feet_amsl(10000)},
                "window": {"start": now_ms, "end": until},
            },
            "hold_fire": {
                "centre": r.position(lat, lon),
                "radius": {"value": 10, "unit": "NM"},
                "window": {"start": now_ms, "end": until},
            },
        },
        "authentication_ref": f"AUTH-SET-{rng.choice(ALPHABET)}",
        "point_of_contact": {"role": f"{profile.jprc} duty controller", "frequency_mhz": 282.8},
    }


def survivor_update(
    rng: random.Random, previous: dict[str, Any], now_ms: int
) -> tuple[dict[str, Any], str]:
    """A new fix on the survivors; crew now in contact. (body without supersedes, remark)"""
    body = {k: v for k, v in previous.items() if k not in ENVELOPE}
    last = body["positions"][-1]
    lat, lon = r.offset(last["lat"], last["lon"], rng.uniform(0, 360), rng.uniform(0.2, 1.5))
    fix = {**r.position(lat, lon), "time": now_ms, "source": "voice", "uncertainty_m": 100}
    body["positions"] = [*body["positions"], fix][-8:]
    body["crew"] = [
        {**member, "status": "in_contact", "injuries": rng.choice(("ambulatory", "unknown"))}
        for member in body["crew"]
    ]
    return body, "new fix on the survivors, crew in contact"
