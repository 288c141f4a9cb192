"""Two sides in two network namespaces, TLS between them, over an emulated thin line (delay,
rate, a small buffer; the relay of ``bench.thinline``). A ROUTINE backlog queued at alpha crosses
whole, and a FLASH posted during it overtakes it; a stalled line loses nothing.

These need root (``ip netns``): where namespaces cannot be made, they fail with the reason. The
line is smaller than the benchmark's (100 ms each way, 256 kbit/s), so they run in tens of
seconds; nothing is timed, only the order of arrival."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.thinline.line import NetnsUnavailableError, ThinLine, require_netns
from bench.thinline.relay import LineSpec
from bench.thinline.traffic import Watcher, async_client, flash_body, post, post_many, routine_body

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SPEC = LineSpec(delay_ms=100, kbit_s=256, queue_bytes=4096)
BACKLOG = 300
TIMEOUT = 300.0  # a line that stops moving fails the test rather than hanging it


@pytest.fixture
def line(tmp_path: Path) -> Iterator[ThinLine]:
    try:
        require_netns()
    except NetnsUnavailableError as exc:
        pytest.fail(f"network namespaces are needed for the thin-line tests: {exc}")
    with ThinLine(tmp_path, SPEC, peer={"line_kbit_s": SPEC.kbit_s}) as made:
        yield made


async def test_a_flash_overtakes_a_routine_backlog_and_nothing_is_lost(line: ThinLine) -> None:
    line.start(line.alpha)
    routine = await post_many(line.alpha, [routine_body(i) for i in range(BACKLOG)])
    assert sorted(routine) == list(range(BACKLOG))
    line.start(line.bravo)
    watcher = await Watcher(line.bravo, "alpha").open()
    try:
        # the backlog is crossing: the FLASH is posted once some of it is across
        await _until_crossed(line, 20_000)
        async with async_client(line.alpha) as client:
            flash = await post(client, flash_body(0))
        await watcher.until(lambda: flash in watcher.seen, TIMEOUT)
        behind = [i for i in routine if i not in watcher.in_order]
        assert behind, "the backlog was through before the FLASH showed: nothing was overtaken"
        assert flash not in watcher.in_order  # it came ahead of its place in the feed
        # catch-up completes: every entry, in order, and the FLASH in its place
        await watcher.until(lambda: len(watcher.in_order) == BACKLOG + 1, TIMEOUT)
        assert watcher.in_order == set(range(BACKLOG + 1))
        with line.bravo.client() as client:
            held = client.get(f"/v1/notices/alpha/{BACKLOG - 1}").json()
        assert held["notice"]["text"] == routine_body(routine.index(BACKLOG - 1))["text"]
        with line.alpha.client() as client:
            await _until_lag_zero(client)
    finally:
        await watcher.close()


async def _until_crossed(line: ThinLine, size: int) -> None:
    relay = line.relay
    assert relay is not None
    for _ in range(int(TIMEOUT * 10)):
        if relay.counts()[0] >= size:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the line carried {relay.counts()[0]} bytes, not {size}")


async def _until_lag_zero(client: httpx.Client) -> None:
    for _ in range(int(TIMEOUT * 5)):
        link = client.get("/v1/link").json()
        if link["connected"] and link["lag"] == {"out": 0, "in": 0}:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"the link never caught up: {link}")


async def test_a_stalled_line_loses_nothing_and_the_flash_goes_first_after(
    line: ThinLine,
) -> None:
    line.start(line.alpha), line.start(line.bravo)
    watcher = await Watcher(line.bravo, "alpha").open()
    relay = line.relay
    assert relay is not None
    try:
        with line.alpha.client() as client:
            await _until_lag_zero(client)
        relay.stall()
        routine = await post_many(line.alpha, [routine_body(i) for i in range(100)])
        async with async_client(line.alpha) as client:
            flash = await post(client, flash_body(1))
        await asyncio.sleep(1.0)  # nothing crosses a stalled line
        assert not watcher.seen
        relay.resume()
        await watcher.until(lambda: flash in watcher.seen, TIMEOUT)
        assert [i for i in routine if i not in watcher.in_order]
        await watcher.until(lambda: len(watcher.in_order) == 101, TIMEOUT)
        assert watcher.in_order == {*routine, flash}
    finally:
        await watcher.close()
