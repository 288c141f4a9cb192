"""A FLASH post is written in a batch of its own, ahead of the posts queued beside it."""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from hotline.feeds.posting import complete_posting
from hotline.feeds.postqueue import Appended
from hotline.feeds.rules import Claims
from hotline.feeds.sequencer import Sequencer
from hotline.store.sqlite import SqliteStore
from hotline_protocol.entries import Entry
from hotline_protocol.notices import Notice

from .conftest import LIAISON, NodeApp


async def test_a_flash_is_written_alone_ahead_of_the_queued_posts(
    node_app: NodeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    node, store = node_app.node, node_app.node.store
    assert node.sequencer is not None
    writes: list[tuple[int, int]] = []  # (start, entries) of each durable write
    held = asyncio.Event()
    real_append = store.append

    async def append(origin: str, start: int, entries: Any, *args: Any, **kwargs: Any) -> Any:
        writes.append((start, len(entries)))
        if len(writes) == 1:  # the first write stays in flight while the queue fills
            await held.wait()
        return await real_append(origin, start, entries, *args, **kwargs)

    monkeypatch.setattr(store, "append", append)
    post = await _poster(node_app)

    first = asyncio.create_task(post("in flight"))
    while not writes:
        await asyncio.sleep(0.01)
    routine = [asyncio.create_task(post(f"routine {i}")) for i in range(20)]
    while node.sequencer.queued < 20:
        await asyncio.sleep(0.01)
    flash = asyncio.create_task(post("flash", "FLASH"))
    while node.sequencer.queued < 21:
        await asyncio.sleep(0.01)
    held.set()
    async with asyncio.timeout(30):
        results = [await first, await flash, *await asyncio.gather(*routine)]

    assert results[1]["index"] == 1  # right after the write that was in flight
    assert sorted(r["index"] for r in results[2:]) == list(range(2, 22))
    assert writes == [(0, 1), (1, 1), (2, 20)]  # the FLASH alone, then the queue in one write
    assert await store.size(node.own.origin) == 22


@pytest.mark.parametrize(
    "node_app_settings", [{"limits": {"commit_interval_ms": 1000}}], indirect=True
)
async def test_under_load_writes_are_paced_and_a_flash_cuts_the_wait_short(
    node_app: NodeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    node, store = node_app.node, node_app.node.store
    assert node.sequencer is not None
    writes: list[tuple[int, int]] = []
    real_append = store.append

    async def append(origin: str, start: int, entries: Any, *args: Any, **kwargs: Any) -> Any:
        writes.append((start, len(entries)))
        return await real_append(origin, start, entries, *args, **kwargs)

    monkeypatch.setattr(store, "append", append)
    post = await _poster(node_app)

    assert (await post("first"))["index"] == 0  # nothing written before: it goes at once
    routine = [asyncio.create_task(post(f"routine {i}")) for i in range(10)]
    while node.sequencer.queued < 10:  # held: the previous write began moments ago
        await asyncio.sleep(0.01)
    assert writes == [(0, 1)]
    flash = await post("flash", "FLASH")  # written at once, ahead of the waiting posts
    assert flash["index"] == 1 and writes == [(0, 1), (1, 1)]
    async with asyncio.timeout(30):
        results = await asyncio.gather(*routine)
    assert sorted(r["index"] for r in results) == list(range(2, 12))
    assert writes == [(0, 1), (1, 1), (2, 10)]  # the waiting posts in one write


async def test_a_flash_that_comes_while_a_batch_is_answered_is_written_first(
    node_app: NodeApp,
) -> None:
    """The batch is durable and published; before its answers go out the loop turns once, and a
    FLASH queued in that turn is written and answered first."""
    node = node_app.node
    sequencer = node.sequencer
    assert sequencer is not None
    notice = await _notices(node_app)

    told: list[tuple[str, int]] = []
    flash_task: list[asyncio.Task[Appended]] = []
    real_committed = sequencer._committed

    def committed(entries: list[Entry], note: bytes, now: int) -> None:
        real_committed(entries, note, now)
        if not flash_task:  # the FLASH is queued while the ROUTINE batch is being answered
            _queue_flash(sequencer, notice, told, flash_task)

    sequencer._committed = committed
    await _five_routine_then_flash_answered_first(sequencer, notice, told, flash_task)
    assert node.index.size(node.own.name) == 6


async def _poster(node_app: NodeApp) -> Callable[..., Coroutine[Any, Any, dict[str, Any]]]:
    """Posts a liaison notice over REST as an operator (text, precedence); its result."""
    headers = await node_app.headers("operator")

    async def post(text: str, precedence: str = "ROUTINE") -> dict[str, Any]:
        body = {**LIAISON, "text": text, "precedence": precedence}
        r = await node_app.client.post("/v1/notices", json=body, headers=headers)
        assert r.status_code == 201, r.text
        result: dict[str, Any] = r.json()
        return result

    return post


async def _notices(node_app: NodeApp) -> Callable[..., Notice]:
    """Makes liaison notices by an operator, as a post would (text, precedence)."""
    node = node_app.node
    await node_app.token("operator")
    user = await node.store.get_user("operator1")
    assert user is not None

    def notice(text: str, precedence: str = "ROUTINE") -> Notice:
        body = {**LIAISON, "text": text, "precedence": precedence}
        return complete_posting(body, user, node.settings, node.clock_ms())[0]

    return notice


def _tell(told: list[tuple[str, int]], name: str, appended: Appended) -> None:
    told.append((name, appended.entry.index))


def _queue_flash(
    sequencer: Sequencer,
    notice: Callable[..., Notice],
    told: list[tuple[str, int]],
    flash_task: list[asyncio.Task[Appended]],
) -> None:
    """A FLASH post comes (from a task of its own); it tells ``told`` when durable."""
    flash = notice("flash", "FLASH")
    told_flash = functools.partial(_tell, told, "flash")
    flash_task.append(asyncio.create_task(sequencer.append(flash, None, told_flash)))


async def _five_routine_then_flash_answered_first(
    sequencer: Sequencer,
    notice: Callable[..., Notice],
    told: list[tuple[str, int]],
    flash_task: list[asyncio.Task[Appended]],
) -> None:
    """Posts five ROUTINE notices (one batch), during which a hook queues the FLASH: the batch is
    entries 0-4, the FLASH entry 5, answered before the batch it came behind."""
    routine = [
        asyncio.create_task(
            sequencer.append(notice(f"r{i}"), None, functools.partial(_tell, told, f"r{i}"))
        )
        for i in range(5)
    ]
    async with asyncio.timeout(30):
        done = await asyncio.gather(*routine)
        flash = await flash_task[0]
    assert sorted(a.entry.index for a in done) == [0, 1, 2, 3, 4]  # one batch
    assert flash.entry.index == 5
    assert told[0] == ("flash", 5)  # answered before the batch it came behind
    assert sorted(told[1:]) == [(f"r{i}", i) for i in range(5)]


async def test_a_flash_read_while_a_batch_is_encoded_waits_only_for_its_write(
    node_app: NodeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between encoding a batch and writing it the loop turns once: a FLASH post that comes
    then is queued before the batch's write, and written right after it."""
    node = node_app.node
    sequencer = node.sequencer
    assert sequencer is not None
    notice = await _notices(node_app)

    flash_task: list[asyncio.Task[Appended]] = []
    real_validate = sequencer._validate

    def validate(n: Notice, claimed: Claims) -> None:
        real_validate(n, claimed)
        if not flash_task:  # the batch is being encoded: a FLASH post comes
            flash_task.append(asyncio.create_task(sequencer.append(notice("flash", "FLASH"))))

    queued_at_write: list[tuple[int, int]] = []  # (entries written, FLASH posts queued)
    real_append = node.store.append

    async def append(origin: str, start: int, entries: Any, *args: Any, **kwargs: Any) -> Any:
        flash_queued = sum(1 for item in sequencer._posts if item.rank == 0)
        queued_at_write.append((len(entries), flash_queued))
        return await real_append(origin, start, entries, *args, **kwargs)

    monkeypatch.setattr(sequencer, "_validate", validate)
    monkeypatch.setattr(node.store, "append", append)
    routine = [asyncio.create_task(sequencer.append(notice(f"r{i}"))) for i in range(5)]
    async with asyncio.timeout(30):
        done = await asyncio.gather(*routine)
        flash = await flash_task[0]
    assert sorted(a.entry.index for a in done) == [0, 1, 2, 3, 4]
    assert flash.entry.index == 5
    assert queued_at_write == [(5, 1), (1, 0)]  # queued before the batch was written


async def test_a_flash_queued_before_a_batch_is_written_follows_its_write_without_a_turn(
    node_app: NodeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A FLASH already queued when the batch ahead of it is durable is written at once, ahead of
    the batch's answers: the loop does not turn between the two writes."""
    node = node_app.node
    sequencer = node.sequencer
    assert sequencer is not None
    notice = await _notices(node_app)
    loop = asyncio.get_running_loop()

    told: list[tuple[str, int]] = []
    flash_task: list[asyncio.Task[Appended]] = []
    real_validate = sequencer._validate

    def validate(n: Notice, claimed: Claims) -> None:
        real_validate(n, claimed)
        if not flash_task:  # the batch is being encoded: a FLASH post comes
            _queue_flash(sequencer, notice, told, flash_task)

    turned: list[str] = []
    turns_seen_at_write: list[list[str]] = []
    real_append = node.store.append

    async def append(origin: str, start: int, entries: Any, *args: Any, **kwargs: Any) -> Any:
        turns_seen_at_write.append(list(turned))
        await real_append(origin, start, entries, *args, **kwargs)
        loop.call_soon(turned.append, f"after write of {len(entries)}")

    monkeypatch.setattr(sequencer, "_validate", validate)
    monkeypatch.setattr(node.store, "append", append)
    await _five_routine_then_flash_answered_first(sequencer, notice, told, flash_task)
    assert turns_seen_at_write == [[], []]  # the FLASH write came in the batch's own turn


async def test_a_flash_written_behind_a_batch_returns_to_its_caller_before_the_batch_is_answered(
    node_app: NodeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The FLASH's caller (a stream writes its reply when the append returns) resumes before the
    ROUTINE batch it was written behind is answered, however many posts that batch holds."""
    node = node_app.node
    sequencer = node.sequencer
    assert sequencer is not None
    notice = await _notices(node_app)

    told: list[tuple[str, int]] = []
    flash_task: list[asyncio.Task[None]] = []
    real_validate = sequencer._validate

    async def flash_caller() -> None:
        told_flash = functools.partial(_tell, told, "flash")
        appended = await sequencer.append(notice("flash", "FLASH"), None, told_flash)
        told.append(("flash returned", appended.entry.index))

    def validate(n: Notice, claimed: Claims) -> None:
        real_validate(n, claimed)
        if not flash_task:  # the batch is being encoded: a FLASH post comes
            flash_task.append(asyncio.create_task(flash_caller()))

    monkeypatch.setattr(sequencer, "_validate", validate)
    routine = [
        asyncio.create_task(
            sequencer.append(notice(f"r{i}"), None, functools.partial(_tell, told, f"r{i}"))
        )
        for i in range(50)
    ]
    async with asyncio.timeout(30):
        done = await asyncio.gather(*routine)
        await flash_task[0]
    assert sorted(a.entry.index for a in done) == list(range(50))  # one batch
    assert told[:2] == [("flash", 50), ("flash returned", 50)]
    assert sorted(told[2:]) == sorted((f"r{i}", i) for i in range(50))


async def test_a_flash_is_written_by_its_caller_without_a_turn_of_the_loop(
    node_app: NodeApp,
) -> None:
    """With no batch being written, a FLASH append is durable when it returns, and no other
    callback ran meanwhile: the sequencer's task is not woken for it. A ROUTINE one is."""
    node = node_app.node
    sequencer = node.sequencer
    assert sequencer is not None
    notice = await _notices(node_app)
    loop = asyncio.get_running_loop()

    turned: list[str] = []
    loop.call_soon(turned.append, "flash")
    flash = await sequencer.append(notice("flash", "FLASH"))
    assert turned == []  # no turn of the loop between the call and the durable entry
    assert isinstance(node.store, SqliteStore)
    with sqlite3.connect(node.store.path) as plain:  # another connection: it is committed
        assert plain.execute("SELECT count(*) FROM entries").fetchone() == (1,)
    assert flash.entry.index == 0

    loop.call_soon(turned.append, "routine")
    routine = await sequencer.append(notice("routine"))
    assert turned == ["flash", "routine"]  # a ROUTINE post waits for the sequencer's turn
    assert routine.entry.index == 1


async def test_a_flash_whose_caller_is_cancelled_mid_write_leaves_the_feed_consistent(
    node_app: NodeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The caller writes a FLASH itself; if it is cancelled while the store is busy (its write
    has not begun), the FLASH is not appended, nothing is half done, and the next posts
    continue the feed."""
    node, store = node_app.node, node_app.node.store
    sequencer = node.sequencer
    assert sequencer is not None
    notice = await _notices(node_app)
    await sequencer.append(notice("before"))

    await _cancel_a_flash_in_the_store(sequencer, monkeypatch, notice, stored=False)

    async with asyncio.timeout(30):
        after = await sequencer.append(notice("after", "FLASH"))
        routine = await sequencer.append(notice("routine"))
    assert (after.entry.index, routine.entry.index) == (1, 2)
    assert await store.size(node.own.origin) == 3
    assert node.index.size(node.own.name) == 3
    raws = await store.entries(node.own.origin, 0, 3)
    assert [b'"text":"before"' in raws[0], b'"text":"after"' in raws[1]] == [True, True]
    assert b'"text":"routine"' in raws[2]


async def test_a_flash_stored_but_cancelled_before_the_reply_is_taken_in_by_the_next_write(
    node_app: NodeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As with a networked store whose reply is lost: the FLASH is durable, its caller is
    cancelled before the store answers. The next write takes the stored entry in first (it is
    published, nothing is appended twice) and continues after it."""
    node, store = node_app.node, node_app.node.store
    sequencer = node.sequencer
    assert sequencer is not None
    notice = await _notices(node_app)

    await _cancel_a_flash_in_the_store(sequencer, monkeypatch, notice, stored=True)
    assert node.index.size(node.own.name) == 0  # not published while unsure

    async with asyncio.timeout(30):
        after = await sequencer.append(notice("after"))
    assert after.entry.index == 1
    assert node.index.size(node.own.name) == 2  # the stored FLASH was taken in
    raws = await store.entries(node.own.origin, 0, 2)
    assert b'"text":"flash"' in raws[0] and b'"text":"after"' in raws[1]


async def _cancel_a_flash_in_the_store(
    sequencer: Sequencer,
    monkeypatch: pytest.MonkeyPatch,
    notice: Callable[..., Notice],
    *,
    stored: bool,
) -> None:
    """Appends a FLASH whose store write never returns (after writing it if ``stored``: a lost
    reply; else a busy store), cancels its caller there, and puts the real write back."""
    store = sequencer._store
    real_append = store.append
    reached = asyncio.Event()

    async def append(origin: str, start: int, entries: Any, *args: Any, **kwargs: Any) -> Any:
        if stored:
            await real_append(origin, start, entries, *args, **kwargs)
        reached.set()
        await asyncio.Event().wait()  # the store is busy, or its reply never comes

    monkeypatch.setattr(store, "append", append)
    flash = asyncio.create_task(sequencer.append(notice("flash", "FLASH")))
    async with asyncio.timeout(30):
        await reached.wait()
    flash.cancel()
    with pytest.raises(asyncio.CancelledError):
        await flash
    monkeypatch.setattr(store, "append", real_append)
