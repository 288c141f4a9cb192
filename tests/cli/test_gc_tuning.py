"""The node's collector settings: what start-up built is frozen once, never again, so that
whatever dies later in a cycle is reclaimed; every pause is measured."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline import gc_tuning


class _Record:
    """Stands for a feed record: a tracked object that lives on."""


def _walked(obj: object) -> bool:
    """Whether the cyclic collector would walk ``obj`` (it is in a collectable generation)."""
    return any(o is obj for o in gc.get_objects())


@pytest.fixture
def tuned() -> Iterator[gc_tuning.Pauses]:
    """The node's tuning; afterwards nothing frozen and the thresholds as they were."""
    thresholds = gc.get_threshold()
    try:
        yield gc_tuning.tune()
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


class _Cycle:
    """Garbage only the cyclic collector can reclaim: an object that refers to itself."""

    def __init__(self) -> None:
        self.me = self


def test_tune_freezes_start_up_and_spaces_young_collections() -> None:
    thresholds = gc.get_threshold()
    try:
        built = _Record()
        gc_tuning.tune()
        assert not _walked(built)
        assert gc.get_threshold()[0] == gc_tuning.YOUNG_THRESHOLD
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def test_what_lives_after_start_up_stays_in_sight_and_a_cycle_dying_later_is_reclaimed(
    tuned: gc_tuning.Pauses,
) -> None:
    frozen = gc.get_freeze_count()
    kept = _Record()
    cycle = _Cycle()
    ref = weakref.ref(cycle)
    gc.collect()
    assert _walked(kept) and _walked(cycle)  # nothing made after start-up is frozen
    del cycle  # dies in a cycle long after start-up, as a closed connection does
    gc.collect()
    assert ref() is None
    assert gc.get_freeze_count() == frozen


def test_every_pause_is_measured_by_generation(tuned: gc_tuning.Pauses) -> None:
    before = [sum(counts) for counts in tuned.counts]
    gc.collect(0)
    gc.collect(2)
    after = [sum(counts) for counts in tuned.counts]
    assert after[0] >= before[0] + 1 and after[2] >= before[2] + 1
    assert tuned.longest[2] > 0 and tuned.total[2] >= tuned.longest[2]


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


_TRIMMED = """
import asyncio
from pathlib import Path

from hotline import gc_tuning


def rss_kb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])


async def main():
    # written to, so that every page is resident; each hole lies below a block still in use
    pairs = [(bytearray(b"x") * (64 * 1024), bytearray(b"y") * 600) for _ in range(800)]
    kept = [small for _, small in pairs]
    del pairs
    high = rss_kb()
    trimmer = asyncio.create_task(gc_tuning.keep_trimmed(0.01))
    try:
        async with asyncio.timeout(10):
            while rss_kb() > high - 16 * 1024:
                assert not trimmer.done()
                await asyncio.sleep(0.02)
    finally:
        trimmer.cancel()
    print(high, rss_kb(), len(kept))


asyncio.run(main())
"""


def test_freed_memory_is_handed_back_to_the_system() -> None:
    """Where the C library can (glibc), the heap's free memory goes back every interval: the
    holes a burst left between blocks still in use, which freeing alone keeps. Run in a fresh
    process: how a long-lived one's allocator serves blocks of 64 KiB depends on its past."""
    # the node runs on glibc (Debian): without malloc_trim the trim would silently do nothing
    assert gc_tuning._malloc_trim() is not None and Path("/proc/self/status").exists()
    out = subprocess.run(
        [sys.executable, "-c", _TRIMMED], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    high, after, kept = (int(v) for v in out.stdout.split())
    assert after <= high - 16 * 1024 and kept == 800


def test_the_frozen_objects_are_counted_at_most_once_a_minute(tuned: gc_tuning.Pauses) -> None:
    """Counting them walks them all (milliseconds per million, the event loop held): a metrics
    scrape reads the count of the last minute."""
    first = gc_tuning.frozen_objects(now=1_000.0)
    assert first == gc.get_freeze_count()
    kept = [[i] for i in range(1_000)]
    gc.freeze()
    try:
        assert gc_tuning.frozen_objects(now=1_000.0 + gc_tuning.FROZEN_RECOUNT - 1) == first
        assert gc_tuning.frozen_objects(now=1_000.0 + gc_tuning.FROZEN_RECOUNT) >= first + 1_000
    finally:
        gc_tuning._frozen = None  # counted afresh by the next caller, on its own clock
        del kept
