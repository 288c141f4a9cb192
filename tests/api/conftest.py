"""An in-process node for API tests: ``node_app`` (SQLite store in ``tmp_path``).

``node_app.client`` is an httpx client wired to the app; ``await node_app.token(role)`` creates a
user of that role on first use; ``await node_app.post_liaisons(n)`` appends n liaison notices,
posted concurrently so the sequencer commits them in batches.

Settings overrides come from the ``node_app_settings`` fixture: override it in a module or a
class, or parametrize it indirectly::

    @pytest.mark.parametrize("node_app_settings", [{"limits": {"page_max": 10}}], indirect=True)
"""

from __future__ import annotations

import asyncio
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

LIAISON: dict[str, Any] = {"kind": "liaison", "status": "exercise", "language": "en"}


@dataclass
class NodeApp:
    app: FastAPI
    client: httpx.AsyncClient
    node: Node
    _tokens: dict[str, str] = field(default_factory=dict)

    async def token(self, role: str = "operator") -> str:
        """A bearer token of a user with ``role`` (one user per role, created on first use)."""
        if role not in self._tokens:
            _, token = await add_user(self.node.store, f"{role}1", role, self.node.clock_ms())
            self._tokens[role] = token
        return self._tokens[role]

    async def headers(self, role: str = "operator") -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.token(role)}"}

    async def post_liaisons(self, n: int, *, chunk: int = 100) -> list[dict[str, Any]]:
        """Post ``n`` liaison notices (``chunk`` at a time, concurrently); results by index."""
        headers = await self.headers("operator")

        async def one(i: int) -> dict[str, Any]:
            r = await self.client.post(
                "/v1/notices", json={**LIAISON, "text": f"notice {i}"}, headers=headers
            )
            assert r.status_code == 201, r.text
            result: dict[str, Any] = r.json()
            return result

        results: list[dict[str, Any]] = []
        for first in range(0, n, chunk):
            results += await asyncio.gather(*(one(i) for i in range(first, min(n, first + chunk))))
        return sorted(results, key=lambda r: int(r["index"]))


@pytest.fixture
def node_app_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings overrides for ``node_app`` (indirect parametrization, or override the fixture)."""
    overrides: dict[str, Any] = getattr(request, "param", {})
    return overrides


@pytest.fixture
async def node_app(tmp_path: Path, node_app_settings: dict[str, Any]) -> AsyncIterator[NodeApp]:
    values: dict[str, Any] = {
        "side": "alpha",
        "origin": "alpha.hotline.example",
        "unit": "JOC",
        "nation": "XAA",
        **node_app_settings,
    }
    directory = tmp_path / "node"
    directory.mkdir()
    settings = Settings(dir=directory, **values)
    generate_keys(settings)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
            yield NodeApp(app, client, app.state.node)
