"""What the peer link lets wait ahead of a FLASH: the socket's unsent bytes bounded at both
ends, replication held back while the socket holds enough, line-sized bounds from the rate."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import socket
from typing import Any

from websockets.asyncio.client import connect

from hotline.outbox import Outbox
from hotline.peering.manager import MAX_FRAME
from hotline.peering.pacing import (
    FAST_MESSAGE,
    FAST_RUN,
    FAST_UNSENT,
    MIN_BYTES,
    MIN_RUN,
    Pacing,
)
from hotline.peering.transport import ClientTransport, ServerTransport
from hotline.settings import PeerSettings

from .conftest import Nodes, wait_until


def _notsent_lowat(transport: Any) -> int:
    sock = transport.get_extra_info("socket")
    value: int = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NOTSENT_LOWAT)
    return value


def test_a_stated_line_rate_gives_a_twentieth_of_a_second_of_it_to_each_bound() -> None:
    assert Pacing.for_line(64) == Pacing(400, 400, run_entries=78, rate_bytes=6400)
    assert Pacing.for_line(2048) == Pacing(12_800, 12_800, 2500, 204_800)
    assert Pacing.for_line(1) == Pacing(MIN_BYTES, MIN_BYTES, MIN_RUN, 100)
    assert Pacing.for_line(0) == Pacing(FAST_UNSENT, FAST_MESSAGE, FAST_RUN)
    assert PeerSettings(side="b", origin="o", log_vkey="k", witness_vkey="w").line_kbit_s == 0


async def test_both_ends_of_a_link_bound_their_sockets_unsent_bytes(nodes: Nodes) -> None:
    alpha, bravo = await nodes.pair()
    await wait_until(lambda: alpha.connected() and bravo.connected(), "link up")
    assert alpha.node.peering is not None and bravo.node.peering is not None
    dialer, listener = alpha.node.peering.link, bravo.node.peering.link
    assert dialer is not None and listener is not None
    assert isinstance(dialer.t, ClientTransport) and isinstance(listener.t, ServerTransport)
    assert listener.t.transport is not None  # the node's WebSocket protocol named it
    assert _notsent_lowat(dialer.t.conn.transport) == FAST_UNSENT
    assert _notsent_lowat(listener.t.transport) == FAST_UNSENT
    assert dialer.t.room() and listener.t.room()


async def test_a_dialed_link_has_no_room_while_its_socket_holds_enough() -> None:
    reading = asyncio.Event()
    received = 0

    async def accept_then_read_when_told(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        nonlocal received
        request = await r.readuntil(b"\r\n\r\n")
        key = re.search(rb"(?i)sec-websocket-key: *(\S+)", request)
        assert key is not None
        digest = hashlib.sha1(key.group(1) + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest()
        w.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + base64.b64encode(digest) + b"\r\n\r\n"
        )
        await reading.wait()
        try:
            while data := await r.read(65536):
                received += len(data)
        finally:
            w.close()

    server = await asyncio.start_server(accept_then_read_when_told, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    conn = await connect(f"ws://127.0.0.1:{port}", max_size=None)
    t = ClientTransport(conn, MAX_FRAME, Pacing(unsent_bytes=4096, message_bytes=4096))
    assert _notsent_lowat(conn.transport) == 4096
    assert t.room()

    async def fill() -> None:
        while True:  # the peer reads nothing yet: its buffers, then the socket's, fill up
            await t.send("x" * 16_384)

    sending = asyncio.create_task(fill())
    try:
        await wait_until(lambda: not t.room(), "the socket holding enough")
        sending.cancel()
        reading.set()  # the peer reads everything: room again
        await wait_until(t.room, "room once the peer read")
        assert received > 0
    finally:
        sending.cancel()
        reading.set()
        conn.transport.abort()
        server.close()
        await server.wait_closed()


async def test_the_writer_holds_bulk_back_without_room_but_not_urgent_messages() -> None:
    written: list[str] = []
    room = False
    bulk = ["bulk 1", "bulk 2"]

    async def write(message: str) -> None:
        written.append(message)

    async def next_bulk() -> str | None:
        return bulk.pop(0) if bulk else None

    outbox: Outbox[str] = Outbox(write, bulk=next_bulk, room=lambda: room, poll=0.01)
    writer = asyncio.create_task(outbox.run())
    try:
        outbox.wake()
        await asyncio.sleep(0.1)
        assert written == []  # no room: the bulk waits
        outbox.put_urgent("flash")
        await wait_until(lambda: written == ["flash"], "the urgent message written")
        room = True
        await wait_until(lambda: written == ["flash", "bulk 1", "bulk 2"], "the bulk written")
    finally:
        writer.cancel()
        await asyncio.gather(writer, return_exceptions=True)
