"""What held a node's event loop: a sampler loaded into ``hotline serve`` processes only.

Put this directory first on ``PYTHONPATH`` and set ``HOTLINE_BENCH_STALLS`` to a directory (see
:mod:`bench.stall_sampler`). In a process whose command line has ``serve``,
``asyncio.Runner.run`` is wrapped (the node runs its loop, asyncio's or uvloop's, in a runner):
the loop stamps a heartbeat every millisecond, and a thread reads the loop thread's stack
(``sys._current_frames``) whenever the heartbeat is older than ``HOTLINE_BENCH_STALLS_MS``
(default 7), once per stall, and again each time the stall lasts as long once more. At exit
the stacks seen, counted, go to ``<dir>/<pid>.json``.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import sys
import threading
import time
import traceback
from collections import Counter
from typing import Any

_DIR = os.environ.get("HOTLINE_BENCH_STALLS")
_MS = float(os.environ.get("HOTLINE_BENCH_STALLS_MS", "7"))


def _install() -> None:
    seen: Counter[str] = Counter()
    longest: dict[str, float] = {}
    state = {"beat": time.perf_counter(), "thread": 0}
    original = asyncio.Runner.run

    def beat(loop: asyncio.AbstractEventLoop) -> None:
        state["beat"] = time.perf_counter()
        loop.call_later(0.001, beat, loop)

    def watch() -> None:
        limit = _MS / 1000
        told = 0.0  # the stall's length at its last sample
        while True:
            time.sleep(0.0005)
            stalled = time.perf_counter() - state["beat"]
            if stalled < limit:
                told = 0.0
                continue
            if stalled < told + limit:
                continue
            told = stalled
            frame = sys._current_frames().get(int(state["thread"]))
            if frame is None:
                continue
            stack = "".join(traceback.format_stack(frame, limit=14))
            seen[stack] += 1
            longest[stack] = max(longest.get(stack, 0.0), stalled)

    def run(self: asyncio.Runner, coro: Any, *, context: Any = None) -> Any:
        loop = self.get_loop()  # asyncio's or uvloop's: the sampler only needs call_later
        if not state["thread"]:
            state["thread"] = threading.get_ident()
            loop.call_soon(beat, loop)
            threading.Thread(target=watch, name="stall-sampler", daemon=True).start()
        return original(self, coro, context=context)

    def dump() -> None:
        out: list[dict[str, Any]] = [
            {"count": n, "longest_ms": round(longest[s] * 1000, 1), "stack": s}
            for s, n in seen.most_common()
        ]
        path = os.path.join(str(_DIR), f"{os.getpid()}.json")
        with open(path, "w") as file:
            json.dump({"argv": sys.orig_argv, "threshold_ms": _MS, "stalls": out}, file)

    asyncio.Runner.run = run  # type: ignore[method-assign]
    atexit.register(dump)


if _DIR and "serve" in sys.orig_argv:
    _install()
