"""``GET /v1/notices`` pages through the store's notice index by cursor; a page asked again is
sent as kept while nothing it shows has changed."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from hotline.app import create_app
from hotline.keys import generate_keys
from hotline.settings import Settings
from tests.api.conftest import LIAISON, NodeApp

EXAMPLES = Path(__file__).parents[1] / "protocol" / "examples"


async def listing(na: NodeApp, **params: Any) -> dict[str, Any]:
    r = await na.client.get("/v1/notices", params=params, headers=await na.headers("auditor"))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_pages_list_every_notice_once_while_notices_arrive(node_app: NodeApp) -> None:
    before = await node_app.post_liaisons(23)
    headers = await node_app.headers()
    seen: list[tuple[str, int]] = []
    cursor: str | None = None
    posted = 0
    while True:
        page = await listing(node_app, limit=4, **({"cursor": cursor} if cursor else {}))
        assert len(page["notices"]) <= 4
        seen += [(n["side"], n["index"]) for n in page["notices"]]
        cursor = page["next"]
        if cursor is None:
            break
        posted += 1
        r = await node_app.client.post(
            "/v1/notices", json={**LIAISON, "text": f"late {posted}"}, headers=headers
        )
        assert r.status_code == 201, r.text
    assert len(seen) == len(set(seen)), "no notice twice"
    assert {("alpha", r["index"]) for r in before} <= set(seen), "every notice there before"
    assert posted >= 5
    everything = (await listing(node_app, limit=500))["notices"]
    assert len(everything) == 23 + posted
    keys = [(n["notice"]["time"], n["index"]) for n in everything]
    assert keys == sorted(keys, reverse=True), "newest first"


async def test_a_state_filter_reads_on_until_its_page_is_full(node_app: NodeApp) -> None:
    """Notices of one state among many of another: the page fills from further down."""
    await node_app.post_liaisons(300)
    headers = await node_app.headers()
    r = await node_app.client.post("/v1/notices", json={**LIAISON, "text": "last"}, headers=headers)
    assert r.status_code == 201, r.text
    page = await listing(node_app, state="appended", limit=2)
    assert [n["index"] for n in page["notices"]] == [300, 299] and page["next"] is not None
    assert (await listing(node_app, state="acknowledged"))["notices"] == []
    rest = await listing(node_app, state="appended", cursor=page["next"], limit=500)
    assert [n["index"] for n in rest["notices"]] == list(range(298, -1, -1))
    assert rest["next"] is None


async def test_a_cursor_naming_no_side_of_this_node_is_refused(node_app: NodeApp) -> None:
    await node_app.post_liaisons(2)
    r = await node_app.client.get(
        "/v1/notices", params={"cursor": "5.zulu.1"}, headers=await node_app.headers("auditor")
    )
    assert r.status_code == 400 and r.json()["error"] == "bad_cursor", r.text


class Clock:
    """A clock the test moves (unix ms)."""

    def __init__(self) -> None:
        self.now = int(time.time() * 1000)

    def __call__(self) -> int:
        return self.now


@pytest.fixture
async def clocked(tmp_path: Path) -> AsyncIterator[tuple[NodeApp, Clock]]:
    clock = Clock()
    settings = Settings(
        dir=tmp_path, side="alpha", origin="alpha.hotline.example", unit="JOC", nation="XAA"
    )
    generate_keys(settings)
    app = create_app(settings, clock_ms=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
            yield NodeApp(app, client, app.state.node), clock


def operation() -> dict[str, Any]:
    body: dict[str, Any] = json.loads((EXAMPLES / "planned_operation.json").read_text())
    for key in ("id", "time", "author", "expires"):
        body.pop(key, None)
    return body


async def raw_listing(na: NodeApp, **params: Any) -> bytes:
    r = await na.client.get("/v1/notices", params=params, headers=await na.headers("auditor"))
    assert r.status_code == 200, r.text
    return r.content


async def test_a_page_asked_again_is_sent_as_kept_until_a_notice_on_it_changes(
    node_app: NodeApp,
) -> None:
    posted = await node_app.post_liaisons(3)
    pages = node_app.node.notices.pages
    first = await raw_listing(node_app, limit=2)
    hits = pages.hits
    assert await raw_listing(node_app, limit=2) == first
    assert pages.hits == hits + 1, "the same page, kept"
    # a cancel of a notice on the page: the page shows it at once
    r = await node_app.client.post(
        f"/v1/notices/alpha/{posted[2]['index']}/cancel",
        json={"reason": "issued_in_error"},
        headers=await node_app.headers(),
    )
    assert r.status_code == 201, r.text
    after = orjson.loads(await raw_listing(node_app, limit=2))["notices"]
    assert [n["index"] for n in after] == [3, 2]
    assert after[1]["state"]["cancelled_by"] == {"side": "alpha", "index": 3}


async def test_requests_for_a_page_being_built_wait_for_that_build(node_app: NodeApp) -> None:
    await node_app.post_liaisons(5)
    await node_app.headers("auditor")  # the user exists before the requests race
    pages = node_app.node.notices.pages
    builds = pages.builds
    bodies = await asyncio.gather(*(raw_listing(node_app, limit=3) for _ in range(10)))
    assert len(set(bodies)) == 1
    assert pages.builds == builds + 1, "built once for the ten requests"
    assert [n["index"] for n in orjson.loads(bodies[0])["notices"]] == [4, 3, 2]


async def test_a_kept_page_shows_a_notice_overdue_once_its_deadline_passes(
    clocked: tuple[NodeApp, Clock],
) -> None:
    na, clock = clocked
    r = await na.client.post("/v1/notices", json=operation(), headers=await na.headers())
    assert r.status_code == 201, r.text
    (shown,) = orjson.loads(await raw_listing(na))["notices"]
    assert shown["state"]["status"] == "appended" and not shown["state"]["overdue"]
    version = na.node.index.version
    clock.now = shown["state"]["deadline"] - 1
    assert orjson.loads(await raw_listing(na))["notices"][0]["state"]["status"] == "appended"
    clock.now = shown["state"]["deadline"]
    (later,) = orjson.loads(await raw_listing(na))["notices"]
    assert na.node.index.version == version, "nothing was added: only the clock moved"
    assert later["state"]["status"] == "overdue" and later["state"]["overdue"]
