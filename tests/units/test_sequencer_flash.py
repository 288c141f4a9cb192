"""The sequencer over a real SQLite store: a FLASH post written by its caller at once, even when
the sequencer's own task, woken for queued FLASH posts, takes the write lock first and writes
the caller's post with them."""

from __future__ import annotations

import asyncio

from tests.helpers.fake_peer import FakePeer

from .conftest import Parts, alpha_sequencer


async def test_a_flash_post_written_by_the_sequencers_task_meanwhile_is_answered(
    parts: Parts,
) -> None:
    sequencer = await alpha_sequencer(parts)
    author = FakePeer(side="alpha", origin=parts.alpha.origin, nation="XAA")
    sequencer.start()
    try:
        async with asyncio.timeout(5):
            await sequencer._writing.acquire()  # a write in hand
            queued = sequencer.enqueue(author.distress())  # wakes the sequencer's task
            await asyncio.sleep(0)  # which waits for the lock
            sequencer._writing.release()  # the task is next: the lock is free, not yet taken
            second = author.distress()
            appended = await sequencer.append(second)  # waits for the lock behind the task
            assert appended.entry.notice.id == second.id
            assert (await queued).entry.index == 0 and appended.entry.index == 1
            assert sequencer.feed.size == 2 and sequencer.batches == 1
    finally:
        await sequencer.stop()
