"""The posts waiting for the sequencer's next write, ordered by precedence, and the pacing of
writes under load.

A FLASH post overtakes queued ROUTINE ones and is written in a batch of its own: a FLASH waits
for the write in flight, never for the encoding and writing of a backlog queued beside it.
Writes without FLASH are paced: one at most every ``commit_interval`` seconds (fewer, larger
writes cost the node less, and the store is more often free when a FLASH comes); a FLASH cuts
the wait short.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from hotline_protocol.entries import Entry
from hotline_protocol.notices import Notice

PRECEDENCE_RANK = {"FLASH": 0, "IMMEDIATE": 1, "PRIORITY": 2, "ROUTINE": 3}


@dataclass(frozen=True, slots=True)
class Appended:
    """A post's outcome: its entry, durable."""

    entry: Entry
    replayed: bool = False  # True when an idempotency key returned an earlier entry
    checkpoint: bytes = b""


# Told of an append at once, in the turn of the loop that made it durable (a waiting coroutine
# would only run a turn later): how a stream answers ``posted`` without that extra turn.
OnAppended = Callable[[Appended], None]


@dataclass(order=True)
class Post:
    """A post waiting to be written: ordered by precedence (``rank``, 0 for FLASH), then by
    arrival."""

    rank: int
    seq: int
    notice: Notice = field(compare=False)
    text: bytes = field(compare=False)  # the notice's canonical text, made before its turn
    ref_key: str | None = field(compare=False)
    future: asyncio.Future[Appended] = field(compare=False)
    on_appended: OnAppended | None = field(compare=False)


class PostQueue:
    """The queue of posts, the event that wakes the sequencer's task, and the pace of writes."""

    def __init__(self, batch_max: int, commit_interval: float) -> None:
        self._heap: list[Post] = []
        self._seq = itertools.count()
        self._batch_max = batch_max
        self._commit_interval = commit_interval
        self._last_write = float("-inf")  # loop time the previous batch was taken
        self.wake = asyncio.Event()  # something was queued
        self._flash_wake = asyncio.Event()  # a FLASH was queued: cuts the pacing short

    def __len__(self) -> int:
        return len(self._heap)

    def __iter__(self) -> Iterator[Post]:
        return iter(self._heap)

    def push(
        self,
        notice: Notice,
        text: bytes,
        ref_key: str | None,
        on_appended: OnAppended | None,
    ) -> tuple[asyncio.Future[Appended], int]:
        """Queue a post: its future (the entry once durable) and its rank (0: FLASH)."""
        fut: asyncio.Future[Appended] = asyncio.get_running_loop().create_future()
        rank = PRECEDENCE_RANK[notice.precedence.value]
        heapq.heappush(
            self._heap, Post(rank, next(self._seq), notice, text, ref_key, fut, on_appended)
        )
        return fut, rank

    def flash_queued(self) -> bool:
        return bool(self._heap) and self._heap[0].rank == 0

    def wake_for(self, rank: int) -> None:
        self.wake.set()
        if rank == 0:
            self._flash_wake.set()

    async def pace(self) -> None:
        """Wait until ``commit_interval`` after the previous batch was taken, unless a FLASH
        is queued or a full batch is."""
        loop = asyncio.get_running_loop()
        heap = self._heap
        while (
            heap
            and heap[0].rank > 0
            and len(heap) < self._batch_max
            and (wait := self._last_write + self._commit_interval - loop.time()) > 0
        ):
            self._flash_wake.clear()
            try:
                async with asyncio.timeout(wait):
                    await self._flash_wake.wait()
            except TimeoutError:
                pass
        self._last_write = loop.time()

    def next_batch(self) -> list[Post]:
        """The next posts to write: the queued FLASH posts alone if there are any, else the
        queue in precedence order (at most ``batch_max`` either way)."""
        heap = self._heap
        flash = heap[0].rank == 0
        batch: list[Post] = []
        while heap and len(batch) < self._batch_max and (not flash or heap[0].rank == 0):
            batch.append(heapq.heappop(heap))
        return batch
