"""The coalescing transport on a real loopback socket: the first write of a turn goes out at
once, the rest of the turn's writes go out together in the next turn, in order, and closing
writes what is gathered first."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

import pytest
import uvloop

from hotline.wsserver import CoalescingTransport

from .conftest import TIMEOUT

Run = Callable[[Coroutine[Any, Any, None]], None]
# each test runs on both loops: the node serves on uvloop, whose transports are not asyncio's
LOOPS = pytest.mark.parametrize("run", [asyncio.run, uvloop.run], ids=["asyncio", "uvloop"])


@asynccontextmanager
async def pair() -> AsyncIterator[tuple[CoalescingTransport, asyncio.StreamReader]]:
    """A coalescing transport writing to a loopback TCP socket, and a reader at the other end."""
    accepted: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()

    async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await accepted.put((reader, writer))

    server = await asyncio.start_server(on_client, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_connection(asyncio.Protocol, "127.0.0.1", port)
    sock = transport.get_extra_info("socket")
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    async with asyncio.timeout(TIMEOUT):
        reader, writer = await accepted.get()
    try:
        yield CoalescingTransport(transport, loop), reader
    finally:
        transport.close()
        writer.close()
        await writer.wait_closed()
        server.close()
        await server.wait_closed()


def frames(count: int) -> list[bytes]:
    return [f"frame {i:04d};".encode() for i in range(count)]


@LOOPS
def test_a_turns_writes_after_the_first_go_out_in_one_write(run: Run) -> None:
    run(a_turns_writes())


async def a_turns_writes() -> None:
    async with pair() as (transport, reader):
        sent = frames(50)
        for frame in sent:  # one turn of the loop
            transport.write(frame)
        assert transport.writes == 1  # the first frame, at once
        async with asyncio.timeout(TIMEOUT):
            got = await reader.readexactly(len(b"".join(sent)))
        assert got == b"".join(sent)  # every frame, in order
        assert transport.writes == 2  # the other 49 together


@LOOPS
def test_a_lone_write_goes_out_at_once_in_every_turn(run: Run) -> None:
    run(lone_writes())


async def lone_writes() -> None:
    async with pair() as (transport, reader):
        for i, frame in enumerate(frames(5)):
            transport.write(frame)
            assert transport.writes == i + 1
            async with asyncio.timeout(TIMEOUT):
                assert await reader.readexactly(len(frame)) == frame
            await asyncio.sleep(0)  # the turn ends before the next write


@LOOPS
@pytest.mark.parametrize("end", ["close", "write_eof"])
def test_ending_the_connection_writes_what_is_gathered_first(run: Run, end: str) -> None:
    run(ending_flushes(end))


async def ending_flushes(end: str) -> None:
    async with pair() as (transport, reader):
        sent = frames(20)
        for frame in sent:
            transport.write(frame)
        getattr(transport, end)()  # close, or only the end of the stream
        async with asyncio.timeout(TIMEOUT):
            got = await reader.read()  # to the end of the stream
        assert got == b"".join(sent)
        assert transport.is_closing() == (end == "close")  # the real transport's own answer
