"""Fixtures for the tests of the node's audit export: an in-process node, and two peered nodes.

``audit_node`` runs a node in process (SQLite store in ``tmp_path``) with bravo pinned as its
peer but unreachable, so the export holds both sides, bravo's replica empty; ``lone_node`` has no
peer; ``await n.headers(role)`` gives a bearer header of a user with that role; ``n.cards()``
the sides' cards an auditor pins. ``peered_nodes`` runs alpha and bravo behind uvicorn, linked by
the real peer link; each node's ``card`` is its own, as ``hotline init`` would write it.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from hotline.app import create_app
from hotline.auth.users import add_user
from hotline.keys import generate_keys, load_keys
from hotline.node import Node
from hotline.provision.card import own_card
from hotline.settings import PeerSettings, PinnedDeadlines, Settings
from hotline.wsserver import CoalescingWebSocketProtocol
from hotline_protocol.card import Card
from tests.protocol.audit.builders import FeedBuilder


@dataclass
class AuditNode:
    app: FastAPI
    client: httpx.AsyncClient
    node: Node
    card: Card
    peer: FeedBuilder | None = None
    _tokens: dict[str, str] = field(default_factory=dict)

    def cards(self) -> list[Card]:
        """The node's own card and, if it has a peer, the peer's."""
        return [self.card] + ([self.peer.card()] if self.peer is not None else [])

    async def headers(self, role: str) -> dict[str, str]:
        if role not in self._tokens:
            _, token = await add_user(self.node.store, f"{role}1", role, 0)
            self._tokens[role] = token
        return {"Authorization": f"Bearer {self._tokens[role]}"}

    async def post(self, body: dict[str, Any]) -> dict[str, Any]:
        r = await self.client.post("/v1/notices", json=body, headers=await self.headers("operator"))
        assert r.status_code == 201, r.text
        result: dict[str, Any] = r.json()
        return result


async def _run_node(directory: Path, peer: FeedBuilder | None) -> AsyncIterator[AuditNode]:
    values: dict[str, Any] = {
        "dir": directory,
        "side": "alpha",
        "origin": "alpha.hotline.example",
        "unit": "JOC",
        "nation": "XAA",
    }
    if peer is not None:
        values["peer"] = {
            "side": peer.name,
            "origin": peer.origin,
            "log_vkey": peer.log.vkey,
            "witness_vkey": peer.witness.vkey,
        }
    settings = Settings(**values)
    card = own_card(settings, generate_keys(settings))
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://alpha") as client:
            yield AuditNode(app, client, app.state.node, card, peer)


@pytest.fixture
async def audit_node(tmp_path: Path) -> AsyncIterator[AuditNode]:
    bravo = FeedBuilder.create("bravo", "bravo.hotline.example", "XBB")
    async for node in _run_node(tmp_path / "alpha", bravo):
        yield node


@pytest.fixture
async def lone_node(tmp_path: Path) -> AsyncIterator[AuditNode]:
    async for node in _run_node(tmp_path / "alpha", None):
        yield node


@dataclass
class PeeredNode:
    node: Node
    url: str
    tokens: dict[str, str]
    card: Card

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture
async def peered_nodes(tmp_path: Path) -> AsyncIterator[dict[str, PeeredNode]]:
    """alpha and bravo behind uvicorn on real sockets, alpha dialing bravo's peer link."""
    sides = ("alpha", "bravo")
    socks, settings, keys = {}, {}, {}
    for side in sides:
        directory = tmp_path / side
        directory.mkdir()
        nation = "XAA" if side == "alpha" else "XBB"
        s = Settings(
            dir=directory, side=side, origin=f"{side}.hotline.example", unit="JOC", nation=nation
        )
        keys[side] = generate_keys(s)
        settings[side] = s
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        socks[side] = sock
    urls = {side: f"http://127.0.0.1:{socks[side].getsockname()[1]}" for side in sides}
    nodes: dict[str, PeeredNode] = {}
    async with AsyncExitStack() as stack:
        for side, other in (("alpha", "bravo"), ("bravo", "alpha")):
            theirs = own_card(settings[other], load_keys(settings[other]))
            peer = PeerSettings(
                side=other,
                origin=settings[other].origin,
                log_vkey=theirs.log_vkey,
                witness_vkey=theirs.witness_vkey,
                url=urls[other],
                deadlines=PinnedDeadlines(
                    **settings[other].deadlines.model_dump(exclude={"flash_repeat"})
                ),
                dial=side == "alpha",
            )
            app = create_app(settings[side].model_copy(update={"peer": peer}))
            config = uvicorn.Config(
                app,
                log_config=None,
                lifespan="on",
                ws=CoalescingWebSocketProtocol,
                access_log=False,
            )
            server = uvicorn.Server(config)
            task = asyncio.create_task(server.serve(sockets=[socks[side]]))

            async def stop(
                server: uvicorn.Server = server, task: asyncio.Task[None] = task
            ) -> None:
                server.should_exit = True
                async with asyncio.timeout(10):
                    await task

            stack.push_async_callback(stop)
            async with asyncio.timeout(10):
                while not server.started:
                    assert not task.done(), "uvicorn failed to start"
                    await asyncio.sleep(0.02)
            node: Node = app.state.node
            tokens = {}
            for role in ("operator", "auditor"):
                _, tokens[role] = await add_user(node.store, f"{role}1", role, 0)
            nodes[side] = PeeredNode(node, urls[side], tokens, own_card(settings[side], keys[side]))
        yield nodes
    for sock in socks.values():
        sock.close()
