"""Memory returned: a real node's RSS and collector pauses over rounds of WebSocket connections
opened and closed.

``hotline serve`` runs one SQLite node (made with the ``hotline`` CLI, as the other benchmarks
do); this process opens ``--per-round`` stream connections a round, ``--concurrency`` at a time:
two in three authenticate with the bearer header and ping, one in three closes before
authenticating. After each round, and ``--settle`` seconds of quiet (longer than the node's
interval for handing freed memory back, ``hotline.gc_tuning.TRIM_SECONDS``), it reads the node's
RSS (``/proc/PID/status``) and its
collector figures (``/metrics``: ``hotline_gc_pause_seconds`` by generation, objects frozen,
collections). Target (issue: a node no client can wear down): RSS after 10 rounds of 2,000
within 10 % of RSS before them.

Run: ``.venv/bin/python -m bench.bench_connections [--rounds 10] [--per-round 2000]``.
Prints a line a round and writes ``bench/results/connections.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from hotline.gc_tuning import TRIM_SECONDS

from .common import write_result
from .harness import BenchNode, collector_figures, make_node

TARGET_GROWTH = 0.10


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


async def one_connection(url: str, token: str, authenticate: bool) -> bool:
    """One connection opened and closed; False if it failed (counted, not fatal)."""
    try:
        if not authenticate:
            async with connect(url, open_timeout=60):
                return True
        headers = {"Authorization": f"Bearer {token}"}
        async with connect(url, additional_headers=headers, open_timeout=60) as ws:
            await ws.send(json.dumps({"type": "ping", "id": 1}))
            await ws.recv()
        return True
    except (OSError, TimeoutError, ConnectionClosed):
        return False


async def one_round(node: BenchNode, count: int, concurrency: int) -> tuple[float, int]:
    """Open and close ``count`` connections, ``concurrency`` at a time; seconds taken and
    connections that failed."""
    started = time.perf_counter()
    room = asyncio.Semaphore(concurrency)

    async def one(i: int) -> bool:
        async with room:
            return await one_connection(node.ws_url, node.token, i % 3 != 2)

    done = await asyncio.gather(*(one(i) for i in range(count)))
    return time.perf_counter() - started, done.count(False)


async def measure(
    node: BenchNode, rounds: int, per_round: int, concurrency: int, settle: float
) -> dict[str, Any]:
    pid = node.pid
    assert pid is not None
    await asyncio.sleep(settle)
    before = rss_mb(pid)
    print(f"RSS before: {before:.1f} MB", flush=True)
    per: list[dict[str, Any]] = []
    for r in range(rounds):
        seconds, failed = await one_round(node, per_round, concurrency)
        peak = rss_mb(pid)
        await asyncio.sleep(settle)  # closing handshakes end, freed memory is handed back
        rss = rss_mb(pid)
        gc_figures = collector_figures(node)
        per.append(
            {
                "round": r + 1,
                "seconds": round(seconds, 2),
                "failed": failed,
                "rss_mb": round(rss, 1),
            }
        )
        longest = {g: p.get("longest_ms") for g, p in gc_figures["pauses"].items()}
        print(
            f"round {r + 1}: {seconds:.1f} s ({failed} failed), RSS {peak:.1f} MB at its end, "
            f"{rss:.1f} MB settled, "
            f"longest pauses ms {longest}",
            flush=True,
        )
    after = per[-1]["rss_mb"] if per else before
    growth = (after - before) / before
    return {
        "rounds": rounds,
        "per_round": per_round,
        "concurrency": concurrency,
        "settle_s": settle,
        "rss_before_mb": round(before, 1),
        "rss_after_mb": after,
        "growth": round(growth, 3),
        "target_growth": TARGET_GROWTH,
        "within_target": growth <= TARGET_GROWTH,
        "per_round_figures": per,
        "collector": collector_figures(node),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--settle", type=float, default=TRIM_SECONDS + 2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hotline-bench-") as tmp:
        node = make_node(Path(tmp), "alpha", "sqlite").start()
        try:
            print(f"node pid {node.pid}")
            result = asyncio.run(
                measure(node, args.rounds, args.per_round, args.concurrency, args.settle)
            )
        finally:
            node.stop()
    path = write_result("connections", result)
    print(
        f"RSS {result['rss_before_mb']} -> {result['rss_after_mb']} MB "
        f"({result['growth']:+.1%}, target within {TARGET_GROWTH:.0%}); wrote {path}"
    )


if __name__ == "__main__":
    main()
