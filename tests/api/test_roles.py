"""Roles by endpoints: who may call what, with the exact status and error code for every caller.

The matrix below has one row per route of the app (method and path template, WebSockets as
``WS``). :func:`test_every_route_has_a_matrix_row` enumerates ``app.routes``: a route added
without a row, or a row left for a route that is gone, fails the suite by name.

Callers: the four roles, no token, a malformed Authorization header, an unknown token and a
revoked token. A caller allowed by the row gets the row's answer (a success, or for a dummy body
a 4xx that is not about authentication); a role not allowed gets 403 ``forbidden``; the other
callers get 401 (``unauthenticated`` without a usable bearer token, ``bad_token`` for an unknown
or revoked one). Public rows answer everyone alike.

Deliberately public besides ``/healthz``: the console's page and static files (a browser loads
them before it holds a token; they carry no feed data) and FastAPI's API description
(``/openapi.json``, ``/docs``, ``/redoc``) and the AsyncAPI document of the WebSocket APIs
(``/asyncapi.json``). ``/v1/peer`` is not a token endpoint at all: the
other node authenticates with its log key in the link handshake (see ``tests/peering``), so no
bearer token, of any role, gets a client into it.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from hotline.auth import ROLES
from hotline.auth.users import add_user
from hotline.wsserver import CoalescingWebSocketProtocol
from tests.api.conftest import LIAISON, NodeApp

TIMEOUT = 15.0

OPERATOR, AUTOMATION, AUDITOR, ADMIN = ROLES
NO_TOKEN, MALFORMED, BAD_TOKEN, REVOKED = "no token", "malformed", "bad token", "revoked token"
CALLERS = (*ROLES, NO_TOKEN, MALFORMED, BAD_TOKEN, REVOKED)

EVERYONE = frozenset(CALLERS)  # public: no token needed, any header ignored
ANY_ROLE = frozenset(ROLES)
READ = frozenset({OPERATOR, AUTOMATION, AUDITOR})
POST = frozenset({OPERATOR, AUTOMATION})
EXPORT = frozenset({AUDITOR})
USERS = frozenset({ADMIN})


@dataclass(frozen=True)
class Row:
    """Who may call a route, and the request and answer used to show it."""

    allowed: frozenset[str]
    path: str  # a concrete path for the template
    status: int  # what an allowed caller gets
    code: str | None = None  # the error code an allowed caller gets, for a 4xx
    json: Any = None
    params: dict[str, Any] = field(default_factory=dict)


# The node under test holds one liaison (alpha #0) and no peer. Dummy bodies are chosen so an
# allowed caller gets a refusal that is not about authentication and nothing changes.
HTTP: dict[tuple[str, str], Row] = {
    ("GET", "/healthz"): Row(EVERYONE, "/healthz", 200),
    ("GET", "/metrics"): Row(ANY_ROLE, "/metrics", 200),
    ("GET", "/openapi.json"): Row(EVERYONE, "/openapi.json", 200),
    ("GET", "/docs"): Row(EVERYONE, "/docs", 200),
    ("GET", "/docs/oauth2-redirect"): Row(EVERYONE, "/docs/oauth2-redirect", 200),
    ("GET", "/redoc"): Row(EVERYONE, "/redoc", 200),
    ("GET", "/asyncapi.json"): Row(EVERYONE, "/asyncapi.json", 200),
    ("GET", "/"): Row(EVERYONE, "/", 200),
    ("GET", "/console/{path}"): Row(EVERYONE, "/console/data/outline.json", 200),
    ("GET", "/console/session"): Row(READ, "/console/session", 200),
    ("GET", "/console/schema"): Row(EVERYONE, "/console/schema", 200),  # the protocol's own
    ("POST", "/v1/notices"): Row(POST, "/v1/notices", 422, "invalid_notice", json={}),
    ("GET", "/v1/notices"): Row(READ, "/v1/notices", 200),
    ("GET", "/v1/notices/{side}/{index}"): Row(READ, "/v1/notices/alpha/0", 200),
    ("POST", "/v1/notices/{side}/{index}/ack"): Row(
        POST, "/v1/notices/bravo/0/ack", 404, "unknown_side", json={"response": "ROGER"}
    ),
    ("POST", "/v1/notices/{side}/{index}/cancel"): Row(
        POST, "/v1/notices/alpha/99/cancel", 404, "unknown_entry", json={"reason": "other"}
    ),
    ("GET", "/v1/notices/{side}/{index}/proof"): Row(READ, "/v1/notices/alpha/0/proof", 200),
    ("GET", "/v1/logs/{side}/checkpoint"): Row(READ, "/v1/logs/alpha/checkpoint", 200),
    ("GET", "/v1/logs/{side}/checkpoints"): Row(READ, "/v1/logs/alpha/checkpoints", 200),
    ("GET", "/v1/logs/{side}/entries"): Row(READ, "/v1/logs/alpha/entries", 200),
    ("GET", "/v1/logs/{side}/proof/inclusion"): Row(
        READ, "/v1/logs/alpha/proof/inclusion", 200, params={"index": 0}
    ),
    ("GET", "/v1/logs/{side}/proof/consistency"): Row(
        READ, "/v1/logs/alpha/proof/consistency", 200, params={"old": 1}
    ),
    ("GET", "/v1/logs/{side}/tile/{path:path}"): Row(READ, "/v1/logs/alpha/tile/0/000.p/1", 200),
    ("GET", "/v1/keys"): Row(READ, "/v1/keys", 200),
    ("GET", "/v1/link"): Row(READ, "/v1/link", 200),
    ("GET", "/v1/audit/export"): Row(EXPORT, "/v1/audit/export", 200),
    ("GET", "/v1/audit/evidence"): Row(EXPORT, "/v1/audit/evidence", 200),
    ("GET", "/v1/audit/report"): Row(EXPORT, "/v1/audit/report", 200),
    ("GET", "/v1/conflicts"): Row(READ, "/v1/conflicts", 200),
    ("POST", "/v1/conflicts/check"): Row(
        POST, "/v1/conflicts/check", 422, "invalid_notice", json={}
    ),
    ("POST", "/v1/conflicts/{conflict_id}/handled"): Row(
        POST, f"/v1/conflicts/{'0' * 64}/handled", 404, "unknown_conflict", json={"remark": "x"}
    ),
    ("GET", "/v1/users"): Row(USERS, "/v1/users", 200),
    ("POST", "/v1/users"): Row(
        USERS, "/v1/users", 422, "bad_name", json={"name": "Not A Name", "role": "operator"}
    ),
    ("DELETE", "/v1/users/{name}"): Row(USERS, "/v1/users/nobody", 404, "unknown_user"),
}

# WebSockets: who gets through the handshake, and who may post on it (test_stream_* below).
WEBSOCKETS: dict[tuple[str, str], str] = {
    ("WS", "/v1/stream"): "read to connect, post to post, ack or cancel",
    ("WS", "/v1/peer"): "the peer node's log key in the handshake; no bearer token opens it",
}


# the routes of the app -------------------------------------------------------------------------


def _leaf(path: str, route: BaseRoute) -> Iterator[tuple[str, str]]:
    if isinstance(route, APIWebSocketRoute | WebSocketRoute):
        yield "WS", path
    elif isinstance(route, Mount):
        yield "GET", path.rstrip("/") + "/{path}"
    elif isinstance(route, APIRoute | Route):
        methods = set(route.methods or ())
        if "GET" in methods:
            methods.discard("HEAD")  # answered as GET
        for method in sorted(methods):
            yield method, path
    else:
        raise AssertionError(f"a route of unknown type {type(route).__name__} at {path!r}")


def app_routes(routes: list[Any]) -> Iterator[tuple[str, str]]:
    """(method, path template) of every route, following included routers (which FastAPI
    keeps as lazy candidates: each knows its full path and the route it came from)."""
    for route in routes:
        candidates = getattr(route, "effective_candidates", None)
        if callable(candidates):
            yield from app_routes(candidates())
            continue
        original = getattr(route, "original_route", None)
        if original is not None:
            path = route.path or getattr(route.starlette_route, "path", "")
            assert path, f"no path for {original!r}"
            yield from _leaf(path, original)
        else:
            yield from _leaf(route.path, route)


def test_every_route_has_a_matrix_row(node_app: NodeApp) -> None:
    routes = list(app_routes(node_app.app.routes))
    assert len(routes) == len(set(routes)), "a route is registered twice"
    rows = set(HTTP) | set(WEBSOCKETS)
    missing = sorted(set(routes) - rows)
    stale = sorted(rows - set(routes))
    assert not missing, f"routes without a row in the roles matrix: {missing}"
    assert not stale, f"matrix rows for routes the app does not have: {stale}"


# the callers ---------------------------------------------------------------------------------


async def caller_headers(na: NodeApp) -> dict[str, dict[str, str]]:
    """The Authorization header (or none) of every caller."""
    headers: dict[str, dict[str, str]] = {role: await na.headers(role) for role in ROLES}
    _, revoked = await add_user(na.node.store, "revoked1", OPERATOR, na.node.clock_ms())
    assert await na.node.store.revoke_user("revoked1", na.node.clock_ms())
    headers[NO_TOKEN] = {}
    headers[MALFORMED] = {"Authorization": "Basic b3BlcmF0b3I6c2VjcmV0"}
    headers[BAD_TOKEN] = {"Authorization": "Bearer hl_" + "x" * 43}
    headers[REVOKED] = {"Authorization": f"Bearer {revoked}"}
    return headers


def expected(row: Row, caller: str) -> tuple[int, str | None]:
    if caller in row.allowed:
        return row.status, row.code
    if caller in (NO_TOKEN, MALFORMED):
        return 401, "unauthenticated"
    if caller in (BAD_TOKEN, REVOKED):
        return 401, "bad_token"
    return 403, "forbidden"


@pytest.mark.parametrize("route", sorted(HTTP), ids=" ".join)
async def test_http_route_by_caller(node_app: NodeApp, route: tuple[str, str]) -> None:
    row = HTTP[route]
    await node_app.post_liaisons(1)
    headers = await caller_headers(node_app)
    method = route[0]
    wrong: list[str] = []
    for caller in CALLERS:
        r = await node_app.client.request(
            method, row.path, json=row.json, params=row.params, headers=headers[caller]
        )
        status, code = expected(row, caller)
        got_code = r.json().get("error") if r.status_code >= 400 else None
        if (r.status_code, got_code) != (status, code):
            wrong.append(f"{caller}: want {status} {code}, got {r.status_code} {r.text[:200]}")
        elif status == 401 and r.headers.get("www-authenticate") != "Bearer":
            wrong.append(f"{caller}: a 401 without WWW-Authenticate: Bearer")
    assert not wrong, f"{method} {row.path}:\n" + "\n".join(wrong)
    sizes = (await node_app.client.get("/healthz")).json()["sizes"]
    assert sizes == {"alpha": 1}, "a refused or dummy request appended something"


# what the allowed roles really do ----------------------------------------------------------


@pytest.mark.parametrize("role", sorted(POST))
async def test_posting_roles_post_and_cancel_for_the_own_side(node_app: NodeApp, role: str) -> None:
    headers = await node_app.headers(role)
    posted = await node_app.client.post(
        "/v1/notices", json={**LIAISON, "text": "line check"}, headers=headers
    )
    assert posted.status_code == 201, posted.text
    entry = posted.json()
    assert entry["notice"]["author"]["id"] == f"{role}1"
    cancel = await node_app.client.post(
        f"/v1/notices/alpha/{entry['index']}/cancel", json={"reason": "other"}, headers=headers
    )
    assert cancel.status_code == 201, cancel.text
    assert cancel.json()["notice"]["ref"]["index"] == entry["index"]
    # acknowledging is for the other side's notices: the own one is refused, not forbidden
    ack = await node_app.client.post(
        f"/v1/notices/alpha/{entry['index']}/ack", json={"response": "ROGER"}, headers=headers
    )
    assert (ack.status_code, ack.json()["error"]) == (403, "wrong_side")


async def test_admin_manages_users_and_a_revoked_token_stops_at_once(node_app: NodeApp) -> None:
    admin = await node_app.headers(ADMIN)
    added = await node_app.client.post(
        "/v1/users", json={"name": "duty-2", "role": "auditor"}, headers=admin
    )
    assert added.status_code == 201, added.text
    token = {"Authorization": f"Bearer {added.json()['token']}"}
    assert (await node_app.client.get("/v1/audit/evidence", headers=token)).status_code == 200
    forbidden = await node_app.client.post("/v1/notices", json=LIAISON, headers=token)
    assert (forbidden.status_code, forbidden.json()["error"]) == (403, "forbidden")
    listed = (await node_app.client.get("/v1/users", headers=admin)).json()["users"]
    assert any((u["name"], u["role"], u["revoked"]) == ("duty-2", "auditor", None) for u in listed)
    assert all("token" not in u and "token_hash" not in u for u in listed)
    revoked = await node_app.client.delete("/v1/users/duty-2", headers=admin)
    assert revoked.status_code == 200, revoked.text
    again = await node_app.client.get("/v1/audit/evidence", headers=token)
    assert (again.status_code, again.json()["error"]) == (401, "bad_token")
    twice = await node_app.client.delete("/v1/users/duty-2", headers=admin)
    assert (twice.status_code, twice.json()["error"]) == (404, "unknown_user")


# WebSockets ----------------------------------------------------------------------------------


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """``app``, whose lifespan already runs, behind uvicorn on a free 127.0.0.1 port; yields
    ``host:port``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app, lifespan="off", log_config=None, access_log=False, ws=CoalescingWebSocketProtocol
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(TIMEOUT):
            while not server.started:
                assert not task.done(), "uvicorn failed to start"
                await asyncio.sleep(0.005)
        yield f"127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        async with asyncio.timeout(TIMEOUT):
            await task
        sock.close()


async def receive(ws: ClientConnection) -> dict[str, Any]:
    async with asyncio.timeout(TIMEOUT):
        message: dict[str, Any] = json.loads(await ws.recv())
    return message


async def closed_with(ws: ClientConnection) -> tuple[int, str]:
    """Read until the node closes the connection; its close code and reason."""
    try:
        async with asyncio.timeout(TIMEOUT):
            while True:
                await ws.recv()
    except ConnectionClosed as exc:
        assert exc.rcvd is not None, "closed without a close frame"
        return exc.rcvd.code, exc.rcvd.reason
    raise AssertionError("unreachable")


def stream_close(caller: str, how: str) -> tuple[int, str] | None:
    """How the stream refuses ``caller`` (None: it may read). In an auth message the malformed
    header's credentials are just an unknown token."""
    if caller in READ:
        return None
    if caller in ANY_ROLE:
        return 4403, "forbidden"
    if caller == NO_TOKEN or (caller == MALFORMED and how == "header"):
        return 4401, "unauthenticated"
    return 4401, "bad_token"


@pytest.mark.parametrize("how", ["header", "auth message"])
async def test_stream_by_caller(node_app: NodeApp, how: str) -> None:
    headers = await caller_headers(node_app)
    wrong: list[str] = []
    async with serving(node_app.app) as where:
        url = f"ws://{where}/v1/stream"
        for caller in CALLERS:
            header = headers[caller] if how == "header" else {}
            async with connect(url, additional_headers=header) as ws:
                if caller == NO_TOKEN:  # without a header the first message must be auth
                    await ws.send(json.dumps({"type": "ping", "id": 1}))
                elif how == "auth message":
                    value = headers[caller]["Authorization"].partition(" ")[2]
                    await ws.send(json.dumps({"type": "auth", "id": "a", "token": value}))
                refusal = stream_close(caller, how)
                if refusal is not None:
                    got = await closed_with(ws)
                    if got != refusal:
                        wrong.append(f"{caller}: want close {refusal}, got {got}")
                    continue
                if how == "auth message":
                    hello = await receive(ws)
                    assert hello["type"] == "authenticated" and hello["role"] == caller, hello
                await ws.send(
                    json.dumps({"type": "post", "id": 2, "notice": {**LIAISON, "text": caller}})
                )
                reply = await receive(ws)
                if caller in POST:
                    ok = reply["type"] == "posted" and reply["entry"]["notice"]["text"] == caller
                else:
                    ok = reply["type"] == "error" and reply["error"] == "forbidden"
                if not ok:
                    wrong.append(f"{caller}: post answered {reply}")
                await ws.send(json.dumps({"type": "ping", "id": 3}))
                if (await receive(ws))["type"] != "pong":
                    wrong.append(f"{caller}: the connection did not stay usable")
    assert not wrong, "\n".join(wrong)
    texts = [n["notice"].get("text") for n in (await notices(node_app))]
    assert sorted(texts) == sorted(POST)


async def notices(na: NodeApp) -> list[dict[str, Any]]:
    r = await na.client.get("/v1/notices", headers=await na.headers(AUDITOR))
    assert r.status_code == 200, r.text
    found: list[dict[str, Any]] = r.json()["notices"]
    return found


async def test_peer_link_takes_no_bearer_token(node_app: NodeApp) -> None:
    headers = await caller_headers(node_app)
    async with serving(node_app.app) as where:
        for caller in CALLERS:
            async with connect(f"ws://{where}/v1/peer", additional_headers=headers[caller]) as ws:
                got = await closed_with(ws)
                assert got == (4404, "this node is not paired"), (caller, got)
    assert node_app.node.index.size("alpha") == 0
