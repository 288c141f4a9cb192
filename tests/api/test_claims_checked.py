"""What a poster claims is checked before anything is appended: the time against the node's
clock, the author against the signed-in user, the id against the feed, references against what
is held, and a reused Idempotency-Key against the notice it first posted. Each refusal changes
nothing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from hotline.auth.users import add_user
from tests.api.conftest import LIAISON, NodeApp

EXAMPLES = Path(__file__).parents[1] / "protocol" / "examples"
HOUR = 3600 * 1000
DAY = 24 * HOUR


def example(kind: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((EXAMPLES / f"{kind}.json").read_text())
    for key in ("id", "time", "author", "distress_ref"):
        body.pop(key, None)
    return body


async def refused(node_app: NodeApp, body: dict[str, Any], **kwargs: Any) -> tuple[int, Any]:
    """Post; the status and the error body, after checking that the feed did not change."""
    before = node_app.node.index.size("alpha")
    r = await node_app.client.post(
        "/v1/notices", json=body, headers=kwargs.pop("headers", None) or await node_app.headers()
    )
    assert r.status_code >= 400, r.text
    assert node_app.node.index.size("alpha") == before
    assert await node_app.node.store.size("alpha.hotline.example") == before
    return r.status_code, r.json()


@pytest.mark.parametrize(
    "offset", [-HOUR, DAY, "1970", "9999"], ids=["an hour ago", "a day ahead", "1970", "9999"]
)
async def test_a_notice_dated_far_from_the_node_clock_is_refused(
    node_app: NodeApp, offset: int | str
) -> None:
    now = node_app.node.clock_ms()
    claimed = {"1970": 0, "9999": 253_402_300_799_000}.get(str(offset), now + int(offset))
    status, body = await refused(node_app, {**LIAISON, "text": "when?", "time": claimed})
    assert (status, body["error"]) == (422, "time_out_of_range")
    assert body["detail"]["time"] == claimed
    assert body["detail"]["earliest"] <= now <= body["detail"]["latest"]
    assert body["detail"]["latest"] - body["detail"]["earliest"] == 2 * 300_000


async def test_a_notice_dated_within_the_tolerance_is_appended(node_app: NodeApp) -> None:
    r = await node_app.client.post(
        "/v1/notices",
        json={**LIAISON, "text": "a minute ago", "time": node_app.node.clock_ms() - 60_000},
        headers=await node_app.headers(),
    )
    assert r.status_code == 201, r.text


async def test_an_author_of_another_nation_or_unit_is_refused(node_app: NodeApp) -> None:
    _, token = await add_user(
        node_app.node.store, "rcc1", "operator", 0, nation="XAB", unit="RCC North"
    )
    headers = {"Authorization": f"Bearer {token}"}
    for author in (
        {"id": "rcc1", "unit": "RCC North", "nation": "XBB"},  # the other coalition's nation
        {"id": "rcc1", "unit": "CAOC-B", "nation": "XAB"},
        {"id": "someone-else", "unit": "RCC North", "nation": "XAB"},
    ):
        status, body = await refused(
            node_app, {**LIAISON, "text": "who?", "author": author}, headers=headers
        )
        assert (status, body["error"]) == (403, "author_mismatch"), author
    # the user's own unit and nation, given or left out, are taken
    own = {"id": "rcc1", "unit": "RCC North", "nation": "XAB"}
    for posted in ({**LIAISON, "text": "me", "author": own}, {**LIAISON, "text": "me too"}):
        r = await node_app.client.post("/v1/notices", json=posted, headers=headers)
        assert r.status_code == 201, r.text
        assert r.json()["notice"]["author"] == {"id": "rcc1", "unit": "RCC North", "nation": "XAB"}


async def test_a_second_notice_with_the_same_id_is_refused(node_app: NodeApp) -> None:
    notice_id = str(uuid4())
    first = await node_app.client.post(
        "/v1/notices",
        json={**LIAISON, "text": "one", "id": notice_id},
        headers=await node_app.headers(),
    )
    assert first.status_code == 201, first.text
    status, body = await refused(node_app, {**LIAISON, "text": "two", "id": notice_id})
    assert (status, body["error"]) == (409, "duplicate_id")


async def test_a_distress_ref_must_name_an_aircraft_in_distress(node_app: NodeApp) -> None:
    headers = await node_app.headers()
    liaison = (
        await node_app.client.post("/v1/notices", json={**LIAISON, "text": "x"}, headers=headers)
    ).json()
    ref = {"origin": "alpha.hotline.example", "index": 7, "leaf_hash": "A" * 43 + "="}
    status, body = await refused(node_app, {**example("downed_pilot"), "distress_ref": ref})
    assert (status, body["error"]) == (422, "unknown_distress_ref")
    not_distress = {k: liaison[k] for k in ("origin", "index", "leaf_hash")}
    status, body = await refused(
        node_app, {**example("downed_pilot"), "distress_ref": not_distress}
    )
    assert (status, body["error"]) == (422, "bad_distress_ref")
    distress = (
        await node_app.client.post(
            "/v1/notices", json=example("aircraft_in_distress"), headers=headers
        )
    ).json()
    good = {k: distress[k] for k in ("origin", "index", "leaf_hash")}
    r = await node_app.client.post(
        "/v1/notices", json={**example("downed_pilot"), "distress_ref": good}, headers=headers
    )
    assert r.status_code == 201, r.text


async def test_a_reused_idempotency_key_with_another_body_is_refused(node_app: NodeApp) -> None:
    headers = {**await node_app.headers(), "Idempotency-Key": "retry-1"}
    first = await node_app.client.post(
        "/v1/notices", json={**LIAISON, "text": "one"}, headers=headers
    )
    assert first.status_code == 201, first.text
    again = await node_app.client.post(
        "/v1/notices", json={**LIAISON, "text": "one"}, headers=headers
    )
    assert again.status_code == 200 and again.json()["index"] == first.json()["index"]
    assert again.headers["Idempotent-Replayed"] == "true"
    status, body = await refused(node_app, {**LIAISON, "text": "two"}, headers=headers)
    assert (status, body["error"]) == (422, "idempotency_key_reused")


async def test_an_id_older_than_the_ids_kept_at_hand_is_refused_by_the_store_and_the_rest_written(
    node_app: NodeApp,
) -> None:
    """The index keeps the latest ids at hand; an id posted long ago is found by the store as
    the batch is written: that post is refused, the others of its batch are written."""
    node = node_app.node
    notice_id = str(uuid4())
    headers = await node_app.headers()
    first = await node_app.client.post(
        "/v1/notices", json={**LIAISON, "text": "one", "id": notice_id}, headers=headers
    )
    assert first.status_code == 201, first.text
    node.index._ids.clear()  # as when many records came since
    assert node.index.recent_ids(notice_id) == ()
    before = node.index.size("alpha")
    again, other = await asyncio.gather(
        node_app.client.post(
            "/v1/notices", json={**LIAISON, "text": "two", "id": notice_id}, headers=headers
        ),
        node_app.client.post("/v1/notices", json={**LIAISON, "text": "three"}, headers=headers),
    )
    assert (again.status_code, again.json()["error"]) == (409, "duplicate_id")
    assert other.status_code == 201, other.text
    assert node.index.size("alpha") == before + 1
    assert await node.store.size("alpha.hotline.example") == before + 1
    assert await node.store.notice_ids([notice_id]) == {
        notice_id: [("alpha.hotline.example", before - 1)]
    }
