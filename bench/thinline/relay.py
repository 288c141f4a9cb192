"""A thin line in user space: a TCP relay that delays, limits the rate and can stall.

The kernel's netem is not available everywhere (not in the sandbox the suite runs in), so the
line is emulated here. :class:`Relay` listens on addresses and forwards each connection to its
target; the bytes of each direction (alpha to bravo, bravo to alpha) cross one
:class:`Direction`, shared by every connection going that way, as one line would be:

- **rate**: a chunk leaves after its serialisation time at ``kbit_s`` (one chunk at a time, a
  token bucket with no burst);
- **delay**: then it arrives ``delay_ms`` later (the propagation delay, one way);
- **buffer**: at most ``queue_bytes`` wait for the line (a modem's buffer); the relay reads no
  more until there is room, and its sockets' receive buffers are kept small, so TCP's flow
  control pushes back on the sender as a full modem would;
- **stall**: :meth:`Relay.stall` stops both directions (nothing leaves, nothing is lost),
  :meth:`Relay.resume` goes on.

Its event loop runs in a thread of its own, so it keeps forwarding while the caller blocks.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
CHUNK = 256  # bytes read and serialised at a time
RCVBUF = 16 * 1024  # the relay's sockets' receive buffer (the kernel doubles it)


@dataclass(frozen=True)
class LineSpec:
    delay_ms: float = 300.0  # one way
    kbit_s: float = 64.0
    queue_bytes: int = 16 * 1024

    @property
    def bytes_per_s(self) -> float:
        return self.kbit_s * 1000 / 8


class Direction:
    """One direction of the line: queued chunks leave one after another at the rate, and
    arrive after the delay."""

    def __init__(self, spec: LineSpec) -> None:
        self.spec = spec
        self.bytes = 0  # bytes that crossed
        self._queue: deque[tuple[asyncio.StreamWriter, bytes]] = deque()
        self._queued = 0
        self._more = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()
        self.running = asyncio.Event()  # clear: stalled
        self.running.set()

    async def put(self, dst: asyncio.StreamWriter, data: bytes) -> None:
        """Queue ``data`` for ``dst`` (b"": close it after what is queued before), waiting for
        room in the buffer."""
        while self._queued >= self.spec.queue_bytes:
            self._room.clear()
            await self._room.wait()
        self._queue.append((dst, data))
        self._queued += len(data)
        self._more.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        free_at = loop.time()  # when the line has sent what it was given
        while True:
            while not self._queue:
                self._more.clear()
                await self._more.wait()
            await self.running.wait()
            dst, data = self._queue.popleft()
            self._queued -= len(data)
            self._room.set()
            free_at = max(free_at, loop.time()) + len(data) / self.spec.bytes_per_s
            await asyncio.sleep(free_at - loop.time())  # serialisation
            self.bytes += len(data)
            loop.call_at(free_at + self.spec.delay_ms / 1000, _deliver, dst, data)


def _deliver(dst: asyncio.StreamWriter, data: bytes) -> None:
    if dst.is_closing():
        return
    if data:
        dst.write(data)
    else:
        dst.close()


def _small_socket(family: int) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


class Relay:
    """The line between two sides: ``forward`` each side's service through it."""

    def __init__(self, spec: LineSpec) -> None:
        self.spec = spec
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._servers: list[asyncio.Server] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._writers: set[asyncio.StreamWriter] = set()
        self.a_to_b: Direction
        self.b_to_a: Direction

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)

    def start(self) -> Relay:
        self._thread.start()
        self._call(self._start())
        return self

    async def _start(self) -> None:
        self.a_to_b, self.b_to_a = Direction(self.spec), Direction(self.spec)
        for d in (self.a_to_b, self.b_to_a):
            self._tasks.append(asyncio.create_task(d.run()))

    def forward(self, listen: tuple[str, int], target: tuple[str, int], from_a: bool) -> None:
        """Listen on ``listen`` and forward to ``target``; ``from_a``: the connecting side is
        alpha (its bytes go alpha to bravo)."""
        self._call(self._forward(listen, target, from_a))

    async def _forward(
        self, listen: tuple[str, int], target: tuple[str, int], from_a: bool
    ) -> None:
        up, down = (self.a_to_b, self.b_to_a) if from_a else (self.b_to_a, self.a_to_b)

        async def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = _small_socket(socket.AF_INET)
            sock.setblocking(False)
            try:
                await asyncio.get_running_loop().sock_connect(sock, target)
                t_reader, t_writer = await asyncio.open_connection(sock=sock, limit=CHUNK)
            except OSError:
                sock.close()
                writer.close()
                return
            self._writers.update((writer, t_writer))
            await asyncio.gather(_pump(reader, t_writer, up), _pump(t_reader, writer, down))

        sock = _small_socket(socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(listen)
        self._servers.append(await asyncio.start_server(accepted, sock=sock, limit=CHUNK))

    def stall(self) -> None:
        """Nothing crosses until :meth:`resume` (what is sent waits, as on a dead line)."""
        self._loop.call_soon_threadsafe(self.a_to_b.running.clear)
        self._loop.call_soon_threadsafe(self.b_to_a.running.clear)

    def resume(self) -> None:
        self._loop.call_soon_threadsafe(self.a_to_b.running.set)
        self._loop.call_soon_threadsafe(self.b_to_a.running.set)

    def counts(self) -> tuple[int, int]:
        """Bytes that crossed alpha to bravo and bravo to alpha (TCP payload: TLS records)."""
        return self.a_to_b.bytes, self.b_to_a.bytes

    def close(self) -> None:
        if not self._thread.is_alive():
            return

        async def stop() -> None:
            for server in self._servers:
                server.close()
            for writer in self._writers:
                writer.close()
            for server in self._servers:
                await server.wait_closed()
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        self._call(stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


async def _pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, line: Direction) -> None:
    try:
        while data := await src.read(CHUNK):
            await line.put(dst, data)
    except OSError:
        pass
    await line.put(dst, b"")
