"""The node's collector settings: what lives a second is frozen, never walked again."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from hotline import gc_tuning


class _Record:
    """Stands for a feed record: a tracked object that lives on."""


def _walked(obj: object) -> bool:
    """Whether the cyclic collector would walk ``obj`` (it is in a collectable generation)."""
    return any(o is obj for o in gc.get_objects())


@asynccontextmanager
async def _freezer(interval: float = 0.05) -> AsyncIterator[None]:
    """``keep_frozen`` running; afterwards nothing frozen and the thresholds as they were."""
    thresholds = gc.get_threshold()
    freezer = asyncio.create_task(gc_tuning.keep_frozen(interval))
    try:
        yield
    finally:
        freezer.cancel()
        await asyncio.gather(freezer, return_exceptions=True)
        gc.unfreeze()
        gc.set_threshold(*thresholds)


async def test_what_lives_past_an_interval_is_frozen_and_freed_all_the_same() -> None:
    async with _freezer():
        kept = _Record()
        assert _walked(kept)
        frozen_before = gc.get_freeze_count()
        async with asyncio.timeout(10):
            while _walked(kept):
                await asyncio.sleep(0.01)
        assert gc.get_freeze_count() > frozen_before
        young = _Record()  # made after the freeze: walked until the next one
        assert _walked(young)
        gone = _Record()
        ref = weakref.ref(gone)
        gc.freeze()
        assert not _walked(gone)
        del gone  # a frozen object with no references left is freed at once
        assert ref() is None


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


class _Cycle:
    """Garbage only the cyclic collector can reclaim: an object that refers to itself."""

    def __init__(self) -> None:
        self.me = self


async def test_a_cycle_that_died_before_a_freeze_is_collected_not_frozen() -> None:
    async with _freezer():
        gc.set_threshold(10**9)  # no collection of its own: only the freezer's
        cycle = _Cycle()
        ref = weakref.ref(cycle)
        del cycle  # unreachable, but alive until a collection finds it
        assert ref() is not None
        frozen_before = gc.get_freeze_count()
        async with asyncio.timeout(10):
            while gc.get_freeze_count() <= frozen_before:
                await asyncio.sleep(0.01)
        assert ref() is None
