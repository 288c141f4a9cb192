"""Realistic notice bodies for one demo side: planned operations, their updates, liaison.

Every body is what an operator would post to ``POST /v1/notices``: no ``id``, ``time`` or
``author`` (the node fills them) and ``status: exercise``, so nothing the demo says can be taken
for a real notice. All randomness comes from the ``random.Random`` passed in, so a seed gives
the same sequence of choices.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from . import region as r
from .profiles import Flight, SideProfile

HOUR_MS = 3_600_000
ENVELOPE = ("id", "time", "author", "supersedes")  # what a re-post leaves to the node or resets

REMARKS = {
    "air_patrol": "Fighters stay inside the box; recovery to the east at the end of the window.",
    "tanker": "Tanker on the track at the lower level; receivers join from the south.",
    "isr": "Orbit at the upper part of the block; no descent below it.",
    "uav": "Remotely piloted; lost-link procedure is an orbit at the centre of the area.",
    "transit": "Transit in trail, 2 NM spacing.",
    "live_fire": "Air-to-surface gunnery at sea; surface vessels are kept clear by the range.",
}
LIAISON = (
    "Daily line check at {hh}00Z. Please confirm your duty officer for the next 24 hours.",
    "Radio check on the backup frequency {freq} MHz at {hh}30Z, please.",
    "Weather: icing above FL180 in the northern part of the area until {hh}00Z.",
    "Our duty officer changes at {hh}00Z; the hotline stays manned throughout.",
    "Please confirm you hold our operations schedule for today up to {last}.",
    "Thank you for the quick acknowledgements this morning.",
    "Request a short call at {hh}15Z to review the tanker tracks for tomorrow.",
    "Reminder: exercise notices only on this line until {hh}00Z.",
)
UPDATES = (
    ("delay", "Window moved {minutes} min later."),
    ("extend", "Window extended by {minutes} min."),
    ("raise", "Block raised by {levels} flight levels."),
    ("shrink", "Fewer aircraft: {count}."),
)


def utc_hhmm(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%H%MZ")


class Scenario:
    """Builds one side's notices; remembers the operation references it handed out."""

    def __init__(self, profile: SideProfile, rng: random.Random) -> None:
        self.profile = profile
        self.rng = rng
        self._next_ref = rng.randint(100, 800)
        self.last_ref = ""

    def operation(self, now_ms: int) -> dict[str, Any]:
        """A planned operation of one of the side's flights, starting within hours."""
        rng, p = self.rng, self.profile
        flight = rng.choice(p.flights)
        count = rng.randint(*flight.count)
        stem = rng.choice(flight.callsigns)
        first = rng.randrange(10, 90, 10) + 1
        window = r.window(rng, now_ms, lead_h=3.0, length_h=4.0)
        self._next_ref += rng.randint(1, 4)
        self.last_ref = f"{p.letter}-{self._next_ref:04d}"
        body: dict[str, Any] = {
            "kind": "planned_operation",
            "precedence": flight.precedence,
            "status": "exercise",
            "expires": window["end"] + HOUR_MS,
            "operation_ref": self.last_ref,
            "activity": flight.activity,
            "areas": [self._area(shape) for shape in self._shapes(flight)],
            "vertical_block": self._block(flight),
            "window": window,
            "callsigns": [f"{stem} {first + i}" for i in range(count)],
            "aircraft_count": count,
            "aircraft_type": flight.aircraft_type,
            "air_to_air_frequency_mhz": rng.choice((233.8, 251.75, 264.3, 282.8, 305.5, 317.2)),
            "point_of_contact": {"role": p.desk, "frequency_mhz": p.frequency_mhz},
        }
        if rng.random() < 0.6:
            body["remarks"] = REMARKS[flight.activity]
        return body

    def _shapes(self, flight: Flight) -> list[str]:
        shapes = [self.rng.choice(flight.shapes)]
        if flight.activity == "air_patrol" and self.rng.random() < 0.3:
            shapes.append("corridor")  # an entry lane to the patrol box
        return shapes

    def _area(self, shape: str) -> dict[str, Any]:
        build = {"polygon": r.polygon, "circle": r.circle, "corridor": r.corridor}[shape]
        area: dict[str, Any] = build(self.rng, r.SHARED_AREA)
        return area

    def _block(self, flight: Flight) -> dict[str, Any]:
        if flight.lower is None:
            upper = self.rng.randrange(flight.depth[0], flight.depth[1] + 1, 10)
            return {"lower": r.SURFACE, "upper": r.flight_level(upper)}
        return r.fl_block(self.rng, flight.lower, flight.depth)

    def update(self, previous: dict[str, Any], ref: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """An update of ``previous`` (a notice as the node returned it) superseding ``ref``;
        the body and what changed, in words."""
        rng = self.rng
        body = {k: v for k, v in previous.items() if k not in ENVELOPE}
        body["supersedes"] = ref
        change, text = rng.choice(UPDATES)
        minutes = rng.choice((15, 30, 45, 60))
        window = dict(body["window"])
        if change == "delay":
            window = {k: v + minutes * 60_000 for k, v in window.items()}
        elif change == "extend":
            window["end"] += minutes * 60_000
        elif change == "raise" and body["vertical_block"]["lower"]["unit"] == "FL":
            levels = rng.choice((10, 20, 30))
            block = body["vertical_block"]
            body["vertical_block"] = {
                edge: {**block[edge], "value": block[edge]["value"] + levels}
                for edge in ("lower", "upper")
            }
            text = text.format(levels=levels)
        elif change == "shrink" and len(body.get("callsigns", ())) > 1:
            body["callsigns"] = body["callsigns"][:-1]
            body["aircraft_count"] = len(body["callsigns"])
            text = text.format(count=body["aircraft_count"])
        else:  # nothing to raise or shrink: delay instead
            change, text = UPDATES[0]
            window = {k: v + minutes * 60_000 for k, v in window.items()}
        body["window"] = window
        body["expires"] = window["end"] + HOUR_MS
        remark = text.format(minutes=minutes) if "{minutes}" in text else text
        body["remarks"] = f"Update: {remark}"
        return body, remark

    def liaison(self, now_ms: int, last_window_end: int | None = None) -> dict[str, Any]:
        hour = datetime.fromtimestamp(now_ms / 1000 + 3600 * self.rng.randint(1, 3), UTC).hour
        text = self.rng.choice(LIAISON).format(
            hh=f"{hour:02d}",
            freq=self.profile.frequency_mhz,
            last=utc_hhmm(last_window_end or now_ms + 6 * HOUR_MS),
        )
        return {
            "kind": "liaison",
            "status": "exercise",
            "text": text,
            "language": self.profile.language,
        }


def cancel_reason(rng: random.Random, notice: dict[str, Any], now_ms: int) -> tuple[str, str]:
    """Why an operation is cancelled, with a remark: complete once its window began, else
    called off."""
    if notice["window"]["start"] <= now_ms:
        return "operation_complete", "All aircraft clear of the area."
    remark = rng.choice(
        (
            "Weather below limits at the recovery base.",
            "Tasking withdrawn by the planning cell.",
            "Aircraft unserviceable; no replacement available.",
        )
    )
    return "operation_called_off", remark
