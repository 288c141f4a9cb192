"""``/v1/stream`` over real sockets: a node behind uvicorn, clients from the websockets library."""

from __future__ import annotations

import asyncio
import functools
import json
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from hotline.settings import Limits
from hotline.stream import session
from hotline.stream import socket as stream_socket
from hotline_protocol.entries import encode_entry
from hotline_protocol.notices import parse_notice

from .conftest import TIMEOUT, Connect, NodeServer, Serve, liaison, serve_paired, wait_until

EXAMPLES = Path(__file__).parents[1] / "protocol" / "examples"


async def closed_with(ws: ClientConnection) -> tuple[int, str]:
    """Read until the node closes the connection; its close code and reason."""
    with pytest.raises(ConnectionClosed) as info:
        async with asyncio.timeout(TIMEOUT):
            while True:
                await ws.recv()
    rcvd = info.value.rcvd
    assert rcvd is not None
    return rcvd.code, rcvd.reason


# authentication ------------------------------------------------------------------------------
async def test_auth_by_header(server: NodeServer, connect_client: Connect) -> None:
    client = await connect_client(server)
    pong = await client.request({"type": "ping"})
    assert pong["type"] == "pong" and pong["id"] == 1 and isinstance(pong["time"], int)


async def test_auth_by_first_message(server: NodeServer) -> None:
    async with connect(server.url) as ws:
        await ws.send(json.dumps({"type": "auth", "id": "a", "token": server.tokens["operator"]}))
        reply = json.loads(await ws.recv())
        assert reply == {
            "type": "authenticated",
            "id": "a",
            "user": "operator-1",
            "role": "operator",
        }
        await ws.send(json.dumps({"type": "ping", "id": 2}))
        assert json.loads(await ws.recv())["type"] == "pong"
        await ws.send(json.dumps({"type": "auth", "id": 3, "token": server.tokens["operator"]}))
        again = json.loads(await ws.recv())
        assert again["error"] == "already_authenticated" and again["id"] == 3


@pytest.mark.parametrize("how", ["header", "message"])
async def test_bad_token_closes_4401(server: NodeServer, how: str) -> None:
    bad = "hl_" + "x" * 43
    headers = {"Authorization": f"Bearer {bad}"} if how == "header" else None
    async with connect(server.url, additional_headers=headers) as ws:
        if how == "message":
            await ws.send(json.dumps({"type": "auth", "token": bad}))
        assert await closed_with(ws) == (4401, "bad_token")


async def test_missing_auth_closes_4401(serve: Serve) -> None:
    server = await serve(Limits(auth_timeout_s=0.2))
    async with connect(server.url, additional_headers={"Authorization": "Basic abc"}) as ws:
        assert await closed_with(ws) == (4401, "unauthenticated")
    async with connect(server.url) as ws:  # the first message must be auth
        await ws.send(json.dumps({"type": "ping", "id": 1}))
        assert await closed_with(ws) == (4401, "unauthenticated")
    async with connect(server.url) as ws:  # nothing sent
        assert await closed_with(ws) == (4401, "auth_timeout")


async def test_role_without_read_closes_4403(server: NodeServer) -> None:
    headers = {"Authorization": f"Bearer {server.tokens['admin']}"}
    async with connect(server.url, additional_headers=headers) as ws:
        assert await closed_with(ws) == (4403, "forbidden")


async def test_auditor_subscribes_but_cannot_post(
    server: NodeServer, connect_client: Connect
) -> None:
    auditor = await connect_client(server, "auditor")
    sub = await auditor.request({"type": "subscribe"})
    assert sub["type"] == "subscribed"
    refused = await auditor.request({"type": "post", "notice": liaison()})
    assert refused["type"] == "error" and refused["error"] == "forbidden"
    refused = await auditor.request(
        {"type": "cancel", "side": "alpha", "index": 0, "reason": "other"}
    )
    assert refused["error"] == "forbidden"
    assert server.size() == 0
    operator = await connect_client(server, "automation")
    posted = await operator.post(liaison())
    event = await auditor.next_event()
    assert event["type"] == "appended" and event["index"] == posted["entry"]["index"]


# posting -------------------------------------------------------------------------------------
async def test_post_reply_and_subscriber_event(server: NodeServer, connect_client: Connect) -> None:
    watcher = await connect_client(server, "auditor")
    sub = await watcher.request({"type": "subscribe", "id": "s"})
    assert sub == {"type": "subscribed", "id": "s", "cursor": "alpha:0,alpha@0"}
    poster = await connect_client(server)
    reply = await poster.post(liaison("Radio check 1"))
    assert reply["replayed"] is False
    entry = reply["entry"]
    assert entry["side"] == "alpha" and entry["origin"] == "alpha.hotline.example"
    assert entry["index"] == 0 and entry["notice"]["text"] == "Radio check 1"
    assert entry["notice"]["author"] == {"id": "operator-1", "unit": "JOC", "nation": "XAA"}
    event = await watcher.next_event()
    assert event["type"] == "appended"
    for key in ("side", "origin", "index", "leaf_hash", "id", "notice"):
        assert event[key] == entry[key], key
    assert event["kind"] == "liaison" and event["precedence"] == "ROUTINE"
    assert event["cursor"] == "alpha:1,alpha@0"


async def test_pipelined_posts_all_answered(server: NodeServer, connect_client: Connect) -> None:
    client = await connect_client(server)
    batches_before = server.node.sequencer.batches if server.node.sequencer else 0
    futures = [
        await client.submit({"type": "post", "notice": liaison(f"n{i}")}) for i in range(200)
    ]
    async with asyncio.timeout(TIMEOUT):
        replies = await asyncio.gather(*futures)
    assert all(r["type"] == "posted" for r in replies), [r for r in replies if "error" in r][:3]
    assert sorted(r["id"] for r in replies) == list(range(1, 201))
    indexes = sorted(r["entry"]["index"] for r in replies)
    assert indexes == list(range(200))
    by_id = {r["id"]: r["entry"]["notice"]["text"] for r in replies}
    assert all(by_id[i + 1] == f"n{i}" for i in range(200))  # each reply answers its own post
    assert server.size() == 200
    assert server.node.sequencer is not None
    assert server.node.sequencer.batches - batches_before < 200  # posts shared commits


async def test_posts_refused_at_commit_are_answered_and_free_their_slots(
    server: NodeServer, connect_client: Connect
) -> None:
    client = await connect_client(server)
    first = (await client.post(liaison("v1")))["entry"]
    ref = {k: first[k] for k in ("origin", "index", "leaf_hash")}
    # more updates of the same notice than a connection has slots: all but one are refused
    # by the sequencer's checks at commit time, after validation passed
    futures = [
        await client.submit({"type": "post", "notice": liaison(f"v{i}", supersedes=ref)})
        for i in range(2, 2 + session.MAX_IN_FLIGHT + 44)
    ]
    async with asyncio.timeout(TIMEOUT):
        replies = await asyncio.gather(*futures)
    posted = [r for r in replies if r["type"] == "posted"]
    refused = [r for r in replies if r["type"] == "error"]
    assert len(posted) == 1, replies[:3]
    assert len(refused) == len(replies) - 1
    assert {r["error"] for r in refused} == {"already_superseded"}
    assert server.size() == 2
    # every slot came back: the connection still reads and posts
    assert (await client.request({"type": "ping"}))["type"] == "pong"
    await client.post(liaison("after"))
    assert server.size() == 3


async def test_a_flash_post_is_answered_before_its_connections_next_frame(
    server: NodeServer, connect_client: Connect
) -> None:
    """The reader hands a FLASH post to the sequencer itself and reads on once it is durable;
    a ROUTINE post runs beside the frames that follow it."""
    client = await connect_client(server)
    answered: list[str] = []
    for precedence in ("FLASH", "ROUTINE"):
        post = await client.submit(
            {"type": "post", "notice": liaison(precedence, precedence=precedence)}
        )
        ping = await client.submit({"type": "ping"})
        for fut, what in ((post, f"posted {precedence}"), (ping, f"pong after {precedence}")):
            fut.add_done_callback(functools.partial(_note, answered, what))
        async with asyncio.timeout(TIMEOUT):
            reply, pong = await asyncio.gather(post, ping)
        assert reply["type"] == "posted" and pong["type"] == "pong"
        assert reply["entry"]["notice"]["precedence"] == precedence
    assert answered[:2] == ["posted FLASH", "pong after FLASH"]
    assert sorted(answered[2:]) == ["pong after ROUTINE", "posted ROUTINE"]
    assert server.size() == 2


async def test_a_notice_flash_by_its_kind_is_answered_before_the_next_frame(
    server: NodeServer, connect_client: Connect
) -> None:
    """An aircraft-in-distress notice that leaves its precedence out is FLASH by its kind: the
    reader hands it to the sequencer itself, as it does a notice that says FLASH."""
    body = json.loads((EXAMPLES / "aircraft_in_distress.json").read_text())
    for key in ("id", "time", "author", "precedence"):
        body.pop(key)
    client = await connect_client(server)
    answered: list[str] = []
    post = await client.submit({"type": "post", "notice": body})
    ping = await client.submit({"type": "ping"})
    for fut, what in ((post, "posted"), (ping, "pong")):
        fut.add_done_callback(functools.partial(_note, answered, what))
    async with asyncio.timeout(TIMEOUT):
        posted, pong = await asyncio.gather(post, ping)
    assert (posted["type"], pong["type"]) == ("posted", "pong")
    assert posted["entry"]["notice"]["precedence"] == "FLASH"
    assert answered == ["posted", "pong"]


def _note(log: list[str], what: str, _: object) -> None:
    log.append(what)


async def test_client_ref_retry_appends_once(server: NodeServer, connect_client: Connect) -> None:
    client = await connect_client(server)
    first = await client.post(liaison("once"), client_ref="ref-1")
    again = await client.post(liaison("once"), client_ref="ref-1")
    assert first["replayed"] is False and again["replayed"] is True
    assert again["entry"] == first["entry"]
    # the same key twice in flight: one entry, both answered with it
    a, b = [
        await client.submit({"type": "post", "notice": liaison("twice"), "client_ref": "ref-2"})
        for _ in range(2)
    ]
    async with asyncio.timeout(TIMEOUT):
        ra, rb = await asyncio.gather(a, b)
    assert ra["entry"] == rb["entry"] and {ra["replayed"], rb["replayed"]} == {False, True}
    assert server.size() == 2


async def test_posts_in_flight_survive_a_disconnect(
    server: NodeServer, connect_client: Connect
) -> None:
    client = await connect_client(server)
    for i in range(50):
        await client.submit({"type": "post", "notice": liaison(f"n{i}"), "client_ref": f"r{i}"})
    await client.close()  # without waiting for the replies
    await wait_until(lambda: server.size() == 50, what="every post read before the close lands")
    again = await connect_client(server)
    futures = [
        await again.submit({"type": "post", "notice": liaison(f"n{i}"), "client_ref": f"r{i}"})
        for i in range(50)
    ]
    async with asyncio.timeout(TIMEOUT):
        replies = await asyncio.gather(*futures)
    assert all(r["type"] == "posted" and r["replayed"] for r in replies)
    assert sorted(r["entry"]["index"] for r in replies) == list(range(50))
    assert server.size() == 50


async def test_bad_messages_leave_connection_healthy(
    server: NodeServer, connect_client: Connect
) -> None:
    client = await connect_client(server)
    ws = client.ws

    async def refused(frame: str | bytes) -> dict[str, Any]:
        await ws.send(frame)
        async with asyncio.timeout(TIMEOUT):
            msg = await client.unsolicited.get()
        assert msg["type"] == "error", msg
        return msg

    assert (await refused("{not json"))["error"] == "malformed_json"
    assert (await refused(b'{"type": "ping", "id": 1}'))["error"] == "malformed_json"
    assert (await refused("NaN"))["error"] == "malformed_json"
    assert (await refused("[1, 2]"))["error"] == "invalid_request"
    no_type = await refused('{"id": 9}')
    assert no_type["error"] == "invalid_request" and no_type["id"] == 9
    assert no_type["detail"] == [{"path": "type", "reason": "a message type is required"}]

    unknown = await client.request({"type": "launch"})
    assert unknown["error"] == "unknown_type" and unknown["id"] == 1
    missing = await client.request({"type": "post"})
    assert missing["error"] == "invalid_request"
    assert [p["path"] for p in missing["detail"]] == ["notice"]
    extra = await client.request({"type": "ping", "colour": "red"})
    assert extra["error"] == "invalid_request"
    no_text = {k: v for k, v in liaison().items() if k != "text"}
    bad_notice = await client.request({"type": "post", "notice": no_text})
    assert bad_notice["error"] == "invalid_notice"
    assert "text" in [p["path"] for p in bad_notice["detail"]]
    bad_author = await client.request({"type": "post", "notice": liaison(author={"id": "x"})})
    assert bad_author["error"] == "author_mismatch"
    no_side = await client.request(
        {"type": "ack", "side": "gamma", "index": 0, "response": "ROGER"}
    )
    assert no_side["error"] == "unknown_side"
    no_entry = await client.request(
        {"type": "cancel", "side": "alpha", "index": 5, "reason": "other"}
    )
    assert no_entry["error"] == "unknown_entry"
    bad_cursor = await client.request({"type": "subscribe", "cursor": "alpha:x"})
    assert bad_cursor["error"] == "bad_cursor"
    ahead = await client.request({"type": "subscribe", "cursor": "alpha:7"})
    assert ahead["error"] == "bad_cursor"
    assert (await client.request({"type": "unsubscribe"}))["error"] == "not_subscribed"
    assert server.size() == 0

    assert (await client.request({"type": "ping"}))["type"] == "pong"
    await client.post(liaison())
    assert server.size() == 1


async def test_oversized_frame_closes_1009(server: NodeServer, connect_client: Connect) -> None:
    client = await connect_client(server)
    await client.post(liaison())
    limit = server.node.settings.limits.max_request_bytes
    frame = json.dumps({"type": "post", "id": 1, "notice": liaison("x" * limit)})
    assert len(frame) > limit
    await client.ws.send(frame)
    await wait_until(lambda: client.closed is not None, what="closed")
    assert client.closed is not None and client.closed.rcvd is not None
    assert (client.closed.rcvd.code, client.closed.rcvd.reason) == (1009, "frame_too_large")
    async with httpx.AsyncClient(base_url=server.http) as http:
        health = await http.get("/healthz")
    assert health.status_code == 200 and health.json()["sizes"]["alpha"] == 1
    again = await connect_client(server)
    assert (await again.request({"type": "ping"}))["type"] == "pong"
    assert server.size() == 1


# subscriptions -------------------------------------------------------------------------------
async def test_resume_gets_exactly_the_missed_events(
    server: NodeServer, connect_client: Connect
) -> None:
    always = await connect_client(server, "auditor")  # sees everything live, for comparison
    await always.request({"type": "subscribe"})
    poster = await connect_client(server)
    watcher = await connect_client(server, "auditor")
    await watcher.request({"type": "subscribe"})
    for i in range(3):
        await poster.post(liaison(f"before {i}"))
    seen = [await watcher.next_event() for _ in range(3)]
    assert [e["index"] for e in seen] == [0, 1, 2]
    await watcher.close()

    for i in range(4):
        await poster.post(liaison(f"while away {i}"))
    live = [await always.next_event() for _ in range(7)]

    back = await connect_client(server, "auditor")
    sub = await back.request({"type": "subscribe", "cursor": seen[-1]["cursor"]})
    assert sub["cursor"] == seen[-1]["cursor"]
    missed = [await back.next_event() for _ in range(4)]
    assert missed == live[3:]  # the same events, cursors included
    await poster.post(liaison("after"))
    nxt = await back.next_event()
    assert nxt["index"] == 7 and nxt["notice"]["text"] == "after"
    assert back.events.empty()

    unsub = await back.request({"type": "unsubscribe"})
    assert unsub["cursor"] == nxt["cursor"]
    # from the start ("" is the cursor before everything)
    await back.request({"type": "subscribe", "cursor": ""})
    everything = [await back.next_event() for _ in range(8)]
    assert everything[:7] == live and everything[7] == nxt


async def test_resume_during_concurrent_posts_has_no_gap(
    server: NodeServer, connect_client: Connect
) -> None:
    poster = await connect_client(server)
    futures = [
        await poster.submit({"type": "post", "notice": liaison(f"n{i}")}) for i in range(150)
    ]
    await wait_until(lambda: server.size() >= 20, what="some posts durable")
    watcher = await connect_client(server, "auditor")
    await watcher.request({"type": "subscribe", "cursor": ""})  # replay while posts go on
    futures += [
        await poster.submit({"type": "post", "notice": liaison(f"n{i}")}) for i in range(150, 300)
    ]
    events = await watcher.events_until(lambda e: e["index"] == 299)
    assert [e["index"] for e in events] == list(range(300))
    assert [e["notice"]["text"] for e in events] == [f"n{i}" for i in range(300)]
    async with asyncio.timeout(TIMEOUT):
        await asyncio.gather(*futures)
    assert watcher.events.empty()


async def test_filters_apply_to_replay_and_live(
    server: NodeServer, connect_client: Connect
) -> None:
    poster = await connect_client(server)
    await poster.post(liaison("routine"))
    await poster.post(liaison("flash", precedence="FLASH"))
    client = await connect_client(server, "auditor")
    await client.request({"type": "subscribe", "cursor": "", "filters": {"precedence": "FLASH"}})
    await poster.post(liaison("routine"))
    await poster.post(liaison("flash again", precedence="FLASH"))
    got = [await client.next_event() for _ in range(2)]
    assert [e["notice"]["text"] for e in got] == ["flash", "flash again"]
    bad = await client.request({"type": "subscribe", "filters": {"state": "overdue"}})
    assert bad["error"] == "invalid_request"
    again = await client.request({"type": "subscribe"})
    assert again["error"] == "already_subscribed"


async def test_acks_cancels_and_deliveries_replayed(serve: Serve, connect_client: Connect) -> None:
    server, bravo = await serve_paired(serve)
    node = server.node
    always = await connect_client(server, "auditor")
    await always.request({"type": "subscribe"})
    # the peer's notice arrives in the replica (as the peer link will record it)
    notice = parse_notice(
        {
            "id": "0b5a3b4e-3f55-4f43-9a51-1a3c2f0e8d11",
            "kind": "liaison",
            "status": "exercise",
            "author": {"id": "liaison-b", "unit": "HQ-B", "nation": "XBC"},
            "time": 1767254400000,
            "text": "Confirm duty officer.",
            "language": "en",
        }
    )
    entry = encode_entry("bravo.hotline.example", 0, b"", notice)
    await node.store.append("bravo.hotline.example", 0, [(entry.raw, entry.leaf_hash)])
    await node.trees["bravo"].load()
    node.recorder.entry("bravo", entry, node.clock_ms())

    operator = await connect_client(server)
    own = await operator.post(liaison("ours"))
    ack = await operator.request(
        {
            "type": "ack",
            "side": "bravo",
            "index": 0,
            "response": "WILCO",
            "remark": "duty officer is Maj. A",
        }
    )
    assert ack["type"] == "posted" and ack["entry"]["notice"]["kind"] == "ack"
    wrong = await operator.request(
        {"type": "ack", "side": "alpha", "index": 0, "response": "ROGER"}
    )
    assert wrong["error"] == "wrong_side"
    cancel = await operator.request(
        {"type": "cancel", "side": "alpha", "index": 0, "reason": "issued_in_error"}
    )
    assert cancel["type"] == "posted" and cancel["entry"]["notice"]["kind"] == "cancel"
    node.recorder.delivery("alpha", 2, bravo.witness.name, node.clock_ms())

    live = await always.events_until(lambda e: e["type"] == "delivered")
    assert [e["type"] for e in live] == [
        "appended",
        "appended",
        "appended",
        "acknowledged",
        "appended",
        "delivered",
    ]
    acknowledged = live[3]
    assert (acknowledged["side"], acknowledged["index"]) == ("bravo", 0)
    assert acknowledged["response"] == "WILCO" and acknowledged["by"] == "alpha/operator-1"
    assert own["entry"]["index"] == 0

    replayer = await connect_client(server, "auditor")
    await replayer.request({"type": "subscribe", "cursor": ""})
    replayed = [await replayer.next_event() for _ in range(len(live))]
    assert replayed == live
    # a cursor from the middle: after the ack's appended event
    mid = await connect_client(server, "auditor")
    await mid.request({"type": "subscribe", "cursor": live[3]["cursor"]})
    assert [await mid.next_event() for _ in range(2)] == live[4:]
    assert mid.events.empty() and replayer.events.empty()


async def test_a_client_that_stops_reading_is_cut_off_after_the_send_timeout(
    serve: Serve, connect_client: Connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream_socket, "SEND_TIMEOUT", 0.5)
    # a queue too long to overflow here: the session ends by the send timeout, not as slow
    server = await serve(limits=Limits(stream_queue=100_000))
    token = server.tokens["operator"]
    # a client with a tiny receive window that subscribes and then never reads again
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, ("127.0.0.1", server.port))
    handshake = (
        f"GET /v1/stream HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        f"Sec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n"
    )
    await loop.sock_sendall(sock, handshake.encode())
    async with asyncio.timeout(TIMEOUT):
        response = b""
        while b"\r\n\r\n" not in response:
            response += await loop.sock_recv(sock, 1)  # the 101 answer, and no more
    assert response.startswith(b"HTTP/1.1 101"), response
    subscribe = json.dumps({"type": "subscribe", "id": "s"}).encode()
    frame = bytes([0x81, 0x80 | len(subscribe)]) + b"\0\0\0\0" + subscribe  # masked, zero key
    await loop.sock_sendall(sock, frame)
    await wait_until(lambda: server.node.hub.subscribers == 1, what="subscribed")
    poster = await connect_client(server)
    long_text = "x" * 3990
    try:
        # ~6 MB of events for a client that takes none of it: more than the socket buffers
        # (up to 4 MB on Linux) and the transport's own hold
        futures = [
            await poster.submit({"type": "post", "notice": liaison(f"{i:04d} {long_text}")})
            for i in range(1500)
        ]
        async with asyncio.timeout(TIMEOUT):
            replies = await asyncio.gather(*futures)
        assert all(r["type"] == "posted" for r in replies)
        # its session ends (and leaves the hub) once a frame has waited SEND_TIMEOUT
        await wait_until(lambda: server.node.hub.subscribers == 0, what="the reader cut off")
        assert server.node.hub.dropped == 0  # not for a full queue
        assert (await poster.request({"type": "ping"}))["type"] == "pong"
    finally:
        sock.close()


async def test_slow_consumer_is_cut_off_and_resumes(serve: Serve, connect_client: Connect) -> None:
    server = await serve(limits=Limits(stream_queue=64))
    # a subscriber that stops reading: a small receive buffer, no compression, and the client
    # library stops reading from the socket once it holds one frame
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", server.port))
    slow = connect(
        server.url,
        sock=sock,
        max_queue=1,
        compression=None,
        additional_headers={"Authorization": f"Bearer {server.tokens['auditor']}"},
    )
    async with slow as slow_ws:
        await check_slow_consumer(server, slow_ws, connect_client)


async def check_slow_consumer(
    server: NodeServer, slow: ClientConnection, connect_client: Connect
) -> None:
    await slow.send(json.dumps({"type": "subscribe", "id": 1}))
    start = json.loads(await slow.recv())["cursor"]
    fast = await connect_client(server, "auditor")
    await fast.request({"type": "subscribe"})
    poster = await connect_client(server)

    text = "Routine position report. " * 150  # ~3.8 kB a notice: the socket fills quickly
    posted = 0

    async def post_window(n: int) -> None:
        nonlocal posted
        futures = [
            await poster.submit({"type": "post", "notice": liaison(f"{posted + i} {text}")})
            for i in range(n)
        ]
        async with asyncio.timeout(TIMEOUT):
            replies = await asyncio.gather(*futures)
        assert all(r["type"] == "posted" for r in replies)
        posted += n

    async with asyncio.timeout(60):
        while server.node.hub.dropped == 0:
            await post_window(16)  # bursts below stream_queue: the reading subscriber keeps up
    for _ in range(5):  # posting goes on
        await post_window(16)
    fast_events = await fast.events_until(lambda e: e["index"] == posted - 1)
    assert [e["index"] for e in fast_events] == list(range(posted))

    # the slow one gets what was queued for it, then 4008
    got: list[dict[str, Any]] = []
    with pytest.raises(ConnectionClosed) as info:
        async with asyncio.timeout(TIMEOUT):
            while True:
                got.append(json.loads(await slow.recv())["event"])
    assert info.value.rcvd is not None
    assert (info.value.rcvd.code, info.value.rcvd.reason) == (4008, "slow_consumer")
    assert [e["index"] for e in got] == list(range(len(got)))
    assert len(got) < posted

    resumed = await connect_client(server, "auditor")
    await resumed.request({"type": "subscribe", "cursor": got[-1]["cursor"] if got else start})
    rest = await resumed.events_until(lambda e: e["index"] == posted - 1)
    assert got + rest == fast_events
    assert server.size() == posted


async def test_a_lone_surrogate_in_a_message_is_refused_and_the_connection_stays(
    server: NodeServer,
) -> None:
    async with connect(
        server.url, additional_headers={"Authorization": f"Bearer {server.tokens['operator']}"}
    ) as ws:
        for frame in (
            '{"type": "ping", "id": "\\ud800"}',
            '{"type": "post", "id": 5, "notice": {"kind": "liaison", "text": "\\udfff"}}',
        ):
            await ws.send(frame)
            reply = json.loads(await ws.recv())
            assert (reply["type"], reply["error"], reply["id"]) == ("error", "malformed_json", None)
        await ws.send(json.dumps({"type": "ping", "id": "still here"}))
        assert json.loads(await ws.recv())["id"] == "still here"
    assert server.size() == 0
