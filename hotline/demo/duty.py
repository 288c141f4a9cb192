"""One side's simulated duty officer: watches the own node's stream for the other side's notices
and acknowledges each one that needs it, after a human-like pause (shorter for FLASH).

It reads the notice's state just before answering, as a person would glance at the board: a
notice already acknowledged (say, by someone at the console), cancelled or superseded in the
meantime is left alone. Every ack carries an idempotency key, so answering twice is harmless.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Any

import httpx

from .actions import ActionLog, describe
from .client import Event, NodeClient
from .errors import RefusedError
from .scenario import utc_hhmm

ACK_KINDS = frozenset({"planned_operation", "aircraft_in_distress", "downed_pilot", "cancel"})
UNABLE_REASONS = (
    "Conflicts with our tanker track until {end}; propose a block above FL300.",
    "Our live firing in the area until {end}; propose a start one hour later.",
    "Cannot clear the area before {start}: recovering aircraft low on fuel.",
)
EMERGENCY_REMARKS = (
    "Keeping clear; our SAR assets on standby.",
    "Traffic held clear of the area; guard monitored.",
    None,
)


@dataclass(frozen=True)
class Delays:
    """Seconds before answering: (low, mode, high) of a triangular distribution."""

    flash: tuple[float, float, float] = (1.0, 1.5, 3.0)
    other: tuple[float, float, float] = (2.5, 4.5, 12.0)


def needs_ack(notice: dict[str, Any]) -> bool:
    return notice["kind"] in ACK_KINDS or "supersedes" in notice


class DutyOfficer:
    def __init__(
        self,
        side: str,
        peer: str,
        client: NodeClient,
        rng: random.Random,
        log: ActionLog,
        delays: Delays = Delays(),
    ) -> None:
        self.side = side
        self.peer = peer
        self.client = client
        self.rng = rng
        self.log = log
        self.delays = delays
        self.acked = 0
        self._seen: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        """Follow the stream until cancelled; answers in progress are cancelled with it."""
        try:
            await self.client.follow({"side": self.peer}, self.on_event)
        finally:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def on_event(self, event: Event) -> None:
        if event.get("type") != "appended" or event.get("side") != self.peer:
            return
        index: int = event["index"]
        notice: dict[str, Any] = event["notice"]
        if index in self._seen or not needs_ack(notice):
            return
        self._seen.add(index)
        if event.get("precedence") == "FLASH":
            self.log(self.side, "FLASH in", f"{self.peer}#{index:<4} {describe(notice)}")
        task = asyncio.create_task(self._answer(index, notice))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def decide(self, notice: dict[str, Any]) -> tuple[str, str | None, str | None]:
        """(response, reason, remark) for a notice, as a busy but cooperative officer would."""
        rng, kind = self.rng, notice["kind"]
        if kind == "cancel":
            return "ROGER", None, None
        if kind in ("aircraft_in_distress", "downed_pilot"):
            return rng.choices(("WILCO", "ROGER"), (85, 15))[0], None, rng.choice(EMERGENCY_REMARKS)
        if "supersedes" in notice:
            return rng.choices(("WILCO", "ROGER"), (80, 20))[0], None, None
        response = rng.choices(("WILCO", "ROGER", "UNABLE"), (70, 18, 12))[0]
        if response != "UNABLE":
            return response, None, None
        window = notice["window"]
        reason = rng.choice(UNABLE_REASONS).format(
            start=utc_hhmm(window["start"]), end=utc_hhmm(window["end"])
        )
        return response, reason, "Please call on the hotline to deconflict."

    async def _answer(self, index: int, notice: dict[str, Any]) -> None:
        low, mode, high = (
            self.delays.flash if notice.get("precedence") == "FLASH" else self.delays.other
        )
        delay = self.rng.triangular(low, high, mode)
        response, reason, remark = self.decide(notice)
        await asyncio.sleep(delay)
        try:
            state = (await self.client.notice(self.peer, index))["state"]
            if state["acknowledged"] is not None:
                by = state["acknowledged"]["by"]
                self.log(self.side, "seen", f"{self.peer}#{index:<4} already acknowledged by {by}")
                return
            if state["cancelled_by"] is not None or state["superseded_by"] is not None:
                return  # withdrawn or replaced meanwhile: the newer entry is answered instead
            ack = await self.client.ack(self.peer, index, response, reason=reason, remark=remark)
        except (RefusedError, httpx.HTTPError) as exc:
            self.log(self.side, "ack failed", f"{self.peer}#{index:<4} {exc}")
            return
        self.acked += 1
        said = f"{response}" + (f" ({reason})" if reason else "")
        self.log(
            self.side,
            "acked",
            f"{self.peer}#{index:<4} {said} after {delay:.1f}s as {self.side}#{ack['index']}",
        )
