"""Before authentication a client holds little of the node: a frame of a few KiB at most
(``limits.preauth_bytes``, checked on the frame's header, before its payload is read) and a short
deadline, on the stream and on the peer link's endpoint. Real uvicorn, real sockets."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import struct

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from hotline.settings import Limits, PeerSettings
from hotline.wsserver import CoalescingWebSocketProtocol

from .conftest import TIMEOUT, NodeServer, Serve, liaison

BIG = 2 * 1024 * 1024


async def closed_with(ws: ClientConnection) -> tuple[int, str]:
    with pytest.raises(ConnectionClosed) as info:
        async with asyncio.timeout(TIMEOUT):
            while True:
                await ws.recv()
    rcvd = info.value.rcvd
    assert rcvd is not None
    return rcvd.code, rcvd.reason


def node_buffered() -> int:
    """Bytes the node's WebSocket connections hold received and not yet handed to the app."""
    return sum(
        len(p.conn.reader.buffer) + sum(len(f) for f in p.frames)
        for p in gc.get_objects()
        if type(p) is CoalescingWebSocketProtocol  # (isinstance fails on a dead weak proxy)
    )


async def send_big_frame(ws: ClientConnection, size: int = BIG) -> int:
    """Write one masked text frame of ``size`` bytes straight to the socket, a chunk at a time;
    the most the node held buffered meanwhile."""
    mask = os.urandom(4)
    ws.transport.write(bytes([0x81, 0x80 | 127]) + struct.pack("!Q", size) + mask)
    most = 0
    chunk = bytes(64 * 1024)
    for _ in range(size // len(chunk)):
        if ws.transport.is_closing():
            break
        ws.transport.write(chunk)  # zeros masked: the mask's bytes, as valid as any payload
        await asyncio.sleep(0.001)
        most = max(most, node_buffered())
    return most


async def test_a_2_mib_first_frame_is_refused_on_its_header_before_authentication(
    server: NodeServer,
) -> None:
    limit = server.node.settings.limits.preauth_bytes
    async with connect(server.url) as ws:
        most = await send_big_frame(ws)
        assert await closed_with(ws) == (1009, "frame_too_large")
    assert most <= limit, f"the node held {most} bytes of an unauthenticated frame"
    assert server.size() == 0


async def test_a_frame_over_the_preauth_limit_is_refused_and_one_under_it_authenticates(
    serve: Serve,
) -> None:
    server = await serve(Limits(preauth_bytes=1024))
    token = server.tokens["operator"]
    async with connect(server.url) as ws:  # an auth message padded past the limit
        await ws.send(json.dumps({"type": "auth", "token": token, "id": "x" * 1100}))
        assert await closed_with(ws) == (1009, "frame_too_large")
    async with connect(server.url) as ws:  # authenticated: frames up to max_request_bytes
        await ws.send(json.dumps({"type": "auth", "token": token, "id": 1}))
        assert json.loads(await ws.recv())["type"] == "authenticated"
        post = {"type": "post", "id": 2, "notice": liaison("y" * 3000)}
        await ws.send(json.dumps(post))
        reply = json.loads(await ws.recv())
        assert reply["type"] == "posted", reply
    assert server.size() == 1


async def test_a_header_token_is_checked_before_the_first_frame(serve: Serve) -> None:
    """With the token in the header the connection is authenticated before it is accepted:
    its first frame may already be a large post."""
    server = await serve(Limits(preauth_bytes=1024))
    headers = {"Authorization": f"Bearer {server.tokens['operator']}"}
    async with connect(server.url, additional_headers=headers) as ws:
        await ws.send(json.dumps({"type": "post", "id": 1, "notice": liaison("z" * 3000)}))
        assert json.loads(await ws.recv())["type"] == "posted"


async def test_a_silent_client_is_closed_after_the_deadline_and_counts_no_more(
    serve: Serve,
) -> None:
    server = await serve(Limits(auth_timeout_s=0.3))
    admission = server.node.admission
    async with connect(server.url) as ws:
        assert await closed_with(ws) == (4401, "auth_timeout")
    async with asyncio.timeout(TIMEOUT):
        while admission.connections:
            await asyncio.sleep(0.01)


# the peer link's endpoint ---------------------------------------------------------------------
def pinned() -> PeerSettings:
    from hotline.keys import witness_name
    from hotline_protocol.cosignature import CosignatureSigner
    from hotline_protocol.note import Signer

    return PeerSettings(
        side="bravo",
        origin="bravo.hotline.example",
        log_vkey=Signer.generate("bravo.hotline.example").vkey,
        witness_vkey=CosignatureSigner.generate(witness_name("bravo.hotline.example")).vkey,
        dial=False,
    )


async def test_the_peer_endpoint_refuses_a_2_mib_frame_before_the_handshake(
    serve: Serve,
) -> None:
    server = await serve(peer=pinned())
    limit = server.node.settings.limits.preauth_bytes
    async with connect(f"ws://127.0.0.1:{server.port}/v1/peer") as ws:
        hello = json.loads(await ws.recv())
        assert hello["type"] == "hello"
        most = await send_big_frame(ws)
        assert await closed_with(ws) == (1009, "message_too_large")
    assert most <= limit
    assert await server.node.store.list_evidence() == []  # nothing kept of an unauthenticated peer


async def test_a_silent_dialer_is_closed_after_the_handshake_deadline(serve: Serve) -> None:
    server = await serve(Limits(handshake_timeout_s=0.3), peer=pinned())
    async with connect(f"ws://127.0.0.1:{server.port}/v1/peer") as ws:
        assert json.loads(await ws.recv())["type"] == "hello"
        assert await closed_with(ws) == (4408, "handshake_timeout")
