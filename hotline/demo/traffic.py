"""The traffic generator: per side a planner posting notices and a duty officer answering the
other side's, all over loopback with the nodes' public APIs (REST and the ``/v1/stream``
WebSocket), as two headquarters' operators would use them.

``rate`` is new notices per minute from both sides together (the acks come on top); ``seed``
fixes every random choice (what is posted, in which order, which answers and pauses; the times
in the notices follow the clock).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from .actions import ActionLog
from .client import NodeClient
from .duty import Delays, DutyOfficer
from .planner import Planner
from .profiles import PROFILES


@dataclass(frozen=True)
class TrafficSide:
    """One side's node and the tokens of its two simulated operators."""

    side: str
    peer: str
    url: str
    planner_token: str
    duty_token: str


@dataclass(frozen=True)
class TrafficConfig:
    rate: float = 12.0  # new notices per minute, both sides together
    seed: int = 0
    delays: Delays = field(default_factory=Delays)


@dataclass
class TrafficStats:
    posted: int = 0
    acked: int = 0


class Traffic:
    def __init__(self, sides: Sequence[TrafficSide], config: TrafficConfig, log: ActionLog) -> None:
        if config.rate <= 0:
            raise ValueError("the rate must be positive")
        self.sides = list(sides)
        self.config = config
        self.log = log
        self.planners: list[Planner] = []
        self.officers: list[DutyOfficer] = []

    def stats(self) -> TrafficStats:
        return TrafficStats(
            posted=sum(p.posted for p in self.planners),
            acked=sum(o.acked for o in self.officers),
        )

    async def run(self, stop: asyncio.Event) -> TrafficStats:
        """Generate traffic until ``stop`` is set; an actor's unexpected failure is raised."""
        rng = random.Random(self.config.seed)
        interval = 60.0 * len(self.sides) / self.config.rate  # seconds between one side's steps
        clients: list[NodeClient] = []
        for s in self.sides:
            planner_client = NodeClient(s.url, s.planner_token)
            duty_client = NodeClient(s.url, s.duty_token)
            clients += [planner_client, duty_client]
            self.planners.append(
                Planner(
                    PROFILES[s.side],
                    planner_client,
                    random.Random(rng.getrandbits(64)),
                    interval,
                    self.log,
                )
            )
            self.officers.append(
                DutyOfficer(
                    s.side,
                    s.peer,
                    duty_client,
                    random.Random(rng.getrandbits(64)),
                    self.log,
                    self.config.delays,
                )
            )
        actors = [asyncio.create_task(o.run(), name=f"duty-{o.side}") for o in self.officers]
        actors += [
            asyncio.create_task(p.run(), name=f"planner-{p.profile.side}") for p in self.planners
        ]
        stopped = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait([*actors, stopped], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in [*actors, stopped]:
                task.cancel()
            results = await asyncio.gather(*actors, stopped, return_exceptions=True)
            for client in clients:
                await client.aclose()
        for result in results:
            if isinstance(result, Exception):  # a cancelled actor's CancelledError is not one
                raise result
        return self.stats()
