"""Faults on the line, two real nodes on SQLite and on Redis: SIGKILL of alpha, SIGKILL of
bravo, a cut link (a proxy drops every connection and refuses new ones for a while) — each in the
middle of a stream of posts. Afterwards both nodes catch up: every notice that got a 201 is in
both copies of the feed once, at its index; the copies are the same bytes; both feeds verify;
and every checkpoint bravo cosigned verifies with bravo's witness key and is consistent with the
one before."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import pytest

from tests.helpers.feed_checks import caught_up, check_cosignatures, check_feeds, wait
from tests.helpers.peer_pair import Pair, Side

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CLIENTS = 6


@dataclass
class Posted:
    acked: dict[str, int] = field(default_factory=dict)  # notice id -> index from the 201
    unknown: set[str] = field(default_factory=set)  # sent; the answer was lost in a crash
    refused: list[str] = field(default_factory=list)


async def post_until(side: Side, posted: Posted, stop: asyncio.Event, client_no: int) -> None:
    """Post liaison notices until ``stop`` is set or the node goes away."""
    async with httpx.AsyncClient(base_url=side.url, headers=side.headers(), timeout=10.0) as client:
        n = 0
        while not stop.is_set():
            notice_id = str(uuid.uuid4())
            body = {
                "id": notice_id,
                "kind": "liaison",
                "status": "exercise",
                "language": "en",
                "text": f"{side.name} client {client_no} notice {n}",
            }
            n += 1
            try:
                r = await client.post("/v1/notices", json=body)
            except httpx.HTTPError:
                posted.unknown.add(notice_id)
                return
            if r.status_code != 201:
                posted.refused.append(f"{r.status_code} {r.text}")
                return
            posted.acked[notice_id] = r.json()["index"]


class Load:
    """Posters at one node: start them, wait for a number of 201s, stop them."""

    def __init__(self, side: Side) -> None:
        self.side = side
        self.posted = Posted()
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> Load:
        self._stop.clear()
        self._tasks += [
            asyncio.create_task(post_until(self.side, self.posted, self._stop, i))
            for i in range(CLIENTS)
        ]
        return self

    async def until(self, acked: int, timeout: float = 60.0) -> None:
        async with asyncio.timeout(timeout):
            while len(self.posted.acked) < acked:
                assert not all(t.done() for t in self._tasks), "every poster stopped"
                await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)
        self._tasks.clear()


async def held_at(side: Side, feed: str) -> int:
    sizes = await asyncio.to_thread(side.sizes)
    return sizes.get(feed, 0)


async def mid_stream(load: Load, receiver: Side, feed: str) -> None:
    """Wait until the receiver holds some of the feed and the posters are well under way."""
    async with asyncio.timeout(60):
        while await held_at(receiver, feed) < 50 or len(load.posted.acked) < 200:
            await asyncio.sleep(0.02)


def check_all(pair: Pair, *loads: Load) -> None:
    wait(lambda: caught_up(pair), "both nodes caught up", timeout=90)
    feeds = check_feeds(pair)
    for load in loads:
        posted = load.posted
        assert posted.refused == []
        ids = [str(e.notice.id) for e in feeds[load.side.name]]
        for notice_id, index in posted.acked.items():
            assert ids[index] == notice_id, f"acknowledged notice {notice_id} not at {index}"
        known = set(posted.acked) | posted.unknown
        assert all(i in known for i in ids if i.count("-") == 4), "an entry nobody posted"
    cosigned = check_cosignatures(pair.alpha, pair.bravo, feeds["alpha"])
    assert cosigned >= 2
    if feeds["bravo"]:
        check_cosignatures(pair.bravo, pair.alpha, feeds["bravo"])
    for side in (pair.alpha, pair.bravo):
        assert side.evidence() == [], f"{side.name} refused something"


async def test_sigkill_alpha_mid_stream(pairs: Callable[..., Pair]) -> None:
    pair = pairs()
    load = Load(pair.alpha).start()
    await mid_stream(load, pair.bravo, "alpha")
    await asyncio.to_thread(pair.alpha.process.kill)
    await load.stop()
    assert load.posted.unknown, "the crash should have cut some posts short"

    await asyncio.to_thread(pair.alpha.process.start)
    load.start()
    await load.until(len(load.posted.acked) + 200)
    await load.stop()
    await asyncio.to_thread(check_all, pair, load)


async def test_sigkill_bravo_mid_stream(pairs: Callable[..., Pair]) -> None:
    pair = pairs()
    a_load, b_load = Load(pair.alpha).start(), Load(pair.bravo).start()
    await mid_stream(a_load, pair.bravo, "alpha")
    await asyncio.to_thread(pair.bravo.process.kill)
    await b_load.stop()
    held = pair.alpha.sizes()["alpha"]
    await a_load.until(len(a_load.posted.acked) + 300)  # alpha goes on while bravo is down
    await asyncio.to_thread(pair.bravo.process.start)
    assert pair.bravo.sizes()["alpha"] < held + 300
    await a_load.until(len(a_load.posted.acked) + 200)
    await a_load.stop()
    await asyncio.to_thread(check_all, pair, a_load, b_load)


async def test_cut_link_mid_stream(pairs: Callable[..., Pair]) -> None:
    pair = pairs(proxy=True)
    proxy = pair.proxy
    assert proxy is not None
    a_load, b_load = Load(pair.alpha).start(), Load(pair.bravo).start()
    for _ in range(2):  # cut twice, while both sides post
        await mid_stream(a_load, pair.bravo, "alpha")
        await asyncio.to_thread(proxy.cut)
        await asyncio.to_thread(
            wait,
            lambda: not pair.alpha.link()["connected"] and not pair.bravo.link()["connected"],
            "both ends see the link down",
        )
        held = await held_at(pair.bravo, "alpha")
        await a_load.until(len(a_load.posted.acked) + 200)
        await b_load.until(len(b_load.posted.acked) + 100)
        assert await held_at(pair.bravo, "alpha") == held  # nothing crosses a cut link
        await asyncio.to_thread(proxy.restore)
        await asyncio.to_thread(
            wait, lambda: pair.alpha.link()["connected"], "the link is back", 30
        )
    await a_load.stop()
    await b_load.stop()
    await asyncio.to_thread(check_all, pair, a_load, b_load)
    assert pair.alpha.link()["connects"] >= 3
