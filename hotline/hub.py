"""Who gets which event, with the positions after it.

The hub hands each published event to every subscription whose filter takes it, stamped with
the :class:`Cursor` after it (feed sizes and delivered sizes per side). Publishing never blocks:
a subscription has a bounded queue, and one that overflows is dropped with the reason
``slow_consumer`` (its client reconnects with its cursor and is replayed what it missed).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .events import AppendedEvent, DeliveredEvent, Event, encode_event


class Published(NamedTuple):
    """An event as a subscriber gets it: with the cursor after it."""

    event: Event
    cursor: str

    def as_dict(self) -> dict[str, Any]:
        return encode_event(self.event, self.cursor)


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
    queue: asyncio.Queue[Published]
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

    def publish(self, event: Event) -> None:
        """Hand the event to every subscriber that takes it, with the cursor after it (made
        only when some subscriber takes the event)."""
        if isinstance(event, AppendedEvent):
            self._sizes[event.side] = event.index + 1
        elif isinstance(event, DeliveredEvent):
            self._delivered[event.side] = max(self._delivered[event.side], event.size)
        published: Published | None = None
        for sub in list(self._subs):
            if not sub.accept(event):
                continue
            if published is None:
                published = Published(event, self.cursor().encode())
            try:
                sub.queue.put_nowait(published)
            except asyncio.QueueFull:
                sub.closed = "slow_consumer"
                self._subs.discard(sub)
                self.dropped += 1
            sub.wakeup.set()
