"""Two nodes in this process over real sockets: the delivery receipt, and the link over TLS."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import random
import re
from typing import cast

from websockets.asyncio.client import connect

from hotline.peering.manager import MAX_FRAME
from hotline.peering.transport import ClientTransport
from hotline_protocol.checkpoint import open_checkpoint
from hotline_protocol.cosignature import CosignatureVerifier
from hotline_protocol.note import Verifier

from .conftest import LiveNode, Nodes, wait_until

LIAISON = {"kind": "liaison", "status": "exercise", "text": "Line check.", "language": "en"}


async def assert_delivered(alpha: LiveNode, bravo: LiveNode) -> None:
    """Post at alpha; the receipt arrives and verifies with bravo's witness key."""
    events = alpha.node.hub.subscribe(100)
    posted = await alpha.post(LIAISON)
    await wait_until(lambda: alpha.node.index.delivered_size("alpha") == 1, "delivered")
    state = (await alpha.get(f"/v1/notices/alpha/{posted['index']}"))["state"]
    assert state["status"] == "delivered"
    assert state["delivered"]["by"] == f"{bravo.settings.origin}/witness"
    note = await alpha.get("/v1/logs/alpha/checkpoint")
    cp = open_checkpoint(
        note,
        origin=alpha.settings.origin,
        log=Verifier.from_vkey(alpha.prepared.keys.log.vkey),
        witnesses=[CosignatureVerifier.from_vkey(bravo.prepared.keys.witness.vkey)],
    )
    assert cp.cosignatures.keys() == {f"{bravo.settings.origin}/witness"}
    assert bravo.size("alpha") == 1
    alpha.node.hub.unsubscribe(events)


async def test_post_is_delivered_with_a_verifiable_receipt(nodes: Nodes) -> None:
    alpha, bravo = await nodes.pair()
    await assert_delivered(alpha, bravo)


async def test_link_over_tls(nodes: Nodes) -> None:
    """bravo serves HTTPS with a self-signed certificate; alpha dials wss:// and trusts that
    certificate through ``peer.tls_ca``."""
    a, b = nodes.prepare("alpha"), nodes.prepare("bravo", tls=True)
    assert b.url.startswith("https://")
    card = b.card(dial=True).model_copy(update={"tls_ca": str(b.settings.dir / "cert.pem")})
    alpha = await nodes.start(a, card)
    bravo = await nodes.start(b, a.card())
    await wait_until(lambda: alpha.connected() and bravo.connected(), "link up over TLS")
    await assert_delivered(alpha, bravo)


async def test_tls_peer_that_is_not_trusted_gets_no_link(nodes: Nodes) -> None:
    a, b = nodes.prepare("alpha"), nodes.prepare("bravo", tls=True)
    alpha = await nodes.start(a, b.card(dial=True))  # no tls_ca: the system CAs do not know it
    bravo = await nodes.start(b, a.card())
    peering = alpha.node.peering
    assert peering is not None
    await wait_until(
        lambda: "CERTIFICATE_VERIFY_FAILED" in (peering.last_error or ""), "a refused certificate"
    )
    assert not alpha.connected() and not bravo.connected()


async def test_redialling_leaves_the_global_random_state_alone(nodes: Nodes) -> None:
    """The dialer's backoff jitter comes from a generator of its own: a node retrying in the
    background (beside other code in the same process) never moves the global one's state."""
    a, b = nodes.prepare("alpha"), nodes.prepare("bravo")  # bravo is never started
    try:
        state = random.getstate()
        alpha = await nodes.start(a, b.card(dial=True))
        peering = alpha.node.peering
        assert peering is not None
        await wait_until(lambda: peering.last_error is not None, "a failed dial")
        await asyncio.sleep(1.5)  # several more dials, each after a jittered backoff
        assert not alpha.connected()
        assert random.getstate() == state
    finally:
        b.sock.close()  # bound, never listening: every dial is refused


async def test_a_dialled_link_is_congested_while_the_peer_does_not_read() -> None:
    stop = asyncio.Event()

    async def accept_then_read_nothing(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        """A WebSocket handshake answered, then nothing more taken off the socket."""
        request = await r.readuntil(b"\r\n\r\n")
        key = re.search(rb"(?i)sec-websocket-key: *(\S+)", request)
        assert key is not None
        digest = hashlib.sha1(key.group(1) + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest()
        w.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + base64.b64encode(digest) + b"\r\n\r\n"
        )
        cast(asyncio.Transport, w.transport).pause_reading()
        await stop.wait()
        w.transport.abort()

    server = await asyncio.start_server(accept_then_read_nothing, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    conn = await connect(f"ws://127.0.0.1:{port}", max_size=None)
    t = ClientTransport(conn, MAX_FRAME)
    assert not t.congested()
    await t.send("a small message")
    assert not t.congested() and not t.congested(1000)
    assert t.congested(1_000_000)  # more than the transport holds before a send waits

    async def fill() -> None:
        while True:  # until a send waits for the socket to drain
            await t.send("x" * 100_000)

    sending = asyncio.create_task(fill())
    try:
        await wait_until(t.congested, "the socket backed up")
        assert not sending.done()  # the send waits: it would have held up its caller
    finally:
        sending.cancel()
        conn.transport.abort()
        stop.set()
        server.close()
        await server.wait_closed()
