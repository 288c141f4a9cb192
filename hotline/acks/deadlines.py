"""Acknowledgement deadlines: announce each notice whose deadline passes without an ack.

The watcher wakes once a second, finds notices that became overdue and publishes an ``overdue``
event for each (once per node run; a restarted node announces what is still overdue again).
Peering adds the repeated announcement of FLASH notices to the peer and the optional webhook
through the ``on_overdue`` hooks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from ..feeds.index import NoticeRecord
from ..feeds.views import deadline_ms, is_overdue

if TYPE_CHECKING:
    from ..node import Node

log = logging.getLogger("hotline.acks")
Hook = Callable[[NoticeRecord], Awaitable[None]]


class DeadlineWatcher:
    def __init__(self, node: Node, interval: float = 1.0) -> None:
        self._node = node
        self._interval = interval
        self._announced: set[tuple[str, int]] = set()
        self._repeated: dict[int, int] = {}  # own FLASH index -> last announcement (ms)
        self._task: asyncio.Task[None] | None = None
        self.hooks: list[Hook] = []

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="deadlines")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        while True:
            try:
                await self.check()
            except Exception:
                log.exception("deadline check failed")
            await asyncio.sleep(self._interval)

    async def check(self) -> list[NoticeRecord]:
        """Publish an overdue event for every newly overdue notice, and announce overdue own
        FLASH notices to the peer again every ``deadlines.flash_repeat`` seconds; returns the
        newly overdue."""
        node = self._node
        now = node.clock_ms()
        deadlines = node.settings.deadlines
        overdue = [rec for rec in node.index.iter_all() if is_overdue(rec, deadlines, now)]
        fresh = [rec for rec in overdue if (rec.side, rec.index) not in self._announced]
        self._repeat_flash(overdue, now)
        for rec in fresh:
            self._announced.add((rec.side, rec.index))
            node.hub.publish(
                {
                    "type": "overdue",
                    "side": rec.side,
                    "index": rec.index,
                    "kind": rec.kind,
                    "precedence": rec.precedence,
                    "deadline": deadline_ms(rec, deadlines),
                    "at": now,
                }
            )
            for hook in self.hooks:
                try:
                    await hook(rec)
                except Exception:
                    log.exception("overdue hook failed for %s #%d", rec.side, rec.index)
        return fresh

    def _repeat_flash(self, overdue: list[NoticeRecord], now: int) -> None:
        node = self._node
        link = node.peering.link if node.peering is not None else None
        if link is None:
            return
        every = int(node.settings.deadlines.flash_repeat * 1000)
        for rec in overdue:
            if rec.side != node.own.name or rec.precedence != "FLASH":
                continue
            last = self._repeated.get(rec.index)
            if last is None or now - last >= every:
                self._repeated[rec.index] = now
                link.sender.announce(rec.index)
                node.hub.publish(
                    {
                        "type": "announced",
                        "side": rec.side,
                        "index": rec.index,
                        "at": now,
                    }
                )
