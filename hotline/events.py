"""In-process event hub: what the node tells stream subscribers, in order.

Events: ``appended`` (an entry in either feed), ``acknowledged`` (an ack entry refers to a notice),
``delivered`` (the other side cosigned a checkpoint: entries below ``size`` are delivered),
``overdue`` (an acknowledgement deadline passed), ``link`` (peer link state), ``alarm``
(refused input, FLASH from the other side).

Each event carries a ``cursor``: the positions (feed sizes and delivered sizes per side) after it.
A subscriber that reconnects with a cursor gets everything after it replayed from the feeds, so a
slow consumer can be cut off without losing anything. Publishing never blocks: every subscription
has a bounded queue, and one that overflows is closed with the reason ``slow_consumer``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Event = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Cursor:
    """Positions per side: entries seen (feed size) and delivered size seen."""

    sizes: tuple[tuple[str, int], ...]
    delivered: tuple[tuple[str, int], ...]

    def encode(self) -> str:
        parts = [f"{s}:{n}" for s, n in self.sizes] + [f"{s}@{n}" for s, n in self.delivered]
        return ",".join(parts)

    @classmethod
    def decode(cls, text: str, sides: list[str]) -> Cursor:
        """Parse a cursor; ValueError naming the problem."""
        sizes = dict.fromkeys(sides, 0)
        delivered = dict.fromkeys(sides, 0)
        if text:
            for part in text.split(","):
                sep = "@" if "@" in part else ":"
                side, _, num = part.partition(sep)
                target = delivered if sep == "@" else sizes
                if side not in target or not num.isdigit() or len(num) > 18:
                    raise ValueError(f"bad cursor part {part!r}")
                target[side] = int(num)
        return cls(tuple(sizes.items()), tuple(delivered.items()))

    def size(self, side: str) -> int:
        return dict(self.sizes).get(side, 0)

    def delivered_size(self, side: str) -> int:
        return dict(self.delivered).get(side, 0)


@dataclass(eq=False)
class Subscription:
    queue: asyncio.Queue[Event]
    accept: Callable[[Event], bool]
    closed: str | None = None  # the reason, once the hub dropped it
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)


class EventHub:
    def __init__(self, sides: list[str]) -> None:
        self.sides = list(sides)
        self._sizes = dict.fromkeys(sides, 0)
        self._delivered = dict.fromkeys(sides, 0)
        self._subs: set[Subscription] = set()
        self.dropped = 0  # subscriptions closed for being slow

    def cursor(self) -> Cursor:
        return Cursor(tuple(self._sizes.items()), tuple(self._delivered.items()))

    def set_positions(self, sizes: dict[str, int], delivered: dict[str, int]) -> None:
        """Initialise positions from durable state at start."""
        self._sizes.update(sizes)
        self._delivered.update(delivered)

    def subscribe(
        self, maxsize: int, accept: Callable[[Event], bool] | None = None
    ) -> Subscription:
        sub = Subscription(asyncio.Queue(maxsize), accept or (lambda _e: True))
        self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subs.discard(sub)

    @property
    def subscribers(self) -> int:
        return len(self._subs)

    def publish(self, event: Event) -> Event:
        """Hand the event to every subscriber that takes it, stamped with the cursor after it
        (made only when some subscriber takes the event)."""
        etype = event["type"]
        if etype == "appended":
            self._sizes[event["side"]] = event["index"] + 1
        elif etype == "delivered":
            self._delivered[event["side"]] = max(self._delivered[event["side"]], event["size"])
        stamped = False
        for sub in list(self._subs):
            if not sub.accept(event):
                continue
            if not stamped:
                event["cursor"] = self.cursor().encode()
                stamped = True
            try:
                sub.queue.put_nowait(event)
            except asyncio.QueueFull:
                sub.closed = "slow_consumer"
                self._subs.discard(sub)
                self.dropped += 1
            sub.wakeup.set()
        return event
