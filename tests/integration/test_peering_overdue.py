"""Deadlines, two real nodes on SQLite and on Redis, alpha with a 2-second FLASH deadline and a
1-second repeat (``HOTLINE_DEADLINES__*``): an unacknowledged FLASH becomes overdue on alpha's
stream and is announced to bravo again and again (``flash_repeated`` alarms at bravo) until
bravo acknowledges it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.feed_checks import wait
from tests.helpers.peer_pair import Pair
from tests.helpers.stream_client import StreamWatch

pytestmark = [pytest.mark.integration]

EXAMPLES = Path(__file__).resolve().parent.parent / "protocol" / "examples"
FAST = {"HOTLINE_DEADLINES__FLASH": "2", "HOTLINE_DEADLINES__FLASH_REPEAT": "1"}


async def test_overdue_flash_is_announced_again(pairs: Callable[..., Pair]) -> None:
    pair = pairs(env={"alpha": FAST})
    alpha, bravo = pair.alpha, pair.bravo
    wait(lambda: alpha.link()["connected"], "link up")
    a_stream = await StreamWatch.open(alpha.url, alpha.tokens["auditor"])
    b_stream = await StreamWatch.open(bravo.url, bravo.tokens["auditor"])
    try:
        body: dict[str, Any] = json.loads((EXAMPLES / "downed_pilot.json").read_text())
        for key in ("id", "author", "time", "distress_ref"):
            body.pop(key)
        body["precedence"] = "FLASH"
        posted = alpha.post(body)
        index = posted["index"]
        await a_stream.wait_for("delivered", side="alpha", size=index + 1)

        overdue = await a_stream.wait_for("overdue", side="alpha", index=index)
        assert overdue["precedence"] == "FLASH" and overdue["kind"] == "downed_pilot"
        assert overdue["deadline"] == posted["notice"]["time"] + 2000
        await b_stream.wait_until(
            lambda: len(b_stream.of("alarm", reason="flash_repeated", index=index)) >= 2,
            "bravo hears the FLASH again, twice",
        )
        assert len(a_stream.of("announced", side="alpha", index=index)) >= 2
        assert alpha.get(f"/v1/notices/alpha/{index}")["state"]["status"] == "overdue"

        r = bravo.request("POST", f"/v1/notices/alpha/{index}/ack", {"response": "WILCO"})
        assert r.status_code == 201, r.text
        acked = await a_stream.wait_for("acknowledged", side="alpha", index=index)
        assert acked["by"] == "bravo/operator"
        state = alpha.get(f"/v1/notices/alpha/{index}")["state"]
        assert state["status"] == "acknowledged" and state["overdue"] is False
    finally:
        await a_stream.close()
        await b_stream.close()
