"""A FLASH source and a FLASH alarm in a process of their own, as they would be in the field.

The peering benchmark runs this beside its load generator: one WebSocket connection posting
FLASH notices (aircraft in distress) at alpha at a fixed rate, and one connection at bravo
subscribed to alpha's FLASH notices only (``precedence: FLASH``), as an alarm panel would be.
Measured this way, a FLASH notice's latency is not the load generator's: its own loop, busy with
the flood's replies and 3,000 ``appended`` events/s, would add its turns to every sample.

Settings come as one JSON object on stdin (``alpha_url``, ``alpha_token``, ``bravo_url``,
``bravo_token``, ``rate``, ``seconds``). The probe prints ``ready`` once both connections are
open and subscribed, waits for a line on stdin, posts for ``seconds``, waits for the replies and
for bravo to show every FLASH notice (or ``settle`` seconds), and prints one JSON line: every
post with ``due``, ``sent``, ``done``, ``index``, ``error`` and ``seen_b`` (when bravo showed
it), as ``time.perf_counter()`` seconds, the same clock as the load generator's on Linux.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from .load import Ledger, StreamClient, distress_body, drain, now, open_loop, post_frame, run

SETTLE = 10.0  # seconds to wait for bravo to show the last FLASH notices


async def read_line() -> str:
    return await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


async def probe(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    ledger = Ledger()
    seen_b: dict[int, float] = {}
    subscribed = asyncio.Event()

    def on_bravo(msg: dict[str, Any], at: float) -> None:
        if msg.get("type") == "subscribed":
            subscribed.set()
            return
        event = msg.get("event")
        if event and event.get("side") == "alpha" and event["type"] in ("flash", "appended"):
            seen_b.setdefault(event["index"], at)

    alarm = await StreamClient(cfg["bravo_url"], cfg["bravo_token"], handle=on_bravo).open()
    source = await StreamClient(cfg["alpha_url"], cfg["alpha_token"], ledger).open()
    try:
        await alarm.subscribe({"side": "alpha", "precedence": "FLASH"})
        await asyncio.wait_for(subscribed.wait(), 30)
        print("ready", flush=True)
        await read_line()
        await open_loop(
            [source], lambda i: post_frame(distress_body(i)), cfg["rate"], cfg["seconds"], "flash"
        )
        await drain(ledger)
        deadline = now() + SETTLE
        while now() < deadline and any(
            p.index >= 0 and p.index not in seen_b for p in ledger.posts.values()
        ):
            await asyncio.sleep(0.02)
    finally:
        await asyncio.gather(alarm.close(), source.close(), return_exceptions=True)
    return [
        {
            "mid": p.mid,
            "due": p.due,
            "sent": p.sent,
            "done": p.done,
            "index": p.index,
            "error": p.error,
            "seen_b": seen_b.get(p.index),
        }
        for p in ledger.posts.values()
    ]


def main() -> None:
    cfg = json.loads(sys.stdin.readline())
    posts = run(probe(cfg))
    print(json.dumps({"posts": posts}), flush=True)


if __name__ == "__main__":
    main()
