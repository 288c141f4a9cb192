"""Fixtures for the audit tests: the built two-sided export, and an in-process node.

``audit_node`` runs a node (SQLite store in ``tmp_path``) with bravo pinned as its peer, so the
export holds both sides (bravo's replica is empty until peering exists); ``lone_node`` has no
peer. ``await n.headers(role)`` gives a bearer header of a user with that role.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from hotline.app import create_app
from hotline.auth.users import add_user
from hotline.keys import generate_keys
from hotline.node import Node
from hotline.settings import Settings
from tests.audit.builders import FeedBuilder, TwoSides, build_two_sides


@dataclass
class AuditNode:
    app: FastAPI
    client: httpx.AsyncClient
    node: Node
    _tokens: dict[str, str] = field(default_factory=dict)

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


@pytest.fixture
def two_sides() -> TwoSides:
    return build_two_sides()


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
    generate_keys(settings)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://alpha") as client:
            yield AuditNode(app, client, app.state.node)


@pytest.fixture
async def audit_node(tmp_path: Path) -> AsyncIterator[AuditNode]:
    bravo = FeedBuilder.create("bravo", "bravo.hotline.example", "XBB")
    async for node in _run_node(tmp_path / "alpha", bravo):
        yield node


@pytest.fixture
async def lone_node(tmp_path: Path) -> AsyncIterator[AuditNode]:
    async for node in _run_node(tmp_path / "alpha", None):
        yield node
