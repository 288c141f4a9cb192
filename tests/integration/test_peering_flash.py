"""FLASH overtakes, two real nodes on SQLite and on Redis: while the link is cut (a proxy
between them refuses connections), alpha takes 10,000 ROUTINE notices and then a FLASH. When
the link is back, bravo shows the FLASH (a ``flash`` event, verified on its own) while its
replica of alpha's feed is still below the FLASH's index; ordered replication of the backlog
goes on and completes."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.feed_checks import caught_up, check_cosignatures, check_feeds, wait
from tests.helpers.peer_pair import Pair
from tests.helpers.stream_client import StreamWatch, post_pipelined

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BACKLOG = 10_000
EXAMPLES = Path(__file__).resolve().parent.parent / "protocol" / "examples"


def distress() -> dict[str, Any]:
    body: dict[str, Any] = json.loads((EXAMPLES / "aircraft_in_distress.json").read_text())
    for key in ("id", "author", "time"):
        body.pop(key)
    return body


def cursor_size(cursor: str, side: str) -> int:
    """The feed size a stream cursor records for ``side`` (``alpha:N,...``)."""
    for part in cursor.split(","):
        name, sep, num = part.partition(":")
        if sep and name == side:
            return int(num)
    raise AssertionError(f"no size of {side} in cursor {cursor!r}")


async def test_flash_behind_10000_routine_is_shown_first(pairs: Callable[..., Pair]) -> None:
    pair = pairs(proxy=True)
    alpha, bravo, proxy = pair.alpha, pair.bravo, pair.proxy
    assert proxy is not None
    wait(lambda: alpha.link()["connected"], "link up")
    stream = await StreamWatch.open(bravo.url, bravo.tokens["auditor"], {"precedence": "FLASH"})
    try:
        proxy.cut()
        wait(lambda: not alpha.link()["connected"] and not bravo.link()["connected"], "cut")

        started = time.monotonic()
        routine = [
            {"kind": "liaison", "status": "exercise", "text": f"routine {i}", "language": "en"}
            for i in range(BACKLOG)
        ]
        replies = await post_pipelined(alpha.url, alpha.tokens["automation"], routine)
        assert sorted(r["entry"]["index"] for r in replies) == list(range(BACKLOG))
        posting = time.monotonic() - started
        flash = alpha.post(distress())
        index = flash["index"]
        assert index == BACKLOG
        assert bravo.sizes()["alpha"] == 0

        proxy.restore()
        shown = await stream.wait_for("flash", index=index, timeout=60)
        held = cursor_size(shown["cursor"], "alpha")
        assert shown["early"] is True and shown["id"] == flash["id"]
        assert held < index, f"bravo already held {held} entries when the FLASH was shown"
        alarm = await stream.wait_for("alarm", reason="flash", index=index)
        assert alarm["early"] is True
        in_order = await stream.wait_for("appended", side="alpha", index=index, timeout=120)
        assert stream.events.index(shown) < stream.events.index(in_order)
        await asyncio.to_thread(wait, lambda: caught_up(pair), "the backlog through", 120)
        # the FLASH alarm was raised once, when it came early
        assert len(stream.of("alarm", reason="flash", index=index)) == 1
    finally:
        await stream.close()
    feeds = check_feeds(pair)
    assert len(feeds["alpha"]) == BACKLOG + 1
    check_cosignatures(alpha, bravo, feeds["alpha"])
    print(f"posted {BACKLOG} in {posting:.1f}s; FLASH shown with {held} of {index} held")
