"""The cyclic garbage collector, tuned for a node's event loop.

CPython's cyclic collector walks every tracked object of the generation it collects. Four things
keep its pauses short here:

- what start-up built (the node's parts, the feeds as loaded) is frozen once (``gc.freeze``)
  when the node starts serving: the collector never walks it again. It is frozen once only,
  never again while the node runs: a frozen object is freed as soon as nothing refers to it,
  but one that dies in a reference cycle is never reclaimed, so freezing what is alive while
  the node serves could keep what is alive at that moment for ever.
- connections and peer links leave no reference cycles when they end (their sessions let go of
  their outboxes, no raised error is kept with its traceback, the upgraded HTTP protocol drops
  its parser): what they held is freed as they close, and a young collection finds next to
  nothing of them to walk.
- the feed index keeps its records as plain tuples of plain values, which the collector stops
  tracking once they survive a collection (:mod:`hotline.feeds.index`): what a long history
  leaves in memory is not walked by any collection, young or old.
- the youngest generation is collected every ``YOUNG_THRESHOLD`` allocations (net of the
  objects freed) instead of 700. What is alive at a collection is mostly the work in flight
  (the notices of a batch being written, a run of entries being verified), and a collection
  walks all of it: a larger threshold means fewer collections but each one longer. Measured
  under a ROUTINE flood at half capacity (2-core VM), 5,000 keeps every pause under 10 ms
  (1.5 ms on average) where 100,000 gave one of 40-65 ms a node every 20 s, at the cost of
  about 5 % of the capacity. The middle generation keeps CPython's default (every 10 young
  collections), and the oldest is collected, as CPython does, only once the objects that
  survived since its last collection are a quarter of those it kept.

:class:`Pauses` measures every collection's pause (``gc.callbacks``), by generation: the node
shows them as metrics (``hotline_gc_pause_seconds``) and the benchmarks read them there.

Memory freed is not always returned: glibc's allocator keeps what a burst of connections used
(their buffers, hundreds of KB each) for reuse, so the node's RSS stays at its high-water mark
(measured: 103 -> 153 MB after 600 connections, every object freed). :func:`keep_trimmed` hands
it back to the system every ``TRIM_SECONDS`` (``malloc_trim``, in a worker thread: the loop
goes on), where the C library has it.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import logging
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("hotline.gc")
TRIM_SECONDS = 10.0

YOUNG_THRESHOLD = 5_000  # allocations between collections of the youngest generation
BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0)  # pause seconds
FROZEN_RECOUNT = 60.0  # seconds between counts of the frozen objects (see frozen_objects)


class Pauses:
    """Pause lengths of the collector's runs, by generation: a count per bucket of
    :data:`BUCKETS` (and above), the sum and the longest."""

    def __init__(self) -> None:
        self.counts = [[0] * (len(BUCKETS) + 1) for _ in range(3)]
        self.total = [0.0, 0.0, 0.0]
        self.longest = [0.0, 0.0, 0.0]
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        pause = time.perf_counter() - self._started
        generation = info["generation"]
        bucket = next((i for i, b in enumerate(BUCKETS) if pause <= b), len(BUCKETS))
        self.counts[generation][bucket] += 1
        self.total[generation] += pause
        self.longest[generation] = max(self.longest[generation], pause)


pauses: Pauses | None = None  # the process's, once :func:`tune` installed it


def tune() -> Pauses:
    """Collect once, freeze what start-up built (once: see the module's text), space the
    youngest generation's collections and measure every pause from now on."""
    global pauses
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    if pauses is None:
        pauses = Pauses()
        gc.callbacks.append(pauses)
    return pauses


_frozen: tuple[float, int] | None = None  # (when counted, count)


def frozen_objects(now: float | None = None) -> int:
    """Objects frozen out of the collector's sight, counted at most every
    :data:`FROZEN_RECOUNT` seconds: ``gc.get_freeze_count`` walks them all, holding the event
    loop about 8 ms per million (a metrics scrape did so every time)."""
    global _frozen
    now = time.monotonic() if now is None else now
    if _frozen is None or not 0 <= now - _frozen[0] < FROZEN_RECOUNT:
        _frozen = (now, gc.get_freeze_count())
    return _frozen[1]


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS)."""
    name = ctypes.util.find_library("c")
    try:
        trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


async def keep_trimmed(interval: float = TRIM_SECONDS) -> None:
    """Return the heap's free memory to the system every ``interval`` seconds, until
    cancelled; nothing where the C library cannot."""
    trim = _malloc_trim()
    if trim is None:
        log.debug("no malloc_trim here: freed memory stays with the allocator")
        return
    while True:
        await asyncio.sleep(interval)
        await asyncio.to_thread(trim, 0)
