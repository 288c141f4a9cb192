"""Traffic across the thin line: ROUTINE notices posted at one side, FLASH notices timed, and
a watcher at the other side noting when each of the first side's entries shows there."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from ..load import distress_body
from .line import Side


def routine_body(i: int) -> dict[str, Any]:
    """A ROUTINE liaison message of about 200 characters."""
    text = f"Routine report {i:05d}: sector north quiet, tanker track ALPHA active 0800-1200Z."
    return {"kind": "liaison", "status": "exercise", "text": text, "language": "en"}


def flash_body(i: int) -> dict[str, Any]:
    return distress_body(i)


async def post(client: httpx.AsyncClient, body: dict[str, Any]) -> int:
    """Post a notice; its index in the own feed."""
    answer = await client.post("/v1/notices", json=body)
    answer.raise_for_status()
    index: int = answer.json()["index"]
    return index


async def post_many(side: Side, bodies: list[dict[str, Any]], concurrency: int = 8) -> list[int]:
    """Post every body at ``side`` (``concurrency`` at a time); their indexes."""
    room = asyncio.Semaphore(concurrency)
    async with async_client(side) as client:

        async def one(body: dict[str, Any]) -> int:
            async with room:
                return await post(client, body)

        return list(await asyncio.gather(*(one(b) for b in bodies)))


def async_client(side: Side) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=side.url,
        verify=side.verify(),
        timeout=30.0,
        headers={"Authorization": f"Bearer {side.token}"},
    )


class Watcher:
    """Subscribed at ``side`` to the other side's feed: ``seen[index]`` is when each of its
    entries first showed (early FLASH or in order, ``time.perf_counter()``), ``in_order`` the
    indexes appended in order, ``early`` those shown ahead of their place."""

    def __init__(self, side: Side, other: str) -> None:
        self.side = side
        self.other = other
        self.seen: dict[int, float] = {}
        self.in_order: set[int] = set()
        self.early: set[int] = set()  # shown by a ``flash`` event before their place in order
        self.changed = asyncio.Event()
        self._ws: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None

    async def open(self) -> Watcher:
        url = self.side.url.replace("https", "wss", 1) + "/v1/stream"
        self._ws = await connect(
            url,
            ssl=self.side.verify(),
            additional_headers={"Authorization": f"Bearer {self.side.token}"},
            max_size=None,
            proxy=None,
        )
        subscribed = asyncio.Event()
        self._task = asyncio.create_task(self._read(subscribed))
        await self._ws.send(
            json.dumps({"type": "subscribe", "id": "sub", "filters": {"side": self.other}})
        )
        await asyncio.wait_for(subscribed.wait(), 30)
        return self

    async def _read(self, subscribed: asyncio.Event) -> None:
        assert self._ws is not None
        async for text in self._ws:
            at = time.perf_counter()
            msg = json.loads(text)
            if msg.get("type") == "subscribed":
                subscribed.set()
            event = msg.get("event") or {}
            if event.get("side") == self.other and event.get("type") in ("flash", "appended"):
                self.seen.setdefault(event["index"], at)
                if event["type"] == "appended":
                    self.in_order.add(event["index"])
                elif event["index"] not in self.in_order:
                    self.early.add(event["index"])
                self.changed.set()

    async def until(self, done: Any, timeout: float) -> None:
        """Wait until ``done()`` is true (TimeoutError after ``timeout`` seconds)."""

        async def wait() -> None:
            while not done():
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(wait(), timeout)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
