"""``GET /v1/notices`` pages through the store's notice index by cursor."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import LIAISON, NodeApp


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
