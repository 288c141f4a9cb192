"""Bad input gets a clear error and changes nothing.

Every refused request below is checked the same way: the exact status and error code, a detail
that names the problem, the feeds' sizes and the own feed's signed checkpoint exactly as before,
``/healthz`` still ok, and a valid post still appended right after (at the next index).

The node is alpha, paired with a generated card for bravo that never connects, so bravo's
replica is empty. Before each case alpha's feed holds a liaison (#0), a planned operation (#1),
a liaison (#2) and the cancel of #2 (#3).
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from websockets.asyncio.client import ClientConnection, connect

import hotline_protocol.entries
from hotline.api.errors import describe
from hotline.auth.users import add_user
from hotline.keys import witness_name
from hotline_protocol.cosignature import CosignatureSigner
from hotline_protocol.entries import MAX_ENTRY_BYTES, encode_entry
from hotline_protocol.errors import ProtocolError
from hotline_protocol.note import Signer
from hotline_protocol.notices import Author, Liaison, Status, parse_notice
from tests.api.conftest import LIAISON, NodeApp
from tests.api.test_roles import closed_with, receive, serving

EXAMPLES = Path(__file__).parents[1] / "protocol" / "examples"
PEER_ORIGIN = "bravo.hotline.example"


def example(kind: str) -> dict[str, Any]:
    """An example notice without what the node fills in (id, time, author) or ``expires``."""
    body: dict[str, Any] = json.loads((EXAMPLES / f"{kind}.json").read_text())
    for key in ("id", "time", "author", "expires"):
        body.pop(key, None)
    return body


@pytest.fixture
def node_app_settings() -> dict[str, Any]:
    """alpha, with bravo's card pinned (keys generated here; bravo never connects)."""
    return {
        "peer": {
            "side": "bravo",
            "origin": PEER_ORIGIN,
            "log_vkey": Signer.generate(PEER_ORIGIN).vkey,
            "witness_vkey": CosignatureSigner.generate(witness_name(PEER_ORIGIN)).vkey,
        }
    }


@dataclass
class World:
    na: NodeApp
    refs: dict[str, dict[str, Any]]  # liaison, operation, cancelled, cancel -> their reference
    revoked_token: str
    headers: dict[str, str] = field(default_factory=dict)  # the operator's

    def ref(self, name: str, **change: Any) -> dict[str, Any]:
        return {**self.refs[name], **change}


@pytest.fixture
async def world(node_app: NodeApp) -> World:
    na = node_app
    headers = await na.headers("operator")
    refs: dict[str, dict[str, Any]] = {}

    async def post(name: str, path: str, body: dict[str, Any]) -> None:
        r = await na.client.post(path, json=body, headers=headers)
        assert r.status_code == 201, r.text
        result = r.json()
        refs[name] = {k: result[k] for k in ("origin", "index", "leaf_hash")}

    await post("liaison", "/v1/notices", {**LIAISON, "text": "line check"})
    await post("operation", "/v1/notices", example("planned_operation"))
    await post("cancelled", "/v1/notices", {**LIAISON, "text": "sent in error"})
    await post("cancel", "/v1/notices/alpha/2/cancel", {"reason": "issued_in_error"})
    assert [r["index"] for r in refs.values()] == [0, 1, 2, 3]
    _, revoked = await add_user(na.node.store, "gone", "operator", na.node.clock_ms())
    assert await na.node.store.revoke_user("gone", na.node.clock_ms())
    return World(na, refs, revoked, headers)


@dataclass(frozen=True)
class State:
    sizes: dict[str, int]
    stored: int
    checkpoint: bytes


async def state(na: NodeApp) -> State:
    health = await na.client.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok", health.text
    cp = await na.client.get("/v1/logs/alpha/checkpoint", headers=await na.headers("auditor"))
    assert cp.status_code == 200, cp.text
    stored = await na.node.store.size(na.node.own.origin)
    return State(health.json()["sizes"], stored, cp.content)


async def assert_unchanged_and_healthy(na: NodeApp, before: State) -> None:
    """Nothing appended, the checkpoint as before; then a valid post goes to the next index."""
    assert await state(na) == before
    r = await na.client.post(
        "/v1/notices", json={**LIAISON, "text": "still here"}, headers=await na.headers("operator")
    )
    assert r.status_code == 201, r.text
    assert r.json()["index"] == before.sizes["alpha"]


# the refused requests --------------------------------------------------------------------------


@dataclass(frozen=True)
class Req:
    path: str = "/v1/notices"
    method: str = "POST"
    json: Any = None
    content: bytes | None = None
    params: dict[str, Any] | None = None
    headers: dict[str, str] | None = None  # instead of the operator's Authorization
    extra: dict[str, str] = field(default_factory=dict)  # added to the headers


@dataclass(frozen=True)
class Case:
    status: int
    code: str
    names: str  # a part of the detail that names the problem
    build: Callable[[World], Req]


CASES: dict[str, Case] = {}


def case(name: str, status: int, code: str, names: str) -> Callable[[Callable[[World], Req]], None]:
    def register(build: Callable[[World], Req]) -> None:
        assert name not in CASES
        CASES[name] = Case(status, code, names, build)

    return register


def raw(text: bytes) -> Req:
    return Req(content=text, extra={"Content-Type": "application/json"})


def liaison(**extra: Any) -> dict[str, Any]:
    return {**LIAISON, "text": "bad input test", **extra}


def nested(depth: int) -> list[Any]:
    """Lists in lists, ``depth`` deep."""
    value: list[Any] = []
    for _ in range(depth - 1):
        value = [value]
    return value


def operation_with_point(lat: float, lon: float) -> dict[str, Any]:
    body = example("planned_operation")
    points = body["areas"][0]["points"]
    points[0] = points[-1] = {"lat": lat, "lon": lon}  # the ring stays closed
    return body


# malformed JSON and what is not a notice
case("malformed JSON", 400, "malformed_json", "not JSON")(
    lambda w: raw(b'{"kind": "liaison", "text": ')
)
case("body not UTF-8", 400, "malformed_json", "not JSON")(lambda w: raw(b'{"text": "\xff\xfe"}'))
case("duplicate key", 400, "malformed_json", "duplicate key 'kind'")(
    lambda w: raw(b'{"kind": "liaison", "kind": "ack", "status": "test", "text": "x"}')
)
case("NaN is not JSON", 400, "malformed_json", "NaN")(
    lambda w: raw(b'{"kind": "liaison", "status": "test", "language": "en", "text": NaN}')
)
case("JSON nested deeper than the parser goes", 400, "malformed_json", "not JSON")(
    lambda w: raw(b'{"text": ' + b"[" * 5000 + b"]" * 5000 + b"}")
)
case("JSON nested deeper than any notice", 400, "malformed_json", "deeper than 32 levels")(
    lambda w: Req(json=liaison(extra=nested(40)))
)
case("JSON array, not an object", 422, "invalid_notice", "JSON object")(
    lambda w: Req(json=[liaison()])
)
case("JSON string, not an object", 422, "invalid_notice", "JSON object")(
    lambda w: Req(json="liaison")
)
case("unknown kind", 422, "invalid_notice", '"kind"')(
    lambda w: Req(json=liaison(kind="strike_order"))
)
case("unknown field", 422, "invalid_notice", '"colour"')(lambda w: Req(json=liaison(colour="red")))
case("null field", 422, "invalid_notice", "null is not allowed")(
    lambda w: Req(json=liaison(language=None))
)
case("missing field", 422, "invalid_notice", '"text"')(lambda w: Req(json=dict(LIAISON)))
case("latitude out of range", 422, "invalid_notice", "areas.0.points.0.lat")(
    lambda w: Req(json=operation_with_point(91.0, -31.25))
)
case("longitude out of range", 422, "invalid_notice", "areas.0.points.0.lon")(
    lambda w: Req(json=operation_with_point(47.5, -180.5))
)
case("time window the wrong way round", 422, "invalid_notice", "window")(
    lambda w: Req(
        json={**example("planned_operation"), "window": {"start": 2, "end": 1}},
    )
)
case("notice over 64 KiB, body under the limit", 422, "invalid_notice", '"text"')(
    lambda w: Req(json=liaison(text="x" * 66_000))
)
case("author of someone else", 403, "author_mismatch", "operator1")(
    lambda w: Req(json=liaison(author={"id": "someone-else"}))
)

# wrong side
case("ack of an own notice", 403, "wrong_side", "other side")(
    lambda w: Req("/v1/notices/alpha/0/ack", json={"response": "ROGER"})
)
case("ack notice referring to the own feed", 403, "wrong_side", "other side")(
    lambda w: Req(json={**example("ack"), "ref": w.ref("liaison")})
)
case("cancel of a peer notice", 404, "unknown_entry", "bravo has no entry 0")(
    lambda w: Req("/v1/notices/bravo/0/cancel", json={"reason": "other"})
)
case("cancel notice referring to the peer's feed", 404, "unknown_reference", PEER_ORIGIN)(
    lambda w: Req(json={**example("cancel"), "ref": w.ref("liaison", origin=PEER_ORIGIN)})
)
case("update of a peer notice", 404, "unknown_reference", PEER_ORIGIN)(
    lambda w: Req(json=liaison(supersedes=w.ref("liaison", origin=PEER_ORIGIN)))
)

# unknown references
case("ack of a missing peer entry", 404, "unknown_entry", "bravo has no entry 5")(
    lambda w: Req("/v1/notices/bravo/5/ack", json={"response": "ROGER"})
)
case("ack notice referring to a missing peer entry", 404, "unknown_reference", PEER_ORIGIN)(
    lambda w: Req(json={**example("ack"), "ref": w.ref("liaison", origin=PEER_ORIGIN)})
)
case("cancel of a missing own entry", 404, "unknown_entry", "alpha has no entry 99")(
    lambda w: Req("/v1/notices/alpha/99/cancel", json={"reason": "other"})
)
case("ack on an unknown side", 404, "unknown_side", "gamma")(
    lambda w: Req("/v1/notices/gamma/0/ack", json={"response": "ROGER"})
)
case("cancel with a wrong leaf hash", 404, "unknown_reference", "#0")(
    lambda w: Req(
        json={
            **example("cancel"),
            "ref": w.ref("liaison", leaf_hash=w.refs["operation"]["leaf_hash"]),
        }
    )
)
case("update of a missing index", 404, "unknown_reference", "#42")(
    lambda w: Req(json=liaison(supersedes=w.ref("liaison", index=42)))
)
case("update with a wrong leaf hash", 404, "unknown_reference", "#0")(
    lambda w: Req(
        json=liaison(supersedes=w.ref("liaison", leaf_hash=w.refs["cancel"]["leaf_hash"]))
    )
)

# closed entries and kinds
case("cancel twice", 409, "already_cancelled", "alpha #2")(
    lambda w: Req("/v1/notices/alpha/2/cancel", json={"reason": "other"})
)
case("update of a cancelled notice", 409, "already_cancelled", "alpha #2")(
    lambda w: Req(json=liaison(supersedes=w.ref("cancelled")))
)
case("update of another kind", 422, "kind_mismatch", "planned_operation")(
    lambda w: Req(json=liaison(supersedes=w.ref("operation")))
)
case("cancel of a cancel", 422, "not_cancellable", "cancel")(
    lambda w: Req("/v1/notices/alpha/3/cancel", json={"reason": "other"})
)

# ack and cancel bodies
case("ack with an unknown response", 422, "invalid_request", "body.response")(
    lambda w: Req("/v1/notices/alpha/0/ack", json={"response": "MAYBE"})
)
case("ack with an unknown field", 422, "invalid_request", "body.colour")(
    lambda w: Req("/v1/notices/alpha/0/ack", json={"response": "ROGER", "colour": "red"})
)
case("ack body malformed JSON", 400, "malformed_json", "not JSON")(
    lambda w: Req(
        "/v1/notices/alpha/0/ack",
        content=b'{"response": ',
        extra={"Content-Type": "application/json"},
    )
)
case("ack body nested deeper than the parser goes", 400, "malformed_json", "parsing the body")(
    lambda w: Req(
        "/v1/notices/alpha/0/ack",
        content=b'{"response": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        extra={"Content-Type": "application/json"},
    )
)
case("ack notice with an unknown reason code", 422, "invalid_notice", '"reason_code"')(
    lambda w: Req(json={**example("ack"), "reason_code": "tired"})
)
case("cancel with an unknown reason", 422, "invalid_notice", '"reason"')(
    lambda w: Req("/v1/notices/alpha/0/cancel", json={"reason": "bored"})
)
case("cancel without a reason", 422, "invalid_request", "body.reason")(
    lambda w: Req("/v1/notices/alpha/0/cancel", json={})
)

# idempotency keys
case("Idempotency-Key too long", 422, "invalid_request", "header.Idempotency-Key")(
    lambda w: Req(json=liaison(), extra={"Idempotency-Key": "k" * 129})
)
case("Idempotency-Key with a space", 422, "invalid_request", "header.Idempotency-Key")(
    lambda w: Req(json=liaison(), extra={"Idempotency-Key": "two words"})
)

# bad tokens
case("no token", 401, "unauthenticated", "bearer token")(lambda w: Req(json=liaison(), headers={}))
case("not a bearer token", 401, "unauthenticated", "bearer token")(
    lambda w: Req(json=liaison(), headers={"Authorization": "Basic b3BlcmF0b3I="})
)
case("empty bearer token", 401, "unauthenticated", "bearer token")(
    lambda w: Req(json=liaison(), headers={"Authorization": "Bearer "})
)
case("unknown token", 401, "bad_token", "unknown or revoked")(
    lambda w: Req(json=liaison(), headers={"Authorization": "Bearer hl_" + "A" * 43})
)
case("token of another format", 401, "bad_token", "unknown or revoked")(
    lambda w: Req(json=liaison(), headers={"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30"})
)
case("over-long token", 401, "bad_token", "unknown or revoked")(
    lambda w: Req(json=liaison(), headers={"Authorization": "Bearer hl_" + "A" * 5000})
)
case("revoked token", 401, "bad_token", "unknown or revoked")(
    lambda w: Req(json=liaison(), headers={"Authorization": f"Bearer {w.revoked_token}"})
)


# query parameters
def get(path: str, params: dict[str, Any]) -> Callable[[World], Req]:
    return lambda w: Req(path, method="GET", params=params)


LIST_PARAMS: list[tuple[str, dict[str, Any], int, str, str]] = [
    ("limit 0", {"limit": 0}, 422, "invalid_request", "query.limit"),
    ("limit over 500", {"limit": 501}, 422, "invalid_request", "query.limit"),
    ("limit not a number", {"limit": "ten"}, 422, "invalid_request", "query.limit"),
    ("negative since", {"since": -1}, 422, "invalid_request", "query.since"),
    ("unknown state", {"state": "lost"}, 422, "invalid_request", "query.state"),
    ("unknown precedence", {"precedence": "URGENT"}, 422, "invalid_request", "query.precedence"),
    ("cursor not issued here", {"cursor": "yesterday"}, 400, "bad_cursor", "cursor"),
    ("unknown side filter", {"side": "gamma"}, 404, "unknown_side", "gamma"),
]
for _name, _params, _status, _code, _names in LIST_PARAMS:
    case(f"list with {_name}", _status, _code, _names)(get("/v1/notices", _params))
for _name, _path, _params, _code, _names in [
    ("entries from -1", "entries", {"start": -1}, "bad_range", "start -1"),
    ("inclusion proof of -1", "proof/inclusion", {"index": -1}, "bad_range", "index -1"),
    ("consistency proof from 0", "proof/consistency", {"old": 0}, "bad_range", "old 0"),
    ("checkpoints since -1", "checkpoints", {"since": -1}, "bad_range", "since"),
    ("tile path not canonical", "tile/0/1", {}, "bad_tile_path", "'tile/0/1' is not a tile"),
]:
    case(f"log {_name}", 400, _code, _names)(get(f"/v1/logs/alpha/{_path}", _params))


@pytest.mark.parametrize("name", sorted(CASES))
async def test_refused_and_nothing_changes(world: World, name: str) -> None:
    na, bad = world.na, CASES[name]
    req = bad.build(world)
    headers = dict(world.headers if req.headers is None else req.headers)
    headers.update(req.extra)
    before = await state(na)

    r = await na.client.request(
        req.method, req.path, json=req.json, content=req.content, params=req.params, headers=headers
    )

    assert (r.status_code, r.json().get("error")) == (bad.status, bad.code), r.text
    detail = json.dumps(r.json()["detail"], ensure_ascii=False)
    assert bad.names in detail, f"the detail does not name {bad.names!r}: {detail}"
    await assert_unchanged_and_healthy(na, before)


# sizes ---------------------------------------------------------------------------------------


async def test_body_over_the_request_limit(world: World) -> None:
    na = world.na
    limit = na.node.settings.limits.max_request_bytes
    body = json.dumps(liaison(text="x" * limit)).encode()
    assert len(body) > limit
    before = await state(na)

    declared = await na.client.post(
        "/v1/notices", content=body, headers={**world.headers, "Content-Type": "application/json"}
    )

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        for i in range(0, len(body), 8192):
            yield body[i : i + 8192]

    streamed = await na.client.post("/v1/notices", content=chunks(), headers=world.headers)
    for r in (declared, streamed):
        assert (r.status_code, r.json()["error"]) == (413, "request_too_large"), r.text
        assert str(limit) in r.json()["detail"]
    await assert_unchanged_and_healthy(na, before)


async def test_entry_just_over_the_entry_limit(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No notice the schema accepts makes an entry of 65,535 bytes (the largest are about
    under 60 KB), so the limit is lowered to the size of one entry: one byte less refuses it."""
    na = world.na
    body = liaison(
        id=str(uuid4()),
        time=na.node.clock_ms(),
        author={"id": "operator1", "unit": "JOC", "nation": "XAA"},
        text="y" * 3000,
    )
    tree = na.node.trees["alpha"]
    size = len(encode_entry(na.node.own.origin, tree.size, tree.last_leaf, parse_notice(body)).raw)
    before = await state(na)

    monkeypatch.setattr(hotline_protocol.entries, "MAX_ENTRY_BYTES", size - 1)
    r = await na.client.post("/v1/notices", json=body, headers=world.headers)
    assert (r.status_code, r.json()["error"]) == (413, "entry_too_large"), r.text
    assert r.json()["detail"]["expected"] == size - 1 and r.json()["detail"]["found"] == size
    assert await state(na) == before

    monkeypatch.setattr(hotline_protocol.entries, "MAX_ENTRY_BYTES", size)
    r = await na.client.post("/v1/notices", json=body, headers=world.headers)
    assert r.status_code == 201, r.text
    assert r.json()["index"] == before.sizes["alpha"]


async def test_an_entry_over_64_kib_never_reaches_the_store(world: World) -> None:
    """The sequencer refuses an entry over 65,535 bytes even if validation were bypassed."""
    na = world.na
    notice = Liaison.model_construct(
        id=uuid4(),
        status=Status.TEST,
        author=Author(id="operator1", unit="JOC", nation="XAA"),
        time=na.node.clock_ms(),
        text="z" * (MAX_ENTRY_BYTES + 1),
        language="en",
    )
    before = await state(na)
    with pytest.raises(ProtocolError) as refused:
        await na.node.sequencer.append(notice)
    assert refused.value.code == "entry_too_large"
    assert describe(refused.value) == (413, "entry_too_large", refused.value.to_dict())
    await assert_unchanged_and_healthy(na, before)


# the stream ----------------------------------------------------------------------------------


async def send(ws: ClientConnection, frame: str | bytes) -> dict[str, Any]:
    await ws.send(frame)
    return await receive(ws)


async def test_stream_refuses_bad_messages_and_stays_usable(world: World) -> None:
    na, w = world.na, world
    token = world.headers["Authorization"]
    m = json.dumps

    def compact(value: Any) -> str:  # the text a client library writes without spaces
        return json.dumps(value, separators=(",", ":"))

    frames: list[tuple[str | bytes, str, str]] = [
        ("{not json", "malformed_json", "not JSON"),
        ('{"type":"ping","id":1,"id":2}', "malformed_json", "duplicate key"),
        (
            compact({"type": "post", "id": 1, "notice": liaison(language=None)}),
            "invalid_notice",
            "null is not allowed",
        ),
        (
            m({"type": "post", "id": 1, "notice": liaison(language=None)}),
            "invalid_notice",
            "null is not allowed",
        ),
        (b'{"type": "ping", "id": 1}', "malformed_json", "text frames"),
        ('["post"]', "invalid_request", "JSON object"),
        (m({"type": "launch", "id": 1}), "unknown_type", "launch"),
        (m({"type": "ping", "id": 1, "colour": "red"}), "invalid_request", "colour"),
        (m({"type": "post", "id": 1}), "invalid_request", "notice"),
        (m({"type": "post", "id": 1, "notice": liaison(kind="strike")}), "invalid_notice", "kind"),
        (m({"type": "post", "id": 1, "notice": liaison(colour="red")}), "invalid_notice", "colour"),
        (
            m({"type": "post", "id": 1, "notice": operation_with_point(-90.5, 0)}),
            "invalid_notice",
            "areas.0.points.0.lat",
        ),
        (
            m({"type": "post", "id": 1, "notice": liaison(), "client_ref": "r" * 129}),
            "invalid_request",
            "client_ref",
        ),
        (
            m({"type": "ack", "id": 1, "side": "alpha", "index": 0, "response": "ROGER"}),
            "wrong_side",
            "other side",
        ),
        (
            m({"type": "ack", "id": 1, "side": "bravo", "index": 0, "response": "ROGER"}),
            "unknown_entry",
            "bravo",
        ),
        (
            m({"type": "cancel", "id": 1, "side": "alpha", "index": 2, "reason": "other"}),
            "already_cancelled",
            "alpha #2",
        ),
        (
            m({"type": "post", "id": 1, "notice": liaison(supersedes=w.ref("operation"))}),
            "kind_mismatch",
            "planned_operation",
        ),
        (m({"type": "ack", "id": 1, "side": "bravo", "index": -1}), "invalid_request", "index"),
    ]
    before = await state(na)
    async with serving(na.app) as where:
        async with connect(
            f"ws://{where}/v1/stream", additional_headers={"Authorization": token}
        ) as ws:
            for frame, code, names in frames:
                reply = await send(ws, frame)
                assert (reply["type"], reply["error"]) == ("error", code), (frame, reply)
                assert names in json.dumps(reply["detail"]), (frame, reply)
                pong = await send(ws, m({"type": "ping", "id": "alive"}))
                assert (pong["type"], pong["id"]) == ("pong", "alive")
            assert await state(na) == before
            posted = await send(ws, m({"type": "post", "id": 2, "notice": liaison()}))
            assert posted["type"] == "posted", posted
            assert posted["entry"]["index"] == before.sizes["alpha"]
            # the word null inside a string is text, not a null
            wordy = compact({"type": "post", "id": 3, "notice": liaison(text="null and void")})
            posted = await send(ws, wordy)
            assert posted["type"] == "posted", posted
            assert posted["entry"]["notice"]["text"] == "null and void"


async def test_stream_frame_over_the_limit_closes_1009(world: World) -> None:
    na = world.na
    limit = na.node.settings.limits.max_request_bytes
    headers = {"Authorization": world.headers["Authorization"]}
    before = await state(na)
    async with serving(na.app) as where:
        url = f"ws://{where}/v1/stream"
        async with connect(url, additional_headers=headers, max_size=None) as ws:
            frame = json.dumps({"type": "post", "id": 1, "notice": liaison(text="x" * limit)})
            assert len(frame) > limit
            await ws.send(frame)
            assert await closed_with(ws) == (1009, "frame_too_large")
        assert await state(na) == before
        async with connect(url, additional_headers=headers) as ws:  # the node takes others
            pong = await send(ws, json.dumps({"type": "ping", "id": 1}))
            assert pong["type"] == "pong"
    await assert_unchanged_and_healthy(na, before)


async def test_many_bad_requests_at_once_leave_the_node_healthy(world: World) -> None:
    """A burst of every refused request, concurrently, with valid posts mixed in: exactly the
    valid ones are appended, in a feed that still verifies."""
    na = world.na
    before = await state(na)

    async def bad(name: str) -> int:
        req = CASES[name].build(world)
        headers = dict(world.headers if req.headers is None else req.headers)
        headers.update(req.extra)
        r = await na.client.request(
            req.method,
            req.path,
            json=req.json,
            content=req.content,
            params=req.params,
            headers=headers,
        )
        return r.status_code

    async def good(i: int) -> int:
        r = await na.client.post(
            "/v1/notices", json=liaison(text=f"good {i}"), headers=world.headers
        )
        return r.status_code

    statuses = await asyncio.gather(
        *(bad(name) for name in sorted(CASES)), *(good(i) for i in range(20))
    )
    assert statuses[-20:] == [201] * 20
    assert all(400 <= s < 500 for s in statuses[:-20])
    after = await state(na)
    assert after.sizes == {**before.sizes, "alpha": before.sizes["alpha"] + 20}
    export = await na.client.get("/v1/audit/export", headers=await na.headers("auditor"))
    entries = json.loads(export.content)["sides"][0]["entries"]
    texts = [json.loads(base64.b64decode(e))["notice"].get("text") for e in entries]
    assert sorted(t for t in texts if t and t.startswith("good ")) == sorted(
        f"good {i}" for i in range(20)
    )
