"""The notices of a report told a chunk at a time, on every core.

Each feed is told :data:`CHUNK` entries at a time (:meth:`.dispute.Dispute.tell`: decode, the
record, rendered as text or JSON), and the two feeds are merged in the order the witnesses saw
them. Telling a notice costs tens of microseconds (its decoding and validation again, its record,
its sentence), so with more than a chunk to tell, processes forked from this one tell the chunks,
a few of each feed ahead of the one being written: they share, as it was when they were forked,
everything verified (the spools on disk, the witnessed times, the deadlines), and get only a
chunk's place and what refers to its entries. A process with other threads does not fork (a
lock held by one of them would stay held in the child): it tells every chunk itself, one record
at a time. The records, their order, and what the dispute gathers meanwhile (the implausible
times, the entries left out) are the same either way.
"""

from __future__ import annotations

import heapq
import multiprocessing
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

from ..entryblocks import default_workers
from ..spool import BLOCK

if TYPE_CHECKING:
    from .dispute import Dispute, Story

Render = Callable[[dict[str, Any], "Dispute"], Any]  # a notice's record -> what is written
Told = tuple[tuple[float, str, int], Any, list[dict[str, Any]]]  # key, rendered, implausible
CHUNK = 8 * BLOCK  # entries of a feed told at a time (a multiple of the spool's block)
AHEAD = 2  # chunks of each feed handed to the workers beyond the one being written
_forked: Dispute | None = None  # the dispute a forked worker tells chunks of


def told(dispute: Dispute, render: Render, workers: int | None = None) -> Iterator[Any]:
    """Every notice's record as ``render(record, dispute)`` makes it, in witnessed order; by
    ``workers`` processes (default: :func:`~hotline_protocol.entryblocks.default_workers`)
    when there is more than a chunk to tell and this process can fork."""
    dispute.implausible.clear()
    dispute.hidden = 0
    workers = default_workers() if workers is None else workers
    entries = sum(len(story.feed.leaves) for story in dispute.stories.values())
    pool = _fork_pool(dispute, workers) if workers > 1 and entries > CHUNK else None
    dispute.tellers = workers if pool is not None else 1
    try:
        streams = [_feed(dispute, story, render, pool) for story in dispute.stories.values()]
        for _, text, implausible in heapq.merge(*streams, key=lambda item: item[0]):
            dispute.implausible += implausible
            yield text
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _feed(
    dispute: Dispute, story: Story, render: Render, pool: ProcessPoolExecutor | None
) -> Iterator[Told]:
    """One feed's chunks, in order: told here, or handed to ``pool`` a few ahead."""
    refs = iter(story.refs)
    head: Any = next(refs, None)
    size = len(story.feed.leaves)
    pending: deque[Future[tuple[list[Told], int]]] = deque()
    for start in range(0, size, CHUNK):
        count = min(CHUNK, size - start)
        chunk = []  # what refers to the chunk's entries
        while head is not None and head[0] < start + count:
            chunk.append(head)
            head = next(refs, None)
        prev = story.feed.leaves[start - 1] if start else b""
        if pool is None:  # one record at a time
            hidden = [0]
            yield from dispute.tell(story.name, start, count, chunk, prev, render, hidden)
            dispute.hidden += hidden[0]
            continue
        pending.append(pool.submit(_tell_forked, story.name, start, count, chunk, prev, render))
        while len(pending) > AHEAD:
            yield from _done(dispute, pending.popleft())
    while pending:
        yield from _done(dispute, pending.popleft())


def _done(dispute: Dispute, future: Future[tuple[list[Told], int]]) -> list[Told]:
    found, hidden = future.result()
    dispute.hidden += hidden
    return found


def _fork_pool(dispute: Dispute, workers: int) -> ProcessPoolExecutor | None:
    """Workers forked from this process, holding ``dispute`` as it is (None where forking is
    not safe: a process with other threads, or no ``fork``)."""
    global _forked
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return None
    _forked = dispute
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))


def _tell_forked(
    name: str, start: int, count: int, refs: list[tuple[Any, ...]], prev: bytes, render: Render
) -> tuple[list[Told], int]:
    """In a forked worker: :meth:`~.dispute.Dispute.tell` on the dispute it was forked with."""
    if _forked is None:  # not forked from a told dispute: cannot happen
        raise RuntimeError("no dispute to tell")
    hidden = [0]
    found = list(_forked.tell(name, start, count, refs, prev, render, hidden))
    return found, hidden[0]
