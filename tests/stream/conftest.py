"""A node served by a real uvicorn on a free 127.0.0.1 port, and a small stream client."""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from hotline.app import create_app
from hotline.auth.users import add_user
from hotline.keys import NodeKeys, generate_keys, witness_name
from hotline.node import Node
from hotline.settings import Limits, PeerSettings, Settings
from hotline.wsserver import CoalescingWebSocketProtocol
from hotline_protocol.cosignature import CosignatureSigner
from hotline_protocol.note import Signer

TIMEOUT = 15.0


async def wait_until(cond: Callable[[], bool], timeout: float = TIMEOUT, what: str = "") -> None:
    """Wait for a condition, checking it every few milliseconds; fail after ``timeout``."""
    async with asyncio.timeout(timeout):
        while not cond():
            await asyncio.sleep(0.005)
    assert cond(), what


@dataclass
class NodeServer:
    node: Node
    port: int
    tokens: dict[str, str]  # role -> token of a user with that role

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v1/stream"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def size(self, side: str = "alpha") -> int:
        return self.node.index.size(side)


@dataclass
class Client:
    """Sends messages with fresh ids; a reader task routes replies by id and queues events."""

    ws: ClientConnection
    events: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    unsolicited: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    closed: ConnectionClosed | None = None
    _pending: dict[Any, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _reader: asyncio.Task[None] | None = None

    def start(self) -> Client:
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        try:
            while True:
                msg = json.loads(await self.ws.recv())
                fut = self._pending.pop(msg.get("id"), None)
                if msg["type"] == "event":
                    self.events.put_nowait(msg["event"])
                elif fut is not None:
                    if not fut.done():  # not given up on
                        fut.set_result(msg)
                else:
                    self.unsolicited.put_nowait(msg)
        except ConnectionClosed as exc:
            self.closed = exc
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(exc)

    async def submit(self, msg: dict[str, Any]) -> asyncio.Future[dict[str, Any]]:
        """Send without waiting for the reply; returns the reply's future."""
        msg = {"id": next(self._ids), **msg}
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[msg["id"]] = fut
        await self.ws.send(json.dumps(msg))
        return fut

    async def request(self, msg: dict[str, Any]) -> dict[str, Any]:
        async with asyncio.timeout(TIMEOUT):
            return await (await self.submit(msg))

    async def next_event(self) -> dict[str, Any]:
        async with asyncio.timeout(TIMEOUT):
            return await self.events.get()

    async def events_until(self, cond: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        """Events up to and including the first that meets ``cond``."""
        out = []
        while True:
            out.append(await self.next_event())
            if cond(out[-1]):
                return out

    async def post(self, notice: dict[str, Any], **extra: Any) -> dict[str, Any]:
        reply = await self.request({"type": "post", "notice": notice, **extra})
        assert reply["type"] == "posted", reply
        return reply

    async def close(self) -> None:
        await self.ws.close()
        if self._reader is not None:
            await self._reader


def liaison(text: str = "Line check.", **extra: Any) -> dict[str, Any]:
    return {"kind": "liaison", "status": "exercise", "text": text, "language": "en", **extra}


Serve = Callable[..., Awaitable[NodeServer]]
Connect = Callable[..., Awaitable[Client]]


@pytest.fixture
async def serve(tmp_path: Path) -> AsyncIterator[Serve]:
    """Start a node (optionally with limits or a peer card) behind uvicorn; stopped at the end."""
    async with AsyncExitStack() as stack:
        count = itertools.count()

        async def start(
            limits: Limits | None = None,
            peer: PeerSettings | None = None,
            clock_ms: Callable[[], int] | None = None,
        ) -> NodeServer:
            d = tmp_path / f"node{next(count)}"
            d.mkdir()
            settings = Settings(
                dir=d,
                side="alpha",
                origin="alpha.hotline.example",
                unit="JOC",
                nation="XAA",
                limits=limits or Limits(),
                peer=peer,
            )
            generate_keys(settings)
            app = (
                create_app(settings)
                if clock_ms is None
                else create_app(settings, clock_ms=clock_ms)
            )
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            config = uvicorn.Config(
                app,
                log_config=None,
                lifespan="on",
                ws=CoalescingWebSocketProtocol,
                access_log=False,
            )
            server = uvicorn.Server(config)
            task = asyncio.create_task(server.serve(sockets=[sock]))

            async def stop() -> None:
                server.should_exit = True
                async with asyncio.timeout(TIMEOUT):
                    await task
                sock.close()

            stack.push_async_callback(stop)
            await wait_until(lambda: server.started or task.done(), what="uvicorn started")
            assert not task.done(), "uvicorn failed to start"
            node: Node = app.state.node
            tokens = {}
            for role in ("operator", "automation", "auditor", "admin"):
                _, tokens[role] = await add_user(node.store, f"{role}-1", role, 0)
            return NodeServer(node, sock.getsockname()[1], tokens)

        yield start


@pytest.fixture
async def server(serve: Serve) -> NodeServer:
    return await serve()


async def serve_paired(serve: Serve) -> tuple[NodeServer, NodeKeys]:
    """A node that pins a bravo whose keys the test holds (it never dials: the test records
    bravo's entries itself), on a clock that ticks a millisecond at every reading, so that every
    recorded time is distinct and the replay's order is exact."""
    bravo = NodeKeys(
        Signer.generate("bravo.hotline.example"),
        CosignatureSigner.generate(witness_name("bravo.hotline.example")),
    )
    ticks = itertools.count(1767254400000)
    server = await serve(
        peer=PeerSettings(
            side="bravo",
            origin="bravo.hotline.example",
            log_vkey=bravo.log.vkey,
            witness_vkey=bravo.witness.vkey,
            dial=False,
        ),
        clock_ms=lambda: next(ticks),
    )
    return server, bravo


@pytest.fixture
async def connect_client() -> AsyncIterator[Connect]:
    """Open stream clients (bearer header by default); all closed at the end."""
    clients: list[Client] = []

    async def open_client(srv: NodeServer, role: str = "operator", **kwargs: Any) -> Client:
        headers = {"Authorization": f"Bearer {srv.tokens[role]}"}
        ws = await connect(srv.url, additional_headers=headers, **kwargs)
        client = Client(ws).start()
        clients.append(client)
        return client

    yield open_client
    for client in clients:
        await client.close()
