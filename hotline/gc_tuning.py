"""The cyclic garbage collector, tuned for a node's event loop.

A node keeps one record per entry of both feeds in memory, and CPython's cyclic collector walks
every tracked object of the generation it collects: with the default settings a collection of
the oldest generation pauses the event loop for tens of ms at 20,000 entries and hundreds at a
few hundred thousand, and the middle generation, full of the last seconds' records, for 10-20 ms
under load. A FLASH arriving then waits that long.

So the node freezes (``gc.freeze``) what start-up built, and from then on every
``FREEZE_SECONDS`` every object alive at that moment (the records kept, and the work in flight
then): frozen objects are still freed as soon as nothing refers to them, but the collector no
longer walks them, so it only ever looks at objects made since the last freeze. What freezing
gives up is reclaiming reference cycles that die after being frozen; the records the node keeps
are never garbage, and the young generation is collected just before each freeze, so that the
cycles that died since the last one (a few a second under load) are reclaimed rather than
frozen.

The youngest generation is collected every ``YOUNG_THRESHOLD`` allocations (net of the objects
freed) instead of 700. What is alive at a collection is mostly the work in flight: the notices of
a batch being written (up to 512 validated notices, some 60 tracked objects each), a run of
entries being verified (up to 4,096), and a collection walks them all while they are alive. At
10,000 allocations this cost alpha 0.6 s and bravo 0.9 s of every 10 at the capacity benchmark
(collections every 60 ms, pauses up to 19 ms, and up to 83 ms for the middle generation they
filled); at 100,000 the work in flight is usually freed before the count is reached.
"""

from __future__ import annotations

import asyncio
import gc

FREEZE_SECONDS = 1.0
YOUNG_THRESHOLD = 100_000  # allocations between collections of the youngest generation


def tune() -> None:
    """Collect once, freeze what start-up built and space the youngest generation's
    collections."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])


async def keep_frozen(interval: float = FREEZE_SECONDS) -> None:
    """Freeze every object alive, every ``interval`` seconds, until cancelled; the young
    generation's garbage is collected first (frozen, it would never be)."""
    while True:
        await asyncio.sleep(interval)
        gc.collect(0)
        gc.freeze()
