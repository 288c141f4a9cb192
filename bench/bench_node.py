"""Posting to one real node: notices/s and post latency over WebSocket and REST, on each store.

For each store (SQLite in WAL mode with synchronous=FULL; Redis with appendonly yes and
appendfsync always, a redis-server of its own) the benchmark makes a node directory with the
``hotline`` CLI, starts ``hotline serve`` as a child process and, from this process (the load
generator, which competes with the node for the machine's cores), measures:

- ``ws_throughput``: N stream connections each keeping K posts in flight (pipelined, replies
  matched by id), as fast as the node answers: notices/s and the latency of each post;
- ``ws_latency``: posts sent at fixed times, R per second over C connections (open loop):
  latency from send to the ``posted`` reply (and from the scheduled time);
- ``rest_throughput``: W httpx clients (one keep-alive connection each) posting
  ``POST /v1/notices`` in a closed loop;
- ``rest_latency``: REST posts at fixed times, R per second (open loop), taken in turn by the
  W clients.

Every reply counted came after the durable write. Notices are ~1 KB planned operations (the
node fills id, time and author). Each phase runs ``--warmup`` seconds before ``--seconds`` of
measurement; the CPU each process used during the measurement is reported as cores busy.

Run: ``.venv/bin/python -m bench.bench_node [--stores sqlite,redis] [--seconds 10]``.
Prints a table and writes ``bench/results/node.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
from pathlib import Path
from typing import Any

import httpx

from .common import machine, write_result
from .harness import (
    BenchNode,
    conditions,
    describe,
    machine_text,
    make_node,
    phase_meter,
)
from .load import (
    Ledger,
    close_all,
    closed_loop,
    drain,
    encode,
    ms,
    now,
    open_clients,
    open_loop,
    operation_bodies,
    post_frame,
    rest_closed_loop,
    rest_open_loop,
    run,
    summary,
)

TARGETS = {"ws_throughput_per_s": 3000, "p99_ms_at_1000_per_s": 20}


def sequencer_batches(node: BenchNode) -> int | None:
    """Group-commit batches the node wrote so far (from /metrics)."""
    try:
        text = httpx.get(
            f"{node.url}/metrics",
            headers={"Authorization": f"Bearer {node.token}"},
            timeout=10,
            trust_env=False,
        ).text
    except httpx.HTTPError:
        return None
    found = re.search(r"^hotline_sequencer_batches (\S+)$", text, re.MULTILINE)
    return int(float(found.group(1))) if found else None


class Phase:
    """Measure one load pattern: the load runs ``warmup + seconds``; CPU, batches and replies
    are counted over the last ``seconds``."""

    def __init__(self, node: BenchNode, warmup: float, seconds: float) -> None:
        self.node = node
        self.warmup = warmup
        self.seconds = seconds
        self.ledger = Ledger()
        self.meter = phase_meter([node])

    async def measure(self, load: Any) -> tuple[float, float]:
        """Run the ``load`` coroutine; (start, end) of the measured window."""
        task = asyncio.ensure_future(load)
        await asyncio.sleep(self.warmup)
        batches0 = await asyncio.to_thread(sequencer_batches, self.node)
        posts0 = len(self.ledger.completed(0, now()))
        self.meter.start()
        start = now()
        await asyncio.sleep(self.seconds)
        end = now()
        self.meter.stop()
        posts1 = len(self.ledger.completed(0, end))
        batches1 = await asyncio.to_thread(sequencer_batches, self.node)
        await task
        await drain(self.ledger)
        self.window = (start, end)
        self.batch_mean: float | None = None
        if batches0 is not None and batches1 is not None and batches1 > batches0:
            self.batch_mean = round((posts1 - posts0) / (batches1 - batches0), 1)
        return start, end

    def result(self, start: float, end: float, **extra: Any) -> dict[str, Any]:
        """Replies that came in the window: their rate and their latency from send."""
        done = self.ledger.completed(start, end)
        rate = len(done) / (end - start)
        return {
            "notices_per_s": round(rate, 1),
            "latency_ms": summary(ms(p.done - p.sent for p in done)),
            **extra,
            "errors": dict(self.ledger.errors),
            "mean_batch": self.batch_mean,
            "cpu_cores": self.meter.result,
            "machine_cores": self.meter.machine,
            "redis_aof_rewrites": self.meter.rewrites,
            "cpu_us_per_notice": {
                name: round(cores * 1e6 / rate) for name, cores in self.meter.result.items()
            }
            if rate
            else {},
        }


async def ws_throughput(node: BenchNode, args: argparse.Namespace) -> dict[str, Any]:
    phase = Phase(node, args.warmup, args.seconds)
    frames = [post_frame(b) for b in operation_bodies()]
    clients = await open_clients(node.ws_url, node.token, args.clients, phase.ledger)
    try:
        seconds = args.warmup + args.seconds
        start, end = await phase.measure(closed_loop(clients, frames, args.inflight, seconds))
    finally:
        await close_all(clients)
    return phase.result(start, end, clients=args.clients, inflight=args.inflight)


async def ws_latency(node: BenchNode, args: argparse.Namespace) -> dict[str, Any]:
    phase = Phase(node, args.warmup, args.seconds)
    frames = [post_frame(b) for b in operation_bodies()]
    clients = await open_clients(node.ws_url, node.token, args.rate_clients, phase.ledger)
    try:
        seconds = args.warmup + args.seconds
        start, end = await phase.measure(open_loop(clients, frames, args.rate, seconds))
    finally:
        await close_all(clients)
    return phase.result(
        start, end, offered_per_s=args.rate, clients=args.rate_clients, **open_loop_extra(phase)
    )


async def rest_throughput(node: BenchNode, args: argparse.Namespace) -> dict[str, Any]:
    phase = Phase(node, args.warmup, args.seconds)
    bodies = [encode(b).encode() for b in operation_bodies()]
    seconds = args.warmup + args.seconds
    start, end = await phase.measure(
        rest_closed_loop(node.url, node.token, phase.ledger, bodies, args.rest_workers, seconds)
    )
    return phase.result(start, end, workers=args.rest_workers)


async def rest_latency(node: BenchNode, args: argparse.Namespace) -> dict[str, Any]:
    phase = Phase(node, args.warmup, args.seconds)
    bodies = [encode(b).encode() for b in operation_bodies()]
    seconds = args.warmup + args.seconds
    load = rest_open_loop(
        node.url, node.token, phase.ledger, bodies, args.rest_rate, seconds, args.rest_workers
    )
    start, end = await phase.measure(load)
    return phase.result(start, end, offered_per_s=args.rest_rate, **open_loop_extra(phase))


def open_loop_extra(phase: Phase) -> dict[str, Any]:
    """For an open loop: latency from the scheduled time, and posts due in the window that
    got no reply (lost or refused)."""
    start, end = phase.window
    due = [p for p in phase.ledger.posts.values() if start <= p.due < end]
    answered = [p for p in due if p.done and p.error is None]
    return {
        "from_schedule_ms": summary(ms(p.done - p.due for p in answered)),
        "unanswered": len(due) - len(answered),
    }


PHASES = {
    "ws_throughput": ws_throughput,
    "ws_latency": ws_latency,
    "rest_throughput": rest_throughput,
    "rest_latency": rest_latency,
}


async def bench_store(node: BenchNode, args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in args.phases:
        out[name] = await PHASES[name](node, args)
        print(f"  {node_label(args, name)}: {line(out[name])}", flush=True)
    out["feed_size"] = node.get("/healthz")["sizes"]["alpha"]
    return out


def node_label(args: argparse.Namespace, name: str) -> str:
    if name == "ws_throughput":
        return f"{name} ({args.clients} conns x {args.inflight} in flight)"
    if name == "ws_latency":
        return f"{name} ({args.rate:g}/s over {args.rate_clients} conns)"
    if name == "rest_throughput":
        return f"{name} ({args.rest_workers} concurrent)"
    return f"{name} ({args.rest_rate:g}/s)"


def line(r: dict[str, Any]) -> str:
    lat = r["latency_ms"]
    cpu = " ".join(f"{k} {v:.2f}" for k, v in r["cpu_cores"].items())
    per = r["cpu_us_per_notice"].get("node_alpha")
    cpu += f" (node {per} us/notice)" if per else ""
    cpu += machine_text(r, " ")
    text = (
        f"{r['notices_per_s']:8,.0f}/s  p50 {lat.get('median', 0):6.1f} ms  "
        f"p99 {lat.get('p99', 0):6.1f} ms  batch {r['mean_batch'] or '-'}  cores: {cpu}"
    )
    if "from_schedule_ms" in r:  # open loop: a queue behind the schedule shows here
        text += f"  (p99 from schedule {r['from_schedule_ms'].get('p99', 0):.1f} ms)"
    if r["errors"]:
        text += f"  ERRORS {r['errors']}"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stores", default="sqlite,redis", help="comma-separated: sqlite,redis")
    parser.add_argument("--phases", default=",".join(PHASES), help="comma-separated phases")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds first")
    parser.add_argument("--clients", type=int, default=8, help="WebSocket connections")
    parser.add_argument("--inflight", type=int, default=32, help="posts in flight per connection")
    parser.add_argument("--rate", type=float, default=1000.0, help="open-loop WebSocket posts/s")
    parser.add_argument("--rate-clients", type=int, default=4, help="connections for --rate")
    parser.add_argument("--rest-workers", type=int, default=32, help="concurrent REST posts")
    parser.add_argument("--rest-rate", type=float, default=500.0, help="open-loop REST posts/s")
    args = parser.parse_args()
    args.phases = [p for p in args.phases.split(",") if p]
    unknown = set(args.phases) - set(PHASES)
    if unknown:
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")

    m = machine()
    print(f"node benchmark — {m['cores']} cores, Python {m['python']}; node, store and load")
    print("generator share the machine (cores: CPU used during the measurement, 1.0 = one core)")
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="hotline-bench-") as tmp:
        for store in args.stores.split(","):
            root = Path(tmp) / store
            before = conditions(root)
            print(f"{store}: {describe(before)}", flush=True)
            node = make_node(root, "alpha", store)
            try:
                node.start()
                print(f"  node pid {node.pid} (to profile: py-spy record -p PID)", flush=True)
                results[store] = run(bench_store(node, args))
            finally:
                node.stop()
            results[store]["conditions"] = {"before": before, "after": conditions(root)}
    settings = {k: v for k, v in vars(args).items() if k != "phases"} | {"phases": args.phases}
    path = write_result("node", {"settings": settings, "targets": TARGETS, "stores": results})
    print_table(results)
    print(
        f"targets: >= {TARGETS['ws_throughput_per_s']:,}/s over WebSocket; p99 <= "
        f"{TARGETS['p99_ms_at_1000_per_s']} ms at 1,000/s (reported, not asserted)"
    )
    print(f"written to {path.relative_to(path.parent.parent.parent)}")


def print_table(results: dict[str, Any]) -> None:
    """One line per store and phase; ``sched``: p99 from the scheduled send (open loops)."""
    print()
    head = f"{'store':8} {'phase':16} {'notices/s':>10} {'p50 ms':>8} {'p99 ms':>8}"
    print(f"{head} {'sched':>7}  cores")
    for store, phases in results.items():
        for name, r in phases.items():
            if name not in PHASES:
                continue
            lat = r["latency_ms"]
            cpu = " ".join(f"{k}={v:.2f}" for k, v in r["cpu_cores"].items())
            sched = r.get("from_schedule_ms", {}).get("p99")
            print(
                f"{store:8} {name:16} {r['notices_per_s']:10,.0f} {lat.get('median', 0):8.1f} "
                f"{lat.get('p99', 0):8.1f} {'-' if sched is None else f'{sched:.1f}':>7}  {cpu}"
            )


if __name__ == "__main__":
    main()
