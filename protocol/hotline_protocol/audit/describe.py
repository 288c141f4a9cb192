"""What a notice says, in brief: its main fields for the report's JSON, and a phrase for its text.

Only the fields an inquiry needs to tell notices apart and to read the story are kept: the
operation reference, volume, altitude block and window of a planned operation; the callsign,
phase and last position of an aircraft in distress; the callsign, crew and positions of a downed
pilot; a liaison's text; an ack's or a cancel's reference and reasons. The entry itself, in the
export, holds everything.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..errors import ProtocolError
from ..notices import (
    Ack,
    AircraftInDistress,
    Altitude,
    Cancel,
    DownedPilot,
    Liaison,
    Notice,
    PlannedOperation,
    TimeWindow,
    parse_notice,
)
from ..strictjson import loads_strict

KIND_NAMES = {
    "planned_operation": "planned operation",
    "aircraft_in_distress": "aircraft in distress",
    "downed_pilot": "downed pilot",
    "liaison": "liaison message",
    "ack": "acknowledgement",
    "cancel": "cancel",
}
MAX_TEXT = 160  # characters of a liaison's text in a phrase


def notice_of(raw: bytes) -> Notice | None:
    """The notice in entry bytes, whatever position they claim; None if there is none."""
    try:
        obj = loads_strict(raw)
        return parse_notice(obj["notice"]) if isinstance(obj, dict) else None
    except (ProtocolError, ValueError, KeyError, TypeError, RecursionError):
        return None


def entry_phrase(raw: bytes) -> str:
    """:func:`short` of the notice in entry bytes, or why there is none."""
    notice = notice_of(raw)
    return short(notice) if notice is not None else "an entry without a valid notice"


def fields(notice: Notice) -> dict[str, Any]:
    """The notice's main fields, JSON-ready (times in unix ms)."""
    out: dict[str, Any] = {}
    if isinstance(notice, PlannedOperation):
        out = {
            "operation_ref": notice.operation_ref,
            "activity": str(notice.activity),
            "areas": [str(area.shape) for area in notice.areas],
            "vertical_block": {
                "lower": altitude(notice.vertical_block.lower),
                "upper": altitude(notice.vertical_block.upper),
            },
            "window": {"start": notice.window.start, "end": notice.window.end},
        }
        if notice.callsigns:
            out["callsigns"] = list(notice.callsigns)
    elif isinstance(notice, AircraftInDistress):
        pos = notice.last_position
        out = {
            "callsign": notice.aircraft.callsign,
            "phase": str(notice.phase),
            "nature": [str(n) for n in notice.nature],
            "last_position": {"lat": pos.lat, "lon": pos.lon, "time": pos.time},
        }
    elif isinstance(notice, DownedPilot):
        out = {
            "callsign": notice.aircraft_callsign,
            "crew_count": notice.crew_count,
            "positions": [{"lat": p.lat, "lon": p.lon, "time": p.time} for p in notice.positions],
        }
    elif isinstance(notice, Liaison):
        out = {"text": notice.text, "language": notice.language}
    elif isinstance(notice, Ack):
        out = {"ref": _ref(notice.ref), "response": str(notice.response)}
        out |= {k: v for k, v in (("reason", notice.reason), ("remark", notice.remark)) if v}
    elif isinstance(notice, Cancel):
        out = {"ref": _ref(notice.ref), "reason": str(notice.reason)}
        if notice.remark:
            out["remark"] = notice.remark
    if notice.expires is not None:
        out["expires"] = notice.expires
    return out


def short(notice: Notice) -> str:
    """``a planned operation A-2026-0042``, ``an acknowledgement ROGER of #3``, ..."""
    name = KIND_NAMES.get(str(notice.kind), str(notice.kind))
    article = "an" if name[0] in "aeiou" else "a"
    if isinstance(notice, PlannedOperation):
        return f"{article} {name} {notice.operation_ref}"
    if isinstance(notice, AircraftInDistress):
        return f"{article} {name}, {notice.aircraft.callsign}"
    if isinstance(notice, DownedPilot):
        return f"{article} {name} report, {notice.aircraft_callsign}"
    if isinstance(notice, Ack):
        return f"{article} {name} {notice.response} of #{notice.ref.index}"
    if isinstance(notice, Cancel):
        return f"{article} {name} of #{notice.ref.index}"
    return f"{article} {name}"


def phrase(notice: Notice) -> str:
    """:func:`short` with the main fields in brackets, for the report's sentences."""
    head = short(notice)
    if isinstance(notice, PlannedOperation):
        block = notice.vertical_block
        parts = [
            str(notice.activity),
            f"{_alt(block.lower)} to {_alt(block.upper)}",
            _window(notice.window),
        ]
        if notice.callsigns:
            parts.append(", ".join(notice.callsigns))
        return f"{head} ({'; '.join(parts)})"
    if isinstance(notice, AircraftInDistress):
        pos = notice.last_position
        nature = ", ".join(str(n) for n in notice.nature)
        return f"{head} ({notice.phase}, {nature}; last at {_pos(pos.lat, pos.lon)})"
    if isinstance(notice, DownedPilot):
        first = notice.positions[0]
        return f"{head} ({notice.crew_count} crew; at {_pos(first.lat, first.lon)})"
    if isinstance(notice, Liaison):
        text = " ".join(notice.text.split())
        text = text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
        return f'{head} "{text}"'
    if isinstance(notice, Ack) and notice.reason:
        return f"{head} (reason: {notice.reason})"
    if isinstance(notice, Cancel):
        return f"{head} ({notice.reason})"
    return head


def altitude(alt: Altitude) -> dict[str, Any]:
    return {"value": alt.value, "unit": str(alt.unit), "reference": str(alt.reference)}


def _ref(ref: Any) -> dict[str, Any]:
    return {"origin": ref.origin, "index": ref.index, "leaf_hash": ref.leaf_hash}


def _alt(alt: Altitude) -> str:
    if str(alt.unit) == "FL":
        return f"FL{alt.value:03d}"
    if str(alt.reference) == "SFC":
        return "SFC"
    return f"{alt.value} {alt.unit} {alt.reference}"


def _window(window: TimeWindow) -> str:
    start = datetime.fromtimestamp(window.start / 1000, UTC)
    end = datetime.fromtimestamp(window.end / 1000, UTC)
    same_day = start.date() == end.date()
    return (
        start.strftime("%Y-%m-%d %H:%MZ")
        + " to "
        + end.strftime("%H:%MZ" if same_day else "%Y-%m-%d %H:%MZ")
    )


def _pos(lat: float, lon: float) -> str:
    return f"{abs(lat):.4f}{'N' if lat >= 0 else 'S'} {abs(lon):.4f}{'E' if lon >= 0 else 'W'}"
