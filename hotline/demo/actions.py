"""The traffic generator's one-line log: what each simulated operator did, as it happens.

14:03:12Z  alpha  posted     alpha#4  planned_operation A-0312 air_patrol FL200-FL320 ...
14:03:17Z  bravo  acked      alpha#4  WILCO after 4.6s
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from typing import Any, TextIO

from .scenario import utc_hhmm


def _level(limit: dict[str, Any]) -> str:
    if limit["reference"] == "SFC":
        return "SFC"
    if limit["unit"] == "FL":
        return f"FL{limit['value']:03d}"
    return f"{limit['value']}{limit['unit']}"


def _block(block: dict[str, Any]) -> str:
    return f"{_level(block['lower'])}-{_level(block['upper'])}"


def describe(notice: dict[str, Any]) -> str:
    """A notice in a few words: kind and the fields an operator glances at."""
    kind = notice["kind"]
    if kind == "planned_operation":
        window = notice["window"]
        shapes = "+".join(a["shape"] for a in notice["areas"])
        calls = ", ".join(notice.get("callsigns", ()))
        return (
            f"planned_operation {notice['operation_ref']} {notice['activity']} {shapes} "
            f"{_block(notice['vertical_block'])} {utc_hhmm(window['start'])}-"
            f"{utc_hhmm(window['end'])} {calls}"
        )
    if kind == "aircraft_in_distress":
        pos = notice["last_position"]
        return (
            f"aircraft_in_distress {notice['aircraft']['callsign']} {notice['phase']} "
            f"{'+'.join(notice['nature'])} at {pos['lat']:.2f},{pos['lon']:.2f}"
        )
    if kind == "downed_pilot":
        pos = notice["positions"][-1]
        return (
            f"downed_pilot {notice['aircraft_callsign']} crew {notice['crew_count']} "
            f"at {pos['lat']:.3f},{pos['lon']:.3f}"
        )
    if kind == "liaison":
        text: str = notice["text"]
        return f"liaison {text[:90]!r}" + ("..." if len(text) > 90 else "")
    if kind == "cancel":
        return f"cancel #{notice['ref']['index']} {notice['reason']}"
    if kind == "ack":
        return f"ack #{notice['ref']['index']} {notice['response']}"
    return str(kind)


class ActionLog:
    """Prints one line per action to ``out`` (stdout by default), flushed at once."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out
        self.lines = 0

    def __call__(self, side: str, action: str, what: str) -> None:
        stamp = datetime.fromtimestamp(time.time(), UTC).strftime("%H:%M:%SZ")
        out = self.out or sys.stdout
        print(f"{stamp}  {side:<6} {action:<10} {what}", file=out, flush=True)
        self.lines += 1

    def entry(self, side: str, action: str, entry: dict[str, Any], extra: str = "") -> None:
        """Log a posted entry: ``side#index``, its precedence, what it says."""
        notice = entry["notice"]
        what = f"{entry['side']}#{entry['index']:<4} {describe(notice)}"
        if notice.get("precedence", "ROUTINE") != "ROUTINE":
            what += f" [{notice['precedence']}]"
        self(side, action, what + (f" ({extra})" if extra else ""))
