"""A request retried with the same Idempotency-Key answers the entry appended the first time,
200 with ``Idempotent-Replayed: true``, and appends nothing (the first answer: 201, no header)."""

from __future__ import annotations

from typing import Any

from hotline.feeds import idempotency
from tests.api.conftest import LIAISON, NodeApp


async def twice(node_app: NodeApp, path: str, body: dict[str, Any], key: str) -> list[Any]:
    headers = {**await node_app.headers("operator"), "Idempotency-Key": key}
    return [await node_app.client.post(path, json=body, headers=headers) for _ in range(2)]


async def test_a_replayed_post_says_so(node_app: NodeApp) -> None:
    first, again = await twice(node_app, "/v1/notices", LIAISON | {"text": "once"}, "post-1")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert node_app.node.index.size("alpha") == 1


async def test_a_replayed_cancel_says_so(node_app: NodeApp) -> None:
    await node_app.post_liaisons(1)
    body = {"reason": "issued_in_error"}
    first, again = await twice(node_app, "/v1/notices/alpha/0/cancel", body, "cancel-1")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert node_app.node.index.size("alpha") == 2


async def test_a_key_older_than_those_kept_in_memory_is_still_replayed_from_the_store(
    node_app: NodeApp, monkeypatch: Any
) -> None:
    monkeypatch.setattr(idempotency, "REFS_KEPT", 2)
    headers = await node_app.headers("operator")
    firsts = []
    for n in range(5):
        response = await node_app.client.post(
            "/v1/notices",
            json=LIAISON | {"text": f"keyed {n}"},
            headers={**headers, "Idempotency-Key": f"key-{n}"},
        )
        assert response.status_code == 201
        firsts.append(response.json())
    kept = node_app.node.sequencer._refs  # the keys at hand: only the latest two
    assert [key.rsplit(":", 1)[-1] for key in kept] == ["key-3", "key-4"]
    again = await node_app.client.post(
        "/v1/notices",
        json=LIAISON | {"text": "keyed 0"},
        headers={**headers, "Idempotency-Key": "key-0"},
    )
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == firsts[0]
    assert node_app.node.index.size("alpha") == 5
