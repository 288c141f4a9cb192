"""One side's simulated operator: posts planned operations, updates and cancels them, sends
liaison messages, and now and then plays an emergency (distress, maybe a downed pilot, rescue).

Each step picks one action by weight. An emergency in progress advances one stage when chosen,
at least ``STAGE_STEPS`` steps after the last stage: it unfolds over a few minutes at the
default rate and faster at a higher one. Counting steps rather than seconds keeps a seeded run
making the same choices.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import httpx

from . import emergency as em
from .actions import ActionLog
from .client import NodeClient
from .errors import RefusedError
from .profiles import SideProfile
from .scenario import ENVELOPE, Scenario, cancel_reason

WEIGHTS = {"operation": 45, "liaison": 12, "update": 10, "cancel": 5, "distress": 4, "follow": 40}
MAX_ACTIVE = 12  # operations a side keeps announced; beyond that it cancels or updates
MIN_ACTIVE = 3  # operations a side keeps announced before it cancels one
STAGE_STEPS = 3  # steps at least between two stages of an emergency


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class Planner:
    def __init__(
        self,
        profile: SideProfile,
        client: NodeClient,
        rng: random.Random,
        interval: float,
        log: ActionLog,
    ) -> None:
        self.profile = profile
        self.client = client
        self.rng = rng
        self.interval = interval  # mean seconds between steps
        self.log = log
        self.scenario = Scenario(profile, rng)
        self.active: dict[str, dict[str, Any]] = {}  # operation_ref -> latest entry
        self.emergency: em.Emergency | None = None
        self.posted = 0
        self._action = ""  # of the current step
        self._touching: str | None = None  # the operation an update is about

    async def run(self) -> None:
        """Step forever at about ``interval`` seconds (jittered), until cancelled."""
        await asyncio.sleep(self.rng.uniform(0.2, 1.0) * min(self.interval, 2.0))
        while True:
            try:
                await self.step()
            except RefusedError as exc:
                self.log(self.profile.side, "refused", str(exc))
                self._forget()
            except httpx.HTTPError as exc:
                self.log(self.profile.side, "failed", f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(self.interval * self.rng.uniform(0.5, 1.5))

    def choose(self, now: int) -> str:
        self.active = {
            ref: e for ref, e in self.active.items() if e["notice"]["window"]["end"] > now
        }
        weights = dict(WEIGHTS)
        if not self.active:
            weights["update"] = 0
        if len(self.active) < MIN_ACTIVE:
            weights["cancel"] = 0
        elif len(self.active) >= MAX_ACTIVE:
            weights["operation"] = 0
        if self.emergency is None:
            weights["follow"] = 0
        else:
            weights["distress"] = 0
            self.emergency.steps += 1
            if self.emergency.steps < STAGE_STEPS:
                weights["follow"] = 0
        actions = [a for a, w in weights.items() if w > 0]
        return self.rng.choices(actions, [weights[a] for a in actions])[0]

    async def step(self) -> None:
        now = now_ms()
        action = self._action = self.choose(now)
        self._touching = None
        if action == "operation":
            entry = await self._post(self.scenario.operation(now), "posted")
            self.active[entry["notice"]["operation_ref"]] = entry
        elif action == "liaison":
            ends = [e["notice"]["window"]["end"] for e in self.active.values()]
            await self._post(self.scenario.liaison(now, max(ends, default=None)), "posted")
        elif action == "update":
            ref = self._touching = self.rng.choice(sorted(self.active))
            old = self.active[ref]
            body, change = self.scenario.update(old["notice"], em.reference(old))
            extra = f"supersedes #{old['index']}: {change}"
            self.active[ref] = await self._post(body, "updated", extra)
        elif action == "cancel":
            old = self.active.pop(self.rng.choice(sorted(self.active)))
            reason, remark = cancel_reason(self.rng, old["notice"], now)
            await self._cancel(old, reason, remark)
        elif action == "distress":
            await self._distress(now)
        else:
            await self._follow_up(now)

    def _forget(self) -> None:
        """After a refusal, drop what the failed action was about rather than retry it."""
        if self._touching is not None:
            self.active.pop(self._touching, None)
        if self._action == "follow":
            self.emergency = None

    async def _post(self, body: dict[str, Any], action: str, extra: str = "") -> dict[str, Any]:
        entry = await self.client.post(body)
        self.posted += 1
        self.log.entry(self.profile.side, action, entry, extra)
        return entry

    async def _cancel(self, entry: dict[str, Any], reason: str, remark: str) -> None:
        side = self.profile.side
        cancel = await self.client.cancel(side, entry["index"], reason, remark)
        self.posted += 1
        self.log.entry(side, "cancelled", cancel, remark)

    async def _distress(self, now: int) -> None:
        crewed = {f.aircraft_type for f in self.profile.crewed()}
        flying = [
            e["notice"] for e in self.active.values() if e["notice"].get("aircraft_type") in crewed
        ]
        candidates = [n for n in flying if n["window"]["start"] <= now] or flying
        operation = self.rng.choice(candidates) if candidates else None
        body, callsign, aircraft_type, crew = em.distress(self.rng, self.profile, now, operation)
        entry = await self._post(body, "distress")
        pos = body["last_position"]
        self.emergency = em.Emergency(
            callsign, aircraft_type, crew, pos["lat"], pos["lon"], distress=entry
        )

    async def _follow_up(self, now: int) -> None:
        """Advance the emergency one stage."""
        e = self.emergency
        assert e is not None
        rng = self.rng
        e.steps = 0
        if e.downed is None:
            notice = e.distress["notice"]
            if notice["phase"] != "DETRESFA" and e.updates == 0 and rng.random() < 0.5:
                body = {k: v for k, v in notice.items() if k not in ENVELOPE}
                body.update(phase="DETRESFA", supersedes=em.reference(e.distress))
                e.distress = await self._post(body, "updated", "escalated to DETRESFA")
                e.updates += 1
            elif rng.random() < 0.55:
                e.downed = await self._post(em.downed_pilot(rng, self.profile, e, now), "downed")
                e.updates = 0
            else:
                remark = f"{e.callsign} landed safely at the divert airfield."
                await self._cancel(e.distress, "emergency_resolved", remark)
                self.emergency = None
        elif e.updates < 2 and rng.random() < 0.4:
            body, change = em.survivor_update(rng, e.downed["notice"], now)
            body["supersedes"] = em.reference(e.downed)
            e.downed = await self._post(body, "updated", change)
            e.updates += 1
        else:
            await self._cancel(
                e.downed, "crew_recovered", "Crew picked up by the rescue helicopter."
            )
            await self._cancel(e.distress, "emergency_resolved", f"{e.callsign} crew recovered.")
            self.emergency = None
