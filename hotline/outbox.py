"""One writer per connection: urgent messages first, then bulk, and a flush from the caller.

Used by the peer link (urgent: receipts, FLASH entries, status; bulk: replication) and by the
client stream (urgent: replies; bulk: the subscription's events). Only one message is written
at a time, so frames stay in order:

- :meth:`Outbox.run` is the writer task: it sends the urgent messages, then asks the bulk
  source for its next message, and sleeps when there is nothing (``wake`` rouses it). A bulk
  message is taken only when ``room`` says the connection has room for it (else the writer
  looks again every ``poll`` seconds, or sooner for an urgent message): what waits in the
  socket ahead of an urgent message stays bounded;
- :meth:`Outbox.flush` sends the urgent messages from the caller's own task, unless the writer
  is in the middle of a send (it then sends them next, in order) or the transport would make
  the caller wait (``congested``). A FLASH's entry or answer appended in this turn of the event
  loop leaves in it, not a turn later when the writer wakes, and the caller never waits for the
  other end to read.

The outbox knows nothing of sockets: ``write`` sends one message, and its errors end
:meth:`run` (and are swallowed by :meth:`flush`, for the writer meets them too).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

M = TypeVar("M")
WRITE_SLICE = 16  # messages the writer sends in one turn of the event loop, at most


async def _no_bulk() -> None:
    return None


async def _closed_write(_message: object) -> None:
    raise RuntimeError("the outbox is closed")


def _never(_message: object) -> bool:
    return False


def _always() -> bool:
    return True


class Outbox(Generic[M]):
    def __init__(
        self,
        write: Callable[[M], Awaitable[None]],
        *,
        bulk: Callable[[], Awaitable[M | None]] = _no_bulk,
        congested: Callable[[M], bool] = _never,
        halted: Callable[[], bool] = lambda: False,
        write_errors: tuple[type[BaseException], ...] = (),
        room: Callable[[], bool] = lambda: True,
        poll: float = 0.005,
    ) -> None:
        self._write = write
        self._bulk = bulk
        self._congested = congested
        self._halted = halted  # checked before every message: True ends run() and flush()
        self._write_errors = write_errors  # what flush() leaves for the writer to meet
        self._room = room  # may a bulk message go now?
        self._poll = poll
        self.urgent: deque[M] = deque()
        self.room = asyncio.Event()  # set whenever the writer takes an urgent message
        self._ready = asyncio.Event()
        self._sending = False  # a message is being written (by the writer or flush())

    def put_urgent(self, message: M) -> None:
        """Queue a message to go before any bulk message still waiting."""
        self.urgent.append(message)
        self._ready.set()

    def wake(self) -> None:
        """The bulk source may have something (or the halting condition changed)."""
        self._ready.set()

    @property
    def wakeup(self) -> asyncio.Event:
        """The event that rouses the writer (a publisher may set it directly)."""
        return self._ready

    @property
    def sending(self) -> bool:
        return self._sending

    async def flush(self) -> None:
        """Send the urgent messages from the caller's task (see the module's docstring)."""
        if self._sending:
            return
        self._sending = True
        try:
            while self.urgent and not self._halted() and not self._congested(self.urgent[0]):
                await self._write(self.urgent.popleft())
        except self._write_errors:
            pass
        finally:
            self._sending = False
            self.room.set()
            self._ready.set()

    def close(self) -> None:
        """Forget the callbacks: the owner's bound methods, which would keep the owner and its
        outbox in a reference cycle (freed only by the cyclic collector) once the connection
        has ended. Nothing is written after this."""
        self._write = _closed_write
        self._bulk = _no_bulk
        self._congested = _never
        self._halted = _always
        self._room = _always
        self.urgent.clear()

    async def run(self) -> None:
        """Write until ``halted`` says so (returns) or a write fails (raises)."""
        sent = 0  # messages written since the loop last turned (a socket write rarely waits)
        while not self._halted():
            sent += 1
            if sent > WRITE_SLICE:  # a long backlog goes out between other work
                sent = 0
                await asyncio.sleep(0)
            if self._sending:  # flush() is sending; it wakes the writer after
                self._ready.clear()
                await self._ready.wait()
                continue
            if self.urgent:
                message = self.urgent.popleft()
                self.room.set()
                await self._turn(message)
                continue
            if not self._room():  # the connection holds enough: look again soon
                self._ready.clear()
                sent = 0
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._ready.wait(), self._poll)
                continue
            bulk = await self._bulk()
            if bulk is not None:
                await self._turn(bulk)
                continue
            if self._halted():
                return
            self._ready.clear()
            sent = 0
            await self._ready.wait()

    async def _turn(self, message: M) -> None:
        self._sending = True
        try:
            await self._write(message)
        finally:
            self._sending = False
