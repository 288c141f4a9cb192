"""Two peered nodes on this machine: notices/s end to end, the latency of each leg, and FLASH
latency under a ROUTINE flood.

The benchmark makes two node directories with the ``hotline`` CLI (alpha and bravo, each with
its own store: SQLite, or a redis-server of its own), pins each other's card with ``hotline
pair`` (alpha dials bravo) and starts both as ``hotline serve`` child processes. From this
process (the load generator) it posts ~1 KB planned operations to alpha over WebSocket
connections and watches both nodes' streams, so every notice is timestamped at each leg:

- leg 1, ``post -> posted at A``: alpha's ``posted`` reply (after alpha's durable write);
- leg 2, ``posted -> stored at B``: bravo's ``appended`` event for alpha's entry (bravo has
  verified the entries and the checkpoint and written them durably);
- leg 3, ``stored at B -> delivered at A``: alpha's ``delivered`` event covering the entry
  (bravo's cosignature is back at alpha, verified and stored);
- ``end to end``: from the post to the ``delivered`` event.

Phases (each runs ``--warmup`` seconds before ``--seconds`` of measurement):

- ``capacity``: N connections post as fast as alpha answers, while at most ``--window``
  notices are posted and not yet delivered (so the backlog stays bounded: the rate is
  sustained, not a burst into a growing queue). The figure is the rate at which alpha's
  delivered size grows.
- ``flood``: ROUTINE notices at half the sustained rate (open loop), and FLASH notices
  (aircraft in distress) at ``--flash-rate``: FLASH latency from the post to being visible at
  bravo (its ``flash`` event, or ``appended`` if that came first).
- ``flash_alone``: the same FLASH notices without the flood, for comparison.

The FLASH notices come from a process of their own (``bench.flash_probe``): one connection
posting them at alpha, and one at bravo subscribed to alpha's FLASH notices only, as an alarm
panel would be. In the field the source of a FLASH is not the system flooding the node, and the
load generator's event loop, busy with the flood's replies and events, would add its own turns
to every FLASH sample. The same FLASH notices are also timed at this process's bulk watcher at
bravo (every event of alpha's feed), and reported beside.

Times are taken when a client process receives the frames (``time.perf_counter``, one clock for
every process on Linux), so each leg includes the stream that reports it. Targets (reported,
never asserted): >= 5,000 notices/s end to end with SQLite; FLASH p99 <= 10 ms under the flood.

Run: ``.venv/bin/python -m bench.bench_peering [--stores sqlite,redis] [--seconds 10]``.
Prints a table and writes ``bench/results/peering.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .common import machine, write_result
from .harness import (
    BenchNode,
    CpuMeter,
    collector_figures,
    conditions,
    describe,
    machine_text,
    make_node,
    pair,
    pauses_between,
    phase_meter,
    wait_linked,
)
from .load import (
    Ledger,
    Post,
    StreamClient,
    close_all,
    closed_loop,
    drain,
    ms,
    now,
    open_clients,
    open_loop,
    operation_bodies,
    post_frame,
    run,
    summary,
)

TARGETS = {"end_to_end_per_s_sqlite": 5000, "flash_p99_ms_under_flood": 10}
STREAM_QUEUE = 1_000_000  # events queued per subscriber: the benchmark's watchers must not drop
PHASES = ("capacity", "flood", "flash_alone")
LEGS = ("post_to_posted_a", "posted_to_stored_b", "stored_b_to_delivered_a", "end_to_end")


@dataclass
class Watch:
    """What the two streams said, with arrival times: bravo's entries of alpha's feed (by
    index), FLASH entries shown early at bravo, and alpha's delivered sizes."""

    stored_b: dict[int, float] = field(default_factory=dict)
    flash_b: dict[int, float] = field(default_factory=dict)
    delivered_sizes: list[int] = field(default_factory=lambda: [0])
    delivered_times: list[float] = field(default_factory=lambda: [0.0])
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    subscribed: int = 0

    def on_alpha(self, msg: dict[str, Any], at: float) -> None:
        if msg.get("type") == "subscribed":
            self.subscribed += 1
            return
        event = msg.get("event")
        if event and event["type"] == "delivered" and event["side"] == "alpha":
            if event["size"] > self.delivered_sizes[-1]:
                self.delivered_sizes.append(event["size"])
                self.delivered_times.append(at)
                self.wake.set()

    def on_bravo(self, msg: dict[str, Any], at: float) -> None:
        if msg.get("type") == "subscribed":
            self.subscribed += 1
            return
        event = msg.get("event")
        if not event or event.get("side") != "alpha":
            return
        if event["type"] == "appended":
            self.stored_b.setdefault(event["index"], at)
        elif event["type"] == "flash":
            self.flash_b.setdefault(event["index"], at)

    @property
    def delivered(self) -> int:
        return self.delivered_sizes[-1]

    def delivered_at(self, index: int) -> float | None:
        """When alpha first heard that entry ``index`` is delivered."""
        pos = bisect.bisect_right(self.delivered_sizes, index)
        return self.delivered_times[pos] if pos < len(self.delivered_times) else None

    def delivered_by(self, t: float) -> int:
        """Alpha's delivered size as known at time ``t``."""
        pos = bisect.bisect_right(self.delivered_times, t)
        return self.delivered_sizes[pos - 1]


def legs(posts: list[Post], watch: Watch) -> dict[str, dict[str, float]]:
    samples: dict[str, list[float]] = {leg: [] for leg in LEGS}
    for p in posts:
        samples["post_to_posted_a"].append(p.done - p.sent)
        stored = watch.stored_b.get(p.index)
        delivered = watch.delivered_at(p.index)
        if stored is not None:
            samples["posted_to_stored_b"].append(stored - p.done)
            if delivered is not None:
                samples["stored_b_to_delivered_a"].append(delivered - stored)
        if delivered is not None:
            samples["end_to_end"].append(delivered - p.sent)
    return {leg: summary(ms(values)) for leg, values in samples.items()}


class Bench:
    def __init__(self, alpha: BenchNode, bravo: BenchNode, args: argparse.Namespace) -> None:
        self.alpha = alpha
        self.bravo = bravo
        self.args = args
        self.watch = Watch()
        self.watchers: list[StreamClient] = []
        self.frames = [post_frame(b) for b in operation_bodies()]

    async def open(self) -> None:
        watch = self.watch
        a = StreamClient(self.alpha.ws_url, self.alpha.token, handle=watch.on_alpha)
        b = StreamClient(self.bravo.ws_url, self.bravo.token, handle=watch.on_bravo)
        self.watchers = [await a.open(), await b.open()]
        await a.subscribe({"side": "alpha", "kind": "-"})  # no appended events: deliveries
        await b.subscribe({"side": "alpha"})
        while watch.subscribed < 2:
            await asyncio.sleep(0.01)

    async def close(self) -> None:
        await close_all(self.watchers)

    def watcher_trouble(self) -> list[str]:
        return [f"watcher closed: {w.closed}" for w in self.watchers if w.closed]

    async def settle(self, ledger: Ledger, timeout: float = 120.0) -> None:
        """Wait for every reply, then until alpha's delivered size covers every entry."""
        await drain(ledger)
        target = max((p.index + 1 for p in ledger.posts.values() if p.index >= 0), default=0)
        deadline = now() + timeout
        while self.watch.delivered < target and now() < deadline:
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)  # the last stream events

    def meter(self) -> CpuMeter:
        return phase_meter([self.alpha, self.bravo])

    async def capacity(self) -> dict[str, Any]:
        args, watch = self.args, self.watch
        ledger = Ledger()
        base = watch.delivered
        window: int = args.window

        def room() -> bool:
            return len(ledger.posts) - (watch.delivered - base) < window

        clients = await open_clients(self.alpha.ws_url, self.alpha.token, args.clients, ledger)
        meter = self.meter()
        try:
            load = closed_loop(
                clients,
                self.frames,
                args.inflight,
                args.warmup + args.seconds,
                gate=room,
                gate_wake=watch.wake,
            )
            task = asyncio.ensure_future(load)
            await asyncio.sleep(args.warmup)
            meter.start()
            start = now()
            await asyncio.sleep(args.seconds)
            end = now()
            meter.stop()
            await task
            await self.settle(ledger)
        finally:
            await close_all(clients)
        done = ledger.completed(start, end)
        e2e = (watch.delivered_by(end) - watch.delivered_by(start)) / (end - start)
        posted = [p for p in ledger.posts.values() if start <= p.sent < end and p.done]
        return {
            "end_to_end_per_s": round(e2e, 1),
            "posted_per_s": round(len(done) / (end - start), 1),
            "clients": args.clients,
            "inflight": args.inflight,
            "window": args.window,
            "legs_ms": legs([p for p in posted if p.error is None], watch),
            "errors": dict(ledger.errors),
            "cpu_cores": meter.result,
            "machine_cores": meter.machine,
            "redis_aof_rewrites": meter.rewrites,
        }

    async def collector(self) -> dict[str, Any]:
        """Both nodes' collector pauses so far, read in a thread (the load goes on)."""
        sides = (self.alpha, self.bravo)
        found = await asyncio.gather(*(asyncio.to_thread(collector_figures, n) for n in sides))
        return {n.side: f["pauses"] for n, f in zip(sides, found, strict=True)}

    async def start_probe(self) -> FlashProbe:
        probe = FlashProbe(self.alpha, self.bravo, self.args.flash_rate)
        await probe.start(self.args.warmup + self.args.seconds)
        return probe

    async def flash(self, flood_rate: float) -> dict[str, Any]:
        """FLASH notices at ``--flash-rate`` from the probe process, with a ROUTINE flood at
        ``flood_rate`` (0: none) from this one."""
        args = self.args
        ledger = Ledger()
        flood = await open_clients(self.alpha.ws_url, self.alpha.token, args.flood_clients, ledger)
        probe = await self.start_probe()
        seconds = args.warmup + args.seconds
        meter = phase_meter([self.alpha, self.bravo], probe=probe.pid)
        try:
            probe.go()
            task = None
            if flood_rate > 0:
                task = asyncio.ensure_future(
                    open_loop(flood, self.frames, flood_rate, seconds, "routine")
                )
            await asyncio.sleep(args.warmup)
            gc_before = await self.collector()  # in a thread: the flood goes on
            meter.start()
            start = now()
            await asyncio.sleep(args.seconds)
            end = now()
            meter.stop()
            gc_after = await self.collector()
            if task is not None:
                await task
            flashes = await probe.result()
            await self.settle(ledger)
        finally:
            await close_all(flood)
            await probe.stop()
        flashes = [p for p in flashes if start <= p["due"] < end]
        ok = [p for p in flashes if p["done"] and p["error"] is None]
        routine = [p for p in ledger.posts.values() if start <= p.due < end]
        routine = [p for p in routine if p.done and p.error is None]
        alarm = [p["seen_b"] - p["sent"] for p in ok if p["seen_b"] is not None]
        bulk: list[float] = []
        for p in ok:
            seen = [
                t
                for t in (self.watch.flash_b.get(p["index"]), self.watch.stored_b.get(p["index"]))
                if t is not None
            ]
            if seen:
                bulk.append(min(seen) - p["sent"])
        errors = dict(ledger.errors)
        for p in flashes:
            if p["error"] is not None:
                errors[p["error"]] = errors.get(p["error"], 0) + 1
        out: dict[str, Any] = {
            "flash_per_s": args.flash_rate,
            "flash_post_to_visible_b_ms": summary(ms(alarm)),
            "flash_post_to_bulk_watcher_b_ms": summary(ms(bulk)),
            "flash_post_to_posted_a_ms": summary(ms(p["done"] - p["sent"] for p in ok)),
            "flash_shown_early": sum(1 for p in ok if p["index"] in self.watch.flash_b),
            "flash_not_seen_at_b": len(ok) - len(alarm),
            # the nodes' collector pauses while measured, by generation (the longest: since
            # the node started)
            "collector": {
                side: pauses_between(gc_before[side], gc_after[side]) for side in gc_after
            },
            "errors": errors,
            "cpu_cores": meter.result,
            "machine_cores": meter.machine,
            "redis_aof_rewrites": meter.rewrites,
        }
        if flood_rate > 0:
            delivered = self.watch.delivered_by(end) - self.watch.delivered_by(start)
            out = {
                "flood_per_s": round(flood_rate, 1),
                "flood_clients": args.flood_clients,
                "end_to_end_per_s": round(delivered / (end - start), 1),
                "routine_legs_ms": legs(routine, self.watch),
                **out,
            }
        return out


class FlashProbe:
    """The ``bench.flash_probe`` child: FLASH source at alpha, FLASH-only alarm at bravo."""

    def __init__(self, alpha: BenchNode, bravo: BenchNode, rate: float) -> None:
        self.cfg = {
            "alpha_url": alpha.ws_url,
            "alpha_token": alpha.token,
            "bravo_url": bravo.ws_url,
            "bravo_token": bravo.token,
            "rate": rate,
        }
        self.process: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    async def start(self, seconds: float) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.flash_probe",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=Path(__file__).parent.parent,
            limit=2**26,
        )
        self._write(json.dumps({**self.cfg, "seconds": seconds}))
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), 60)
        if line.strip() != b"ready":
            raise RuntimeError(f"FLASH probe did not start: {line!r}")

    def _write(self, line: str) -> None:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")

    def go(self) -> None:
        self._write("go")

    async def result(self) -> list[dict[str, Any]]:
        assert self.process is not None and self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), 120)
        posts: list[dict[str, Any]] = json.loads(line)["posts"]
        return posts

    async def stop(self) -> None:
        if self.process is None:
            return
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()


async def bench_pair(
    alpha: BenchNode, bravo: BenchNode, args: argparse.Namespace
) -> dict[str, Any]:
    bench = Bench(alpha, bravo, args)
    await bench.open()
    out: dict[str, Any] = {}
    try:
        if "capacity" in args.phases:
            out["capacity"] = await bench.capacity()
            print_capacity(out["capacity"])
        if "flood" in args.phases:
            flood_rate = args.flood_rate or out["capacity"]["end_to_end_per_s"] / 2
            out["flood"] = await bench.flash(flood_rate)
            print_flash("flood", out["flood"])
        if "flash_alone" in args.phases:
            out["flash_alone"] = await bench.flash(0)
            print_flash("flash_alone", out["flash_alone"])
    finally:
        trouble = bench.watcher_trouble()
        await bench.close()
    if trouble:
        out["watcher_trouble"] = trouble
        print(f"  WATCHER TROUBLE (figures incomplete): {trouble}")
    return out


def print_legs(legs_ms: dict[str, dict[str, float]], indent: str = "    ") -> None:
    print(f"{indent}{'leg':26} {'p50 ms':>8} {'p99 ms':>8} {'n':>7}")
    for leg, s in legs_ms.items():
        print(
            f"{indent}{leg:26} {s.get('median', 0):8.1f} {s.get('p99', 0):8.1f} {s.get('n', 0):7}"
        )


def cores(result: dict[str, Any]) -> str:
    return " ".join(f"{k}={v:.2f}" for k, v in result["cpu_cores"].items()) + machine_text(result)


def print_capacity(r: dict[str, Any]) -> None:
    print(
        f"  capacity ({r['clients']} conns x {r['inflight']} in flight, window {r['window']}): "
        f"{r['end_to_end_per_s']:,.0f}/s end to end (posted {r['posted_per_s']:,.0f}/s)"
    )
    print_legs(r["legs_ms"])
    print(f"    cores: {cores(r)}" + (f"  ERRORS {r['errors']}" if r["errors"] else ""))


def print_flash(name: str, r: dict[str, Any]) -> None:
    vis, posted = r["flash_post_to_visible_b_ms"], r["flash_post_to_posted_a_ms"]
    if "flood_per_s" in r:
        print(
            f"  {name}: ROUTINE {r['flood_per_s']:,.0f}/s offered "
            f"({r['end_to_end_per_s']:,.0f}/s delivered) + FLASH {r['flash_per_s']:g}/s"
        )
        print_legs(r["routine_legs_ms"])
    else:
        print(f"  {name}: FLASH {r['flash_per_s']:g}/s, no flood")
    bulk = r["flash_post_to_bulk_watcher_b_ms"]
    print(
        f"    FLASH post -> visible at B: p50 {vis.get('median', 0):.1f} ms, "
        f"p99 {vis.get('p99', 0):.1f} ms (n {vis.get('n', 0)}, {r['flash_shown_early']} early); "
        f"post -> posted at A p50 {posted.get('median', 0):.1f} ms, "
        f"p99 {posted.get('p99', 0):.1f} ms"
    )
    print(
        f"    (the same FLASH notices at the load generator's bulk watcher at B: "
        f"p50 {bulk.get('median', 0):.1f} ms, p99 {bulk.get('p99', 0):.1f} ms)"
    )
    for side, gens in r["collector"].items():
        runs = ", ".join(
            f"gen{g} {f['count']} ({f['total_ms']:.0f} ms, {f['over_10ms']} over 10 ms)"
            for g, f in sorted(gens.items())
        )
        print(f"    collector at {side} while measured: {runs}")
    print(f"    cores: {cores(r)}" + (f"  ERRORS {r['errors']}" if r["errors"] else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stores", default="sqlite,redis", help="comma-separated: sqlite,redis")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds first")
    parser.add_argument("--clients", type=int, default=8, help="posting connections (capacity)")
    parser.add_argument("--inflight", type=int, default=64, help="posts in flight per connection")
    parser.add_argument(
        "--window", type=int, default=8192, help="notices posted and not yet delivered, at most"
    )
    parser.add_argument(
        "--flood-rate", type=float, default=0.0, help="ROUTINE flood/s (default: half capacity)"
    )
    parser.add_argument("--flood-clients", type=int, default=4, help="flood connections")
    parser.add_argument("--flash-rate", type=float, default=20.0, help="FLASH notices/s")
    parser.add_argument("--phases", default=",".join(PHASES), help="comma-separated phases")
    args = parser.parse_args()
    args.phases = [p for p in args.phases.split(",") if p]
    if set(args.phases) - set(PHASES):
        parser.error(f"unknown phases; known: {', '.join(PHASES)}")
    if "flood" in args.phases and "capacity" not in args.phases and not args.flood_rate:
        parser.error("the flood runs at half the capacity: measure it too, or give --flood-rate")

    m = machine()
    print(f"peering benchmark — {m['cores']} cores, Python {m['python']}; both nodes, their stores")
    print("and the load generator share the machine (cores: CPU used while measuring, 1.0 = one)")
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="hotline-bench-") as tmp:
        for store in args.stores.split(","):
            root = Path(tmp) / store
            before = conditions(root)
            print(f"{store}: {describe(before)}", flush=True)
            alpha = make_node(root, "alpha", store, stream_queue=STREAM_QUEUE)
            bravo = make_node(root, "bravo", store, stream_queue=STREAM_QUEUE)
            pair(alpha, bravo)
            try:
                bravo.start()
                alpha.start()
                wait_linked(alpha)
                print(f"  node pids: alpha {alpha.pid}, bravo {bravo.pid}", flush=True)
                results[store] = run(bench_pair(alpha, bravo, args))
            finally:
                alpha.stop()
                bravo.stop()
            results[store]["conditions"] = {"before": before, "after": conditions(root)}
    path = write_result("peering", {"settings": vars(args), "targets": TARGETS, "stores": results})
    print()
    print_table(results)
    print(
        f"targets: >= {TARGETS['end_to_end_per_s_sqlite']:,}/s end to end with SQLite; FLASH "
        f"p99 <= {TARGETS['flash_p99_ms_under_flood']} ms under the flood (reported, not asserted)"
    )
    print(f"written to {path.relative_to(path.parent.parent.parent)}")


def print_table(results: dict[str, Any]) -> None:
    print(
        f"{'store':8} {'end to end/s':>12} {'e2e p50 ms':>10} {'e2e p99 ms':>10} "
        f"{'flood/s':>8} {'FLASH p99 ms':>12} {'alone p99':>10}"
    )
    for store, r in results.items():
        cap, flood, alone = r.get("capacity", {}), r.get("flood", {}), r.get("flash_alone", {})
        e2e = cap.get("legs_ms", {}).get("end_to_end", {})
        flash = flood.get("flash_post_to_visible_b_ms", {})
        print(
            f"{store:8} {cap.get('end_to_end_per_s', 0):12,.0f} {e2e.get('median', 0):10.1f} "
            f"{e2e.get('p99', 0):10.1f} {flood.get('flood_per_s', 0):8,.0f} "
            f"{flash.get('p99', 0):12.1f} "
            f"{alone.get('flash_post_to_visible_b_ms', {}).get('p99', 0):10.1f}"
        )


if __name__ == "__main__":
    main()
