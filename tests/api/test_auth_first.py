"""Authentication comes before the body is read: whatever a body holds, a request without a
valid token gets 401 and one whose role lacks the permission 403; nothing is appended."""

from __future__ import annotations

import pytest

from tests.api.conftest import NodeApp

BODIES = [b"{not json", b"[1, 2", b'{"kind": "liaison"}', b"\xff\xfe"]
ROUTES = [
    "/v1/notices",
    "/v1/notices/alpha/0/ack",
    "/v1/notices/alpha/0/cancel",
    "/v1/conflicts/check",
    "/v1/conflicts/0123/handled",
    "/v1/users",
]
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("path", ROUTES)
async def test_a_body_without_a_valid_token_gets_401(node_app: NodeApp, path: str) -> None:
    for body in BODIES:
        for auth in ({}, {"Authorization": "Bearer hl_unknown"}, {"Authorization": "Basic x"}):
            answer = await node_app.client.post(path, content=body, headers=JSON | auth)
            assert answer.status_code == 401, (path, body, auth, answer.text)
            assert answer.json()["error"] in ("unauthenticated", "bad_token")
            assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert node_app.node.index.size("alpha") == 0


@pytest.mark.parametrize("path", ROUTES)
async def test_a_body_from_a_role_without_the_permission_gets_403(
    node_app: NodeApp, path: str
) -> None:
    role = "operator" if path == "/v1/users" else "auditor"
    headers = JSON | await node_app.headers(role)
    for body in BODIES:
        answer = await node_app.client.post(path, content=body, headers=headers)
        assert answer.status_code == 403, (path, body, answer.text)
        assert answer.json()["error"] == "forbidden"
    assert node_app.node.index.size("alpha") == 0


async def test_with_a_valid_token_the_body_is_read(node_app: NodeApp) -> None:
    headers = JSON | await node_app.headers("operator")
    answer = await node_app.client.post("/v1/notices/alpha/0/ack", content=b"{x", headers=headers)
    assert answer.status_code == 400
    assert answer.json()["error"] == "malformed_json"
