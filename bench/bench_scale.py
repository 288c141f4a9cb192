"""A peered pair with long histories: restart, memory, listings, export and verification.

Two SQLite nodes (alpha dials bravo) are made with the ``hotline`` CLI and paired; while they
are stopped, :mod:`bench.scale_feeds` writes ``--entries`` correctly signed entries per side
into their stores, with checkpoints, cosignatures and acks (as the nodes would have written
them). Generated pairs are kept under ``--cache`` (keyed by the size and the generator's
version) and reused. Then, with each node a child process:

- ``restart_s``: from starting ``hotline serve`` to ``/healthz`` answering 200, each node;
- ``rss_idle_mb``: each node's resident memory once both are up, linked and idle;
- ``listing``: ``GET /v1/notices?limit=50`` from ``--clients`` keep-alive connections for
  ``--seconds`` (closed loop, :mod:`bench.rawhttp`), p50/p99/max in ms and the node's CPU a
  listing, while another process polls ``/healthz`` every 50 ms (``healthz_max_ms``: the
  longest it was held);
- ``old_reads``: ``GET /v1/notices/{side}/{index}`` of 400 random entries of the history, one
  at a time (each read from the store): p50, p99 and the states shown;
- ``export``: alpha's ``GET /v1/audit/export`` streamed to a file: seconds, size, the
  refused-input records it holds (none: the linked nodes refused nothing of each other), and
  ``/healthz`` polled every 50 ms meanwhile (its median and longest);
- ``node_report``: alpha's ``GET /v1/audit/report`` of itself, read to the end, while another
  process polls ``/healthz`` every 50 ms: seconds, size, ``/healthz`` p50 and longest, and
  alpha's RSS after;
- ``verify`` and ``report``: ``python -m hotline_protocol.audit verify|report`` of that file
  against both cards, each a child process: seconds, entries per second, peak RSS (the
  kernel's account of the child) and the exit code (0: PASS, which also proves the generated
  stores right).

With ``--unanswered`` the feeds hold planned operations that were never answered (every one
overdue when the nodes start) instead of acknowledged liaisons: what a node restarted after a
peer that stopped answering holds. With ``--batch 1`` every entry has its own checkpoint and
cosignature, as on a quiet line where notices come one at a time (the default, 512, is a
sequencer's full batch under load): a delivery per entry.

Run: ``.venv/bin/python -m bench.bench_scale [--entries 1000000] [--unanswered] [--batch N]``
(default: a smoke run of 5,000 per side). Prints a summary and writes
``bench/results/scale-<entries>[-unanswered][-batchN].json``. The machine is described in the
result; on a shared machine the figures are indicative.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
from multiprocessing.connection import Connection as PipeEnd
from pathlib import Path
from typing import Any

import httpx
import ijson

from hotline.provision.runner import free_port
from hotline.settings import read_config, write_config

from .common import cached, percentiles, write_result
from .harness import BenchNode, cli, conditions, describe, make_node, pair, process_cpu
from .rawhttp import Connection
from .scale_feeds import BATCH, GENERATOR_VERSION, run_generate

CACHE = Path(tempfile.gettempdir()) / "hotline-bench-scale"
START_TIMEOUT = 1800.0  # a long history may take a while to load today


def prepared(cache: Path, entries: int, unanswered: bool = False, batch: int = BATCH) -> Path:
    """A directory with ``alpha/`` and ``bravo/`` holding ``entries`` per side, and
    ``tokens.json``: made once, then reused."""

    def make(directory: Path) -> float:
        alpha = make_node(directory, "alpha", "sqlite")
        bravo = make_node(directory, "bravo", "sqlite")
        pair(alpha, bravo)
        tokens = {"bench": alpha.token}
        auditor = cli("users", "add", alpha.directory, "auditor", "--role", "auditor").strip()
        tokens["auditor"] = auditor
        (directory / "tokens.json").write_text(json.dumps(tokens))
        print(f"generating {entries:,} entries per side in {directory}")
        return run_generate(alpha.directory, bravo.directory, entries, unanswered, batch)

    return cached(cache / f"v{GENERATOR_VERSION}-{entries}{_kind(unanswered, batch)}", "pair", make)


def _kind(unanswered: bool, batch: int) -> str:
    return ("-unanswered" if unanswered else "") + (f"-batch{batch}" if batch != BATCH else "")


def placed(directory: Path) -> tuple[BenchNode, BenchNode, dict[str, str]]:
    """The pair on fresh ports (the peer URL and the cards follow)."""
    tokens = json.loads((directory / "tokens.json").read_text())
    ports = {side: free_port() for side in ("alpha", "bravo")}
    for side, other in (("alpha", "bravo"), ("bravo", "alpha")):
        config = read_config(directory / side)
        config["url"] = f"http://127.0.0.1:{ports[side]}"
        config["server"]["port"] = ports[side]
        config["peer"]["url"] = f"http://127.0.0.1:{ports[other]}"
        write_config(directory / side, config)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    nodes = [
        BenchNode(side, directory / side, ports[side], tokens["bench"], env)
        for side in ("alpha", "bravo")
    ]
    return nodes[0], nodes[1], tokens


def rss_mb(pid: int | None) -> float | None:
    if pid is None:
        return None
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def start_timed(node: BenchNode) -> float:
    from hotline.provision.runner import NodeRunner

    node.runner = NodeRunner(
        node.directory, node.port, log_path=node.directory / "serve.log", env=node.env
    )
    t0 = time.perf_counter()
    node.runner.start(timeout=START_TIMEOUT)
    return round(time.perf_counter() - t0, 3)


def wait_linked(node: BenchNode, timeout: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if node.get("/v1/link").get("connected"):
            return True
        time.sleep(0.2)
    return False


def poll_health(
    port: int, seconds: float, gap: float, out: PipeEnd, until: Any | None = None
) -> None:
    """In its own process (so that the listers' loop does not delay it): ``/healthz`` every
    ``gap`` seconds for ``seconds`` (or until the event ``until`` is set); the times in ms sent
    back on ``out``."""

    async def poll() -> list[float]:
        conn = Connection("127.0.0.1", port)
        samples: list[float] = []
        stop = time.perf_counter() + seconds
        while time.perf_counter() < stop and not (until is not None and until.is_set()):
            t = time.perf_counter()
            await conn.get("/healthz")
            samples.append((time.perf_counter() - t) * 1000)
            await asyncio.sleep(gap)
        await conn.close()
        return samples

    out.send(asyncio.run(poll()))
    out.close()


async def old_reads(node: BenchNode, entries: int, count: int = 400) -> dict[str, Any]:
    """``GET /v1/notices/{side}/{index}`` of ``count`` random entries of the history, one at a
    time on one connection (each read from the store: not in the node's cache), and the state
    each shows (all of them delivered)."""
    conn = Connection("127.0.0.1", node.port, {"Authorization": f"Bearer {node.token}"})
    rng = random.Random(7)
    samples: list[float] = []
    states: dict[str, int] = {}
    for _ in range(count):
        side, index = rng.choice(("alpha", "bravo")), rng.randrange(entries)
        t = time.perf_counter()
        answer = await conn.get(f"/v1/notices/{side}/{index}")
        samples.append((time.perf_counter() - t) * 1000)
        status = json.loads(answer.body)["state"]["status"] if answer.status == 200 else "error"
        states[status] = states.get(status, 0) + 1
    await conn.close()
    summary = percentiles(samples)
    return {
        "reads": count,
        "p50_ms": round(summary.get("median", 0), 2),
        "p99_ms": round(summary.get("p99", 0), 2),
        "states": states,
    }


async def listing(node: BenchNode, clients: int, seconds: float) -> dict[str, Any]:
    """Closed-loop listings from ``clients`` keep-alive connections (the lean client of
    :mod:`bench.rawhttp`); ``/healthz`` polled every 50 ms meanwhile from another process; the
    node's CPU a listing from its own account."""
    headers = {"Authorization": f"Bearer {node.token}"}
    conns = [Connection("127.0.0.1", node.port, headers) for _ in range(clients)]
    samples: list[float] = []
    errors = 0
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    poller = context.Process(target=poll_health, args=(node.port, seconds, 0.05, send))
    poller.start()
    await asyncio.sleep(0.5)  # the poller's interpreter started before the load
    assert node.pid is not None
    cpu0 = process_cpu(node.pid)
    stop = time.perf_counter() + seconds - 0.5

    async def lister(conn: Connection) -> None:
        nonlocal errors
        while time.perf_counter() < stop:
            t = time.perf_counter()
            answer = await conn.get("/v1/notices?limit=50")
            if answer.status == 200:
                samples.append((time.perf_counter() - t) * 1000)
            else:
                errors += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(lister(c) for c in conns))
    elapsed = time.perf_counter() - t0
    cpu1 = process_cpu(node.pid)
    for conn in conns:
        await conn.close()
    health: list[float] = await asyncio.to_thread(receive.recv)
    poller.join()
    summary = percentiles(samples)
    node_cpu = None if cpu0 is None or cpu1 is None else cpu1 - cpu0
    return {
        "clients": clients,
        "seconds": round(elapsed, 2),
        "requests": len(samples),
        "errors": errors,
        "per_s": round(len(samples) / elapsed, 1),
        "p50_ms": round(summary.get("median", 0), 2),
        "p99_ms": round(summary.get("p99", 0), 2),
        "max_ms": round(summary.get("max", 0), 2),
        "node_cpu_ms_per_listing": None
        if node_cpu is None or not samples
        else round(node_cpu * 1000 / len(samples), 3),
        "healthz_p50_ms": round(percentiles(health).get("median", 0), 2),
        "healthz_max_ms": round(max(health, default=0), 2),
        "healthz_polls": len(health),
    }


def export(node: BenchNode, token: str, path: Path) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    with HealthPolled(node.port) as health:
        t0 = time.perf_counter()
        with (
            httpx.stream("GET", f"{node.url}/v1/audit/export", headers=headers, timeout=None) as r,
            path.open("wb") as out,
        ):
            r.raise_for_status()
            for chunk in r.iter_bytes():
                out.write(chunk)
        seconds = round(time.perf_counter() - t0, 2)
    with path.open("rb") as file:  # refused input would mean the stores were not what nodes write
        evidence = sum(1 for _ in ijson.items(file, "evidence.item"))
    size = round(path.stat().st_size / 2**20, 1)
    return {"seconds": seconds, "mb": size, "evidence": evidence, **health.figures()}


class HealthPolled:
    """``/healthz`` polled every 50 ms from another process while the ``with`` block runs;
    then :meth:`figures`: its median and longest, and the polls made."""

    def __init__(self, port: int) -> None:
        self._receiver, sender = multiprocessing.Pipe(duplex=False)
        self._done = multiprocessing.Event()
        self._poller = multiprocessing.Process(
            target=poll_health, args=(port, float("inf"), 0.05, sender, self._done)
        )
        self.samples: list[float] = []

    def __enter__(self) -> HealthPolled:
        self._poller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self.samples = self._receiver.recv()
        self._poller.join()

    def figures(self) -> dict[str, Any]:
        health = self.samples
        return {
            "healthz_p50_ms": round(percentiles(health).get("median", 0), 2),
            "healthz_max_ms": round(max(health, default=0), 2),
            "healthz_polls": len(health),
        }


def node_report(node: BenchNode, token: str, entries: int) -> dict[str, Any]:
    """The node's ``GET /v1/audit/report`` of itself, read to the end, while another process
    polls ``/healthz`` every 50 ms: seconds, size, and how long ``/healthz`` was held."""
    headers = {"Authorization": f"Bearer {token}"}
    size = 0
    with HealthPolled(node.port) as health:
        t0 = time.perf_counter()
        with httpx.stream("GET", f"{node.url}/v1/audit/report", headers=headers, timeout=None) as r:
            r.raise_for_status()
            for chunk in r.iter_bytes():
                size += len(chunk)
        seconds = time.perf_counter() - t0
    return {
        "seconds": round(seconds, 2),
        "entries_per_s": round(2 * entries / seconds),
        "mb": round(size / 2**20, 1),
        **health.figures(),
        "rss_after_mb": rss_mb(node.pid),
    }


def audit(command: str, export_file: Path, cards: list[Path], entries: int) -> dict[str, Any]:
    """``python -m hotline_protocol.audit COMMAND`` as a child: time, peak RSS, exit code."""
    args = [sys.executable, "-m", "hotline_protocol.audit", command, str(export_file)]
    for card in cards:
        args += ["--card", str(card)]
    t0 = time.perf_counter()
    with open(os.devnull, "wb") as null, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(args, stdout=null, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - t0
        err.seek(0)
        stderr = err.read().decode(errors="replace")[-2000:]
    out: dict[str, Any] = {
        "seconds": round(seconds, 2),
        "entries_per_s": round(2 * entries / seconds),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "exit": child.returncode,
    }
    if stderr.strip():
        out["stderr"] = stderr
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    directory = prepared(args.cache, args.entries, args.unanswered, args.batch)
    generated = json.loads((directory / "done").read_text())
    alpha, bravo, tokens = placed(directory)
    result: dict[str, Any] = {
        "entries_per_side": args.entries,
        "unanswered": args.unanswered,
        "batch": args.batch,
        **generated,
    }
    result["conditions"] = conditions(directory / "probe")
    print(describe(result["conditions"]))
    try:
        result["restart_s"] = {"bravo": start_timed(bravo), "alpha": start_timed(alpha)}
        print(f"restart to /healthz: {result['restart_s']}")
        result["linked"] = wait_linked(alpha)
        time.sleep(args.settle)
        result["healthz"] = alpha.get("/healthz")
        result["rss_idle_mb"] = {n.side: rss_mb(n.pid) for n in (alpha, bravo)}
        print(f"linked: {result['linked']}; RSS idle: {result['rss_idle_mb']} MB")
        result["listing"] = asyncio.run(listing(alpha, args.clients, args.seconds))
        print(f"GET /v1/notices: {result['listing']}")
        result["old_reads"] = asyncio.run(old_reads(alpha, args.entries))
        print(f"GET /v1/notices/{{side}}/{{index}} of the history: {result['old_reads']}")
        export_file = directory / "alpha-export.json"
        result["export"] = export(alpha, tokens["auditor"], export_file)
        print(f"export: {result['export']}")
        result["rss_after_mb"] = {n.side: rss_mb(n.pid) for n in (alpha, bravo)}
        if not args.no_audit:
            result["node_report"] = node_report(alpha, tokens["auditor"], args.entries)
            print(f"GET /v1/audit/report: {result['node_report']}")
    finally:
        alpha.stop()
        bravo.stop()
    cards = [directory / side / "card.txt" for side in ("alpha", "bravo")]
    for command in () if args.no_audit else ("verify", "report"):
        result[command] = audit(command, export_file, cards, args.entries)
        print(f"{command}: {result[command]}")
    if not args.keep_export:
        export_file.unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=5000, help="per side (default 5,000)")
    parser.add_argument("--clients", type=int, default=30, help="concurrent listing clients")
    parser.add_argument("--seconds", type=float, default=10.0, help="of listing load")
    parser.add_argument("--settle", type=float, default=3.0, help="idle seconds before RSS")
    parser.add_argument("--cache", type=Path, default=CACHE, help="generated pairs kept here")
    parser.add_argument("--keep-export", action="store_true", help="keep the export file")
    parser.add_argument(
        "--unanswered", action="store_true", help="operations never answered, not acked liaisons"
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=BATCH,
        help=f"entries per checkpoint and cosignature (default {BATCH}; 1: a quiet line)",
    )
    parser.add_argument(
        "--no-audit",
        action="store_true",
        help="skip verify and report of the export, and the node's report",
    )
    args = parser.parse_args()
    result = run(args)
    path = write_result(f"scale-{args.entries}{_kind(args.unanswered, args.batch)}", result)
    print(f"wrote {path}")
    sizes = result["healthz"]["sizes"]
    verified = args.no_audit or result["verify"]["exit"] == 0
    if not verified or result["export"]["evidence"] or not result["linked"]:
        sys.exit("the export did not verify, or the nodes refused input or did not link")
    if set(sizes.values()) != {args.entries}:
        sys.exit(f"the nodes hold {sizes}, not {args.entries} entries a side")


if __name__ == "__main__":
    main()
