"""Nodes in this process, each behind its own uvicorn on a real 127.0.0.1 socket.

``nodes.prepare(side)`` makes a node directory with keys and binds its socket (so its URL is
known before any peer pins it); ``nodes.start(prepared, peer=...)`` serves it. ``nodes.pair()``
does both for alpha and bravo, pinned to each other. A node can be stopped and started again on
the same directory and port. ``events(node)`` records the node's hub events from now on.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from hotline.app import create_app
from hotline.auth.users import add_user
from hotline.hub import Subscription
from hotline.keys import NodeKeys, generate_keys
from hotline.node import Node
from hotline.settings import PeerSettings, ServerSettings, Settings
from hotline.wsserver import CoalescingWebSocketProtocol
from tests.helpers.fake_peer import FakePeer
from tests.helpers.tls import self_signed

TIMEOUT = 20.0
ORIGINS = {"alpha": "alpha.hotline.example", "bravo": "bravo.hotline.example"}
NATIONS = {"alpha": "XAA", "bravo": "XBB"}


async def wait_until(cond: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    """Poll ``cond`` every few milliseconds; fail naming ``what`` after ``timeout``."""
    try:
        async with asyncio.timeout(timeout):
            while not cond():
                await asyncio.sleep(0.005)
    except TimeoutError:
        raise AssertionError(f"timed out after {timeout}s waiting for {what}") from None


class EventLog:
    """Every event a node's hub publishes from now on (until the node stops)."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.events: list[dict[str, Any]] = []
        self._sub: Subscription = node.hub.subscribe(1_000_000)
        self._task = asyncio.create_task(self._pump())

    async def _pump(self) -> None:
        while True:
            self.events.append((await self._sub.queue.get()).as_dict())

    def of(self, etype: str, **fields: Any) -> list[dict[str, Any]]:
        return [
            e
            for e in self.events
            if e["type"] == etype and all(e.get(k) == v for k, v in fields.items())
        ]

    async def wait_for(self, etype: str, timeout: float = TIMEOUT, **fields: Any) -> dict[str, Any]:
        await wait_until(lambda: bool(self.of(etype, **fields)), f"{etype} {fields}", timeout)
        return self.of(etype, **fields)[0]

    def close(self) -> None:
        self._task.cancel()
        self.node.hub.unsubscribe(self._sub)


@dataclass
class Prepared:
    side: str
    settings: Settings
    keys: NodeKeys
    sock: socket.socket

    port_was: int = 0

    def __post_init__(self) -> None:
        self.port_was = self.sock.getsockname()[1]

    @property
    def port(self) -> int:
        return self.port_was

    @property
    def url(self) -> str:
        scheme = "https" if self.settings.server.tls_cert else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def listening_socket(self) -> socket.socket:
        """The bound socket; bound again to the same port after a server closed it."""
        if self.sock.fileno() == -1:
            port = self.port_was
            self.sock = _bind(port)
        return self.sock

    def card(self, url: str | None = None, dial: bool = False) -> PeerSettings:
        return PeerSettings(
            side=self.side,
            origin=self.settings.origin,
            log_vkey=self.keys.log.vkey,
            witness_vkey=self.keys.witness.vkey,
            url=self.url if url is None else url,
            dial=dial,
        )


@dataclass
class LiveNode:
    prepared: Prepared
    settings: Settings
    app: FastAPI | None = None
    server: uvicorn.Server | None = None
    task: asyncio.Task[None] | None = None
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def node(self) -> Node:
        assert self.app is not None, "not started"
        node: Node = self.app.state.node
        return node

    @property
    def side(self) -> str:
        return self.prepared.side

    @property
    def http(self) -> str:
        return self.prepared.url

    @property
    def peer_ws(self) -> str:
        return f"ws://127.0.0.1:{self.prepared.port}/v1/peer"

    def headers(self, role: str = "operator") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def size(self, side: str) -> int:
        return self.node.index.size(side)

    @property
    def verify(self) -> ssl.SSLContext | bool:
        """What an HTTPS client trusts for this node: its self-signed certificate."""
        cert = self.settings.server.tls_cert
        return ssl.create_default_context(cafile=self.settings.path(cert)) if cert else True

    async def get(self, path: str, role: str = "auditor", **params: Any) -> Any:
        async with httpx.AsyncClient(timeout=TIMEOUT, verify=self.verify) as client:
            r = await client.get(f"{self.http}{path}", headers=self.headers(role), params=params)
        assert r.status_code == 200, r.text
        return r.json() if "json" in r.headers["content-type"] else r.content

    async def post(self, body: dict[str, Any], role: str = "operator") -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=TIMEOUT, verify=self.verify) as client:
            r = await client.post(f"{self.http}/v1/notices", json=body, headers=self.headers(role))
        assert r.status_code == 201, r.text
        result: dict[str, Any] = r.json()
        return result

    async def evidence(self) -> list[dict[str, Any]]:
        """The refused-input evidence, from the audit export."""
        export = await self.get("/v1/audit/export")
        evidence: list[dict[str, Any]] = export["evidence"]
        return evidence

    def connected(self) -> bool:
        peering = self.node.peering
        return peering is not None and peering.link is not None

    async def start(self) -> LiveNode:
        self.app = create_app(self.settings)
        cert, key = self.settings.server.tls_cert, self.settings.server.tls_key
        config = uvicorn.Config(
            self.app,
            log_config=None,
            lifespan="on",
            ws=CoalescingWebSocketProtocol,
            access_log=False,
            ssl_certfile=str(self.settings.path(cert)) if cert else None,
            ssl_keyfile=str(self.settings.path(key)) if key else None,
        )
        server = uvicorn.Server(config)
        self.server = server
        sock = self.prepared.listening_socket()
        self.task = asyncio.create_task(server.serve(sockets=[sock]))
        task = self.task
        await wait_until(lambda: server.started or task.done(), "uvicorn started")
        assert not task.done(), "uvicorn failed to start"
        for role in ("operator", "automation", "auditor", "admin"):
            if role not in self.tokens:
                _, self.tokens[role] = await add_user(self.node.store, f"{role}-1", role, 0)
        return self

    async def stop(self) -> None:
        if self.server is None or self.task is None:
            return
        self.server.should_exit = True
        async with asyncio.timeout(TIMEOUT):
            await self.task
        self.server = self.task = None


class Nodes:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.live: list[LiveNode] = []
        self.logs: list[EventLog] = []

    def prepare(
        self, side: str, origin: str | None = None, store: str | None = None, tls: bool = False
    ) -> Prepared:
        """A node directory with keys, on SQLite or on the Redis at ``store``, serving HTTPS
        with a self-signed certificate (``DIR/cert.pem``) if ``tls``."""
        d = self.tmp_path / side
        d.mkdir()
        extra: dict[str, Any] = {"store": store, "store_prefix": f"{side}:"} if store else {}
        if tls:
            self_signed(d)
            extra["server"] = ServerSettings(tls_cert="cert.pem", tls_key="key.pem")
        settings = Settings(
            dir=d,
            side=side,
            origin=origin or ORIGINS[side],
            unit=f"HQ {side}",
            nation=NATIONS.get(side, "XAA"),
            **extra,
        )
        keys = generate_keys(settings)
        return Prepared(side, settings, keys, _bind(0))

    async def start(
        self, prepared: Prepared, peer: PeerSettings | None = None, **overrides: Any
    ) -> LiveNode:
        """Serve a prepared node; ``overrides`` replace settings (deadlines, webhook, ...)."""
        update: dict[str, Any] = {"peer": peer, "url": prepared.url, **overrides}
        settings = prepared.settings.model_copy(update=update)
        live = LiveNode(prepared, settings)
        self.live.append(live)
        return await live.start()

    async def pair(
        self, *, alpha_dials: bool = True, bravo_dials: bool = False, **overrides: Any
    ) -> tuple[LiveNode, LiveNode]:
        """alpha and bravo pinned to each other, started at the same time."""
        a, b = self.prepare("alpha"), self.prepare("bravo")
        alpha, bravo = await asyncio.gather(
            self.start(a, b.card(dial=alpha_dials), **overrides),
            self.start(b, a.card(dial=bravo_dials), **overrides),
        )
        return alpha, bravo

    async def facing(
        self, fake: FakePeer, side: str = "bravo", store: str | None = None, **overrides: Any
    ) -> LiveNode:
        """A node that pins ``fake`` as its peer and does not dial it (``overrides`` replace
        settings, as :meth:`start`)."""
        return await self.start(self.prepare(side, store=store), fake.card(), **overrides)

    def events(self, live: LiveNode) -> EventLog:
        log = EventLog(live.node)
        self.logs.append(log)
        return log

    async def close(self) -> None:
        for log in self.logs:
            log.close()
        for live in reversed(self.live):
            await live.stop()
        for live in self.live:
            live.prepared.sock.close()


def _bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


@pytest.fixture
async def nodes(tmp_path: Path) -> AsyncIterator[Nodes]:
    n = Nodes(tmp_path)
    try:
        yield n
    finally:
        await n.close()
