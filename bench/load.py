"""Load generation against a running node: WebSocket posting (pipelined, closed or open loop),
REST posting (httpx), and stream subscriptions that timestamp events as they arrive.

Frames are built before the clock starts (one JSON text per notice variant, the message id
spliced in), and what the node sends is parsed with orjson, so the load generator spends its CPU
on sockets rather than on JSON: it shares the machine with the nodes it measures. Times are
``time.perf_counter()`` seconds in this process.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from hotline import gc_tuning
from hotline.wsserver import CoalescingTransport
from hotline_protocol.notices import notice_to_json

from .bench_protocol import sample_notice
from .common import percentiles

T = TypeVar("T")
now = time.perf_counter
# Shortest sleep of an open loop: the event loop's timers have millisecond resolution, and a
# shorter sleep returns at once (the scheduler would spin, taking CPU from the node). Posts that
# fall due meanwhile go together when it wakes; their latency counts from the send.
TICK = 0.001
VARIANTS = 64
NODE_FILLED = ("id", "author", "time")  # the node fills these for an automation client


def operation_bodies(count: int = VARIANTS) -> list[dict[str, Any]]:
    """ROUTINE planned operations of about 1 KB, without the fields the node fills."""
    out = []
    for i in range(count):
        body = notice_to_json(sample_notice(i))
        for key in NODE_FILLED:
            body.pop(key, None)
        out.append(body)
    return out


def liaison_bodies(count: int = VARIANTS) -> list[dict[str, Any]]:
    """ROUTINE liaison messages of about 1 KB (they need no answer), without the fields the
    node fills."""
    text = "Line check, nothing to report. " * 30
    return [
        {"kind": "liaison", "status": "exercise", "language": "en", "text": f"{i} {text}"}
        for i in range(count)
    ]


def distress_body(i: int) -> dict[str, Any]:
    """A FLASH aircraft-in-distress notice (precedence FLASH by kind)."""
    t = time.time_ns() // 1_000_000
    return {
        "kind": "aircraft_in_distress",
        "precedence": "FLASH",
        "status": "exercise",
        "phase": "DETRESFA",
        "nature": ["engine", "fuel"],
        "aircraft": {
            "callsign": f"VIPER {10 + i % 90}",
            "type": "F16",
            "nationality": "XAA",
            "transponder_code": "7700",
        },
        "last_position": {
            "lat": 46.912,
            "lon": -30.418,
            "time": t - 60_000,
            "source": "radar",
            "uncertainty_m": 1500,
            "altitude": {"value": 120, "unit": "FL", "reference": "STD"},
            "heading_deg": 215,
            "ground_speed_kt": 280,
        },
        "persons_on_board": 1,
        "endurance_minutes": 12,
        "intentions": ["ejection_likely"],
        "assistance_requested": ["keep_clear", "sar"],
        "actions_taken": ["sar_alerted", "guard_monitored"],
    }


def encode(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


@dataclass(slots=True)
class Post:
    """One post: when it was due, sent and answered, and the entry index it got."""

    mid: int
    tag: str
    due: float
    sent: float = 0.0
    done: float = 0.0
    index: int = -1
    error: str | None = None


@dataclass
class Ledger:
    """Every post of a run, by message id, and the errors seen."""

    posts: dict[int, Post] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    outstanding: int = 0
    on_done: Callable[[Post], None] | None = None

    def answered(self, mid: int, at: float, index: int, error: str | None) -> Post | None:
        post = self.posts.get(mid)
        if post is None or post.done:
            return None
        post.done = at
        post.index = index
        post.error = error
        self.outstanding -= 1
        if error is not None:
            self.errors[error] = self.errors.get(error, 0) + 1
        if self.on_done is not None:
            self.on_done(post)
        return post

    def completed(self, start: float, end: float, tag: str | None = None) -> list[Post]:
        """Posts answered without error within [start, end)."""
        return [
            p
            for p in self.posts.values()
            if p.done
            and p.error is None
            and start <= p.done < end
            and (tag is None or p.tag == tag)
        ]


_ids = itertools.count(1)


class StreamClient:
    """One ``/v1/stream`` connection (token in the Authorization header); every message the
    node sends goes to ``handle`` with its arrival time, posted/error replies to the ledger."""

    def __init__(
        self,
        url: str,
        token: str,
        ledger: Ledger | None = None,
        handle: Callable[[dict[str, Any], float], None] | None = None,
    ) -> None:
        self.url = url
        self.token = token
        self.ledger = ledger
        self.handle = handle
        self.ws: ClientConnection | None = None
        self.closed: str | None = None  # why the node closed it
        self.room: asyncio.Semaphore | None = None  # posts in flight on this connection
        self._task: asyncio.Task[None] | None = None

    async def open(self) -> StreamClient:
        self.ws = await connect(
            self.url,
            additional_headers={"Authorization": f"Bearer {self.token}"},
            compression=None,
            max_size=None,
            proxy=None,
            ping_interval=None,
        )
        # the frames this process sends in one turn of its loop leave in one write, as the
        # node's own are: the load generator shares the machine's cores with the nodes
        coalescing = CoalescingTransport(self.ws.transport, asyncio.get_running_loop())
        self.ws.transport = coalescing  # type: ignore[assignment]
        self._task = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self.ws is not None
        ledger, handle = self.ledger, self.handle
        try:
            async for text in self.ws:
                at = now()
                msg = orjson.loads(text)  # the generator's own parsing: kept cheap
                kind = msg.get("type")
                if ledger is not None and kind in ("posted", "error") and msg.get("id"):
                    if kind == "posted":
                        ledger.answered(msg["id"], at, msg["entry"]["index"], None)
                    else:
                        ledger.answered(msg["id"], at, -1, str(msg.get("error")))
                    if self.room is not None:
                        self.room.release()
                elif handle is not None:
                    handle(msg, at)
        except ConnectionClosed as exc:
            self.closed = f"{exc.rcvd.code} {exc.rcvd.reason}" if exc.rcvd else "closed"
        else:
            rcvd = self.ws.close_code
            if rcvd not in (None, 1000):
                self.closed = f"{rcvd} {self.ws.close_reason}"

    async def send(self, text: str) -> None:
        assert self.ws is not None
        await self.ws.send(text)

    async def post(self, text: str, tag: str, due: float) -> Post:
        """Send one post (``text`` has ``{mid}`` where the id goes); the ledger gets the reply."""
        assert self.ledger is not None
        mid = next(_ids)
        post = Post(mid, tag, due)
        self.ledger.posts[mid] = post
        self.ledger.outstanding += 1
        frame = text.replace("{mid}", str(mid), 1)
        post.sent = now()
        await self.send(frame)
        return post

    async def subscribe(self, filters: dict[str, Any]) -> None:
        await self.send(encode({"type": "subscribe", "id": "sub", "filters": filters}))

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)


def post_frame(body: dict[str, Any]) -> str:
    """A post message with ``{mid}`` in place of the id."""
    return '{"type":"post","id":{mid},"notice":' + encode(body) + "}"


async def open_clients(url: str, token: str, count: int, ledger: Ledger) -> list[StreamClient]:
    return list(
        await asyncio.gather(*(StreamClient(url, token, ledger).open() for _ in range(count)))
    )


async def close_all(clients: Iterable[StreamClient]) -> None:
    await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)


async def drain(ledger: Ledger, timeout: float = 60.0) -> None:
    """Wait until every post sent has its reply (or ``timeout``)."""
    deadline = now() + timeout
    while ledger.outstanding > 0 and now() < deadline:
        await asyncio.sleep(0.01)


async def closed_loop(
    clients: list[StreamClient],
    frames: list[str],
    inflight: int,
    seconds: float,
    tag: str = "post",
    gate: Callable[[], bool] | None = None,
    gate_wake: asyncio.Event | None = None,
) -> tuple[float, float]:
    """Each client keeps ``inflight`` posts in flight for ``seconds``; (start, end) times.
    With ``gate``, a post is only sent while ``gate()`` is true (woken by ``gate_wake``)."""
    start = now()
    end = start + seconds

    async def pump(client: StreamClient, offset: int) -> None:
        client.room = room = asyncio.Semaphore(inflight)
        for n in itertools.count(offset):
            await room.acquire()
            if gate is not None and gate_wake is not None:
                while not gate() and now() < end:
                    gate_wake.clear()
                    try:
                        await asyncio.wait_for(gate_wake.wait(), 0.05)
                    except TimeoutError:
                        pass
            t = now()
            if t >= end:
                room.release()
                return
            await client.post(frames[n % len(frames)], tag, t)

    await asyncio.gather(*(pump(c, i * 7) for i, c in enumerate(clients)))
    for c in clients:
        c.room = None
    return start, end


async def open_loop(
    clients: list[StreamClient],
    frames: list[str] | Callable[[int], str],
    rate: float,
    seconds: float,
    tag: str = "post",
) -> tuple[float, float]:
    """Send at fixed times, ``rate`` per second for ``seconds``, round robin over the clients,
    whatever the replies do (open loop); (start, end) times."""
    start = now() + 0.05
    count = int(rate * seconds)
    interval = 1.0 / rate
    i = 0
    while i < count:
        t = now()
        due = start + i * interval
        if due > t:
            await asyncio.sleep(max(due - t, TICK))
            continue
        while i < count and start + i * interval <= t:
            frame = frames(i) if callable(frames) else frames[i % len(frames)]
            await clients[i % len(clients)].post(frame, tag, start + i * interval)
            i += 1
    return start, start + seconds


# REST --------------------------------------------------------------------------------------------


def rest_client(url: str, token: str) -> httpx.AsyncClient:
    """One keep-alive connection. The benchmark runs one client per concurrent poster: one
    client with a large pool spends its time scanning the pool (httpcore is O(pool) per request)."""
    return httpx.AsyncClient(
        base_url=url,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        timeout=60.0,
        trust_env=False,
    )


async def rest_post(
    client: httpx.AsyncClient, ledger: Ledger, body: bytes, tag: str, due: float
) -> None:
    mid = next(_ids)
    post = Post(mid, tag, due)
    ledger.posts[mid] = post
    ledger.outstanding += 1
    post.sent = now()
    try:
        response = await client.post("/v1/notices", content=body)
    except httpx.HTTPError as exc:
        ledger.answered(mid, now(), -1, type(exc).__name__)
        return
    at = now()
    if response.status_code == 201:
        ledger.answered(mid, at, int(response.json()["index"]), None)
    else:
        ledger.answered(mid, at, -1, f"http_{response.status_code}")


async def rest_closed_loop(
    url: str, token: str, ledger: Ledger, bodies: list[bytes], workers: int, seconds: float
) -> tuple[float, float]:
    """``workers`` clients, each posting the next notice as soon as the last one is answered."""
    start = now()
    end = start + seconds

    async def worker(offset: int) -> None:
        async with rest_client(url, token) as client:
            for n in itertools.count(offset):
                t = now()
                if t >= end:
                    return
                await rest_post(client, ledger, bodies[n % len(bodies)], "rest", t)

    await asyncio.gather(*(worker(i * 7) for i in range(workers)))
    return start, end


async def rest_open_loop(
    url: str,
    token: str,
    ledger: Ledger,
    bodies: list[bytes],
    rate: float,
    seconds: float,
    workers: int,
) -> tuple[float, float]:
    """Posts due at fixed times, ``rate`` per second; ``workers`` clients take them in turn (a
    post waits for a free client: that wait counts in its latency from the scheduled time)."""
    start = now() + 0.05
    count = int(rate * seconds)
    interval = 1.0 / rate
    queue: asyncio.Queue[int | None] = asyncio.Queue()

    async def worker() -> None:
        async with rest_client(url, token) as client:
            while (i := await queue.get()) is not None:
                await rest_post(
                    client, ledger, bodies[i % len(bodies)], "rest", start + i * interval
                )

    tasks = [asyncio.create_task(worker()) for _ in range(workers)]
    i = 0
    while i < count:
        t = now()
        due = start + i * interval
        if due > t:
            await asyncio.sleep(max(due - t, TICK))
            continue
        while i < count and start + i * interval <= t:
            queue.put_nowait(i)
            i += 1
    for _ in tasks:
        queue.put_nowait(None)
    await asyncio.gather(*tasks)
    return start, start + seconds


# figures -----------------------------------------------------------------------------------------


def ms(values: Iterable[float]) -> list[float]:
    return [v * 1000.0 for v in values]


def summary(samples_ms: list[float]) -> dict[str, float]:
    """:func:`bench.common.percentiles` of milliseconds, rounded to 0.01 ms."""
    return {k: round(v, 2) if k != "n" else v for k, v in percentiles(samples_ms).items()}


async def _keep_frozen(interval: float = 1.0) -> None:
    """Freeze what is alive every ``interval`` seconds (young garbage collected first): the
    ledger of every post grows like a node's feeds, and a pause of the collector here would
    count as latency of the nodes. A short-lived load generator can afford what a node cannot
    (cycles that die after a freeze are never reclaimed: see :mod:`hotline.gc_tuning`)."""
    while True:
        await asyncio.sleep(interval)
        gc.collect(0)
        gc.freeze()


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run the load generator on uvloop when it is installed (it is with uvicorn[standard]),
    with the node's collector settings, and what it keeps frozen every second."""

    async def tuned() -> T:
        gc_tuning.tune()
        freezer = asyncio.create_task(_keep_frozen())
        try:
            return await main
        finally:
            freezer.cancel()

    try:
        import uvloop
    except ImportError:
        return asyncio.run(tuned())
    return uvloop.run(tuned())
