"""A soak of the peered pair: steady load at half capacity with idle connections churning, and
each node's memory and open files over time.

Two SQLite nodes (alpha dials bravo) are made and paired as in ``bench_peering``. Unless
``--rate`` is given, alpha's capacity is measured first (``--probe`` seconds of closed-loop
posting, as ``bench_peering``'s capacity phase) and half of it is the soak's rate. Then for
``--duration`` seconds:

- notices are posted to alpha at ``--rate`` a second (open loop, over ``--clients``
  connections), and bravo receives them over the peer link: ROUTINE planned operations, each
  awaiting an answer that never comes and active until its window ends (the default), or with
  ``--notices liaisons`` liaison messages of the same size, which need neither (what grows then
  is the history alone);
- ``--idle`` authenticated stream connections (half to each node) stay open doing nothing, and
  every ``--churn-every`` seconds ``--churn`` of them, picked at random, are closed and opened
  anew;
- every ``--interval`` seconds each node's resident memory (VmRSS) and open files (entries of
  ``/proc/PID/fd``) are printed with the notices posted and the errors since the last line.

The result (``bench/results/soak.json``, ``soak-liaisons.json`` with ``--notices liaisons``) has
every sample and, per node, the growth of RSS
and open files from the first sample after ``--warmup`` seconds to the last (target: under
10%).

Run: ``.venv/bin/python -m bench.bench_soak`` (one hour), or a smoke run such as
``.venv/bin/python -m bench.bench_soak --duration 60 --interval 10 --idle 200``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from .common import write_result
from .harness import BenchNode, conditions, describe, make_node, pair, wait_linked
from .load import (
    Ledger,
    StreamClient,
    close_all,
    closed_loop,
    liaison_bodies,
    open_clients,
    open_loop,
    operation_bodies,
    post_frame,
)


def node_stats(node: BenchNode) -> dict[str, Any]:
    pid = node.pid
    if pid is None:
        return {"rss_mb": None, "open_files": None}
    rss = None
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = round(int(line.split()[1]) / 1024, 1)
    return {"rss_mb": rss, "open_files": len(list(Path(f"/proc/{pid}/fd").iterdir()))}


class Idle:
    """Idle stream connections to both nodes, some closed and opened anew now and then."""

    def __init__(self, nodes: list[BenchNode], count: int) -> None:
        self.nodes = nodes
        self.count = count
        self.clients: list[StreamClient] = []
        self.opened = 0
        self.failed = 0

    async def _open(self, i: int) -> StreamClient | None:
        node = self.nodes[i % len(self.nodes)]
        try:
            client = await StreamClient(node.ws_url, node.token).open()
        except Exception:
            self.failed += 1
            return None
        self.opened += 1
        return client

    async def fill(self) -> None:
        while len(self.clients) < self.count:
            batch = min(100, self.count - len(self.clients))
            opened = await asyncio.gather(
                *(self._open(len(self.clients) + k) for k in range(batch))
            )
            self.clients += [c for c in opened if c is not None]
            if not any(opened):
                break

    async def churn(self, n: int) -> None:
        random.shuffle(self.clients)
        gone, self.clients = self.clients[:n], self.clients[n:]
        await close_all(gone)
        await self.fill()

    async def close(self) -> None:
        await close_all(self.clients)
        self.clients = []


async def capacity(alpha: BenchNode, frames: list[str], seconds: float) -> float:
    """Notices a second alpha takes in a closed loop (8 connections, 64 posts in flight)."""
    ledger = Ledger()
    clients = await open_clients(alpha.ws_url, alpha.token, 8, ledger)
    try:
        start, end = await closed_loop(clients, frames, 64, seconds)
        await asyncio.sleep(1)
    finally:
        await close_all(clients)
    return len(ledger.completed(start, end + 1)) / seconds


async def soak(alpha: BenchNode, bravo: BenchNode, args: argparse.Namespace) -> dict[str, Any]:
    bodies = operation_bodies() if args.notices == "operations" else liaison_bodies()
    frames = [post_frame(b) for b in bodies]
    rate = args.rate or round(await capacity(alpha, frames, args.probe) / 2, 1)
    print(f"posting {rate}/s to alpha for {args.duration:.0f} s; {args.idle} idle connections")
    idle = Idle([alpha, bravo], args.idle)
    await idle.fill()
    ledger = Ledger()
    posters = await open_clients(alpha.ws_url, alpha.token, args.clients, ledger)
    load = asyncio.ensure_future(open_loop(posters, frames, rate, args.duration))
    samples: list[dict[str, Any]] = []
    t0 = time.monotonic()
    next_sample = t0
    churned = errors_before = 0

    async def churn() -> None:  # beside the sampling, which keeps its times
        nonlocal churned
        while not load.done():
            await asyncio.sleep(args.churn_every)
            await idle.churn(args.churn)
            churned += args.churn

    churning = asyncio.ensure_future(churn())
    try:
        while not load.done():
            now = time.monotonic()
            if now >= next_sample:
                done = [p for p in ledger.posts.values() if p.done]
                errors = sum(ledger.errors.values())
                sample = {
                    "t_s": round(now - t0, 1),
                    "posted": sum(1 for p in done if p.error is None),
                    "errors": errors - errors_before,
                    "idle_open": len(idle.clients),
                    "churned": churned,
                    "alpha": node_stats(alpha),
                    "bravo": node_stats(bravo),
                }
                samples.append(sample)
                print(_line(sample))
                # answered posts leave the ledger: the load generator's memory stays flat too
                ledger.posts = {mid: p for mid, p in ledger.posts.items() if not p.done}
                errors_before = errors
                churned = 0
                next_sample += args.interval
            await asyncio.sleep(0.2)
        await load
        await churning
    finally:
        churning.cancel()
        await close_all(posters)
        await idle.close()
    return {
        "notices": args.notices,
        "rate_per_s": rate,
        "duration_s": args.duration,
        "idle": args.idle,
        "churn": {"every_s": args.churn_every, "connections": args.churn},
        "idle_opened": idle.opened,
        "idle_failed": idle.failed,
        "samples": samples,
        "growth_pct": _growth(samples, args.warmup),
    }


def _line(s: dict[str, Any]) -> str:
    a, b = s["alpha"], s["bravo"]
    return (
        f"{s['t_s']:7.0f} s  alpha RSS {a['rss_mb']} MB, {a['open_files']} files; bravo RSS "
        f"{b['rss_mb']} MB, {b['open_files']} files; posted {s['posted']}, errors {s['errors']}, "
        f"idle {s['idle_open']}, churned {s['churned']}"
    )


def _growth(samples: list[dict[str, Any]], warmup: float) -> dict[str, dict[str, float | None]]:
    """Per node: RSS and open files, last sample against the first after the warm-up, in %."""
    after = [s for s in samples if s["t_s"] >= warmup] or samples
    out: dict[str, dict[str, float | None]] = {}
    for side in ("alpha", "bravo"):
        first, last = after[0][side], after[-1][side]
        out[side] = {
            key: round((last[key] - first[key]) / first[key] * 100, 1) if first[key] else None
            for key in ("rss_mb", "open_files")
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=3600.0, help="seconds (one hour)")
    parser.add_argument("--interval", type=float, default=30.0, help="seconds between samples")
    parser.add_argument("--warmup", type=float, default=120.0, help="seconds before growth")
    parser.add_argument("--rate", type=float, default=0.0, help="posts/s (0: half capacity)")
    parser.add_argument("--probe", type=float, default=10.0, help="seconds measuring capacity")
    parser.add_argument("--clients", type=int, default=4, help="posting connections")
    parser.add_argument("--idle", type=int, default=2000, help="idle connections, both nodes")
    parser.add_argument("--churn", type=int, default=200, help="idle connections replaced ...")
    parser.add_argument("--churn-every", type=float, default=5.0, help="... every this many s")
    parser.add_argument(
        "--notices",
        choices=("operations", "liaisons"),
        default="operations",
        help="what is posted: planned operations (each awaits an answer and stays active "
        "until its window ends) or liaisons (no answer, no geometry)",
    )
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # the nodes inherit it
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, args.idle * 2 + 1024)), hard))
    with tempfile.TemporaryDirectory(prefix="hotline-soak-") as tmp:
        root = Path(tmp)
        cond = conditions(root / "probe")
        print(describe(cond))
        alpha, bravo = make_node(root, "alpha", "sqlite"), make_node(root, "bravo", "sqlite")
        pair(alpha, bravo)
        for node in (alpha, bravo):  # one user holds every connection of the soak
            held = args.idle + args.clients + args.churn + 64
            node.env["HOTLINE_LIMITS__USER_CONNECTIONS"] = str(held)
        try:
            bravo.start()
            alpha.start()
            wait_linked(alpha)
            result = asyncio.run(soak(alpha, bravo, args))
        finally:
            alpha.stop()
            bravo.stop()
    result["conditions"] = cond
    print(f"growth after {args.warmup:.0f} s (%): {result['growth_pct']}")
    name = "soak" if args.notices == "operations" else "soak-liaisons"
    print(f"wrote {write_result(name, result)}")


if __name__ == "__main__":
    main()
