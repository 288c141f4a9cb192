"""Real processes for the node benchmarks: node directories made with the ``hotline`` CLI,
``hotline serve`` children, ``redis-server`` children, and CPU accounting for each process.

Everything listens on 127.0.0.1 on free ports; the directories live under one temporary root.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import redis
from prometheus_client.parser import text_string_to_metric_families

from hotline.provision.runner import NodeRunner, free_port
from hotline.settings import read_config, write_config

from .common import percentiles

ORIGINS = {"alpha": "alpha.hotline.example", "bravo": "bravo.hotline.example"}
NATIONS = {"alpha": "XAA", "bravo": "XBB"}
UNIT = "JOC"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
REDIS_CONF = Path(__file__).parents[1] / "deploy" / "redis" / "redis.conf"


def cli(*args: str | Path, env: dict[str, str] | None = None) -> str:
    """Run ``hotline ARGS`` as a child process; its stdout (RuntimeError when it fails)."""
    cmd = [sys.executable, "-m", "hotline", *(str(a) for a in args)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"hotline {' '.join(cmd[3:])} failed:\n{done.stderr}")
    return done.stdout


def process_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) used so far by process ``pid``; None off Linux."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_cpu() -> dict[str, float] | None:
    """CPU seconds the whole machine has spent so far: ``busy`` (user, system and interrupts,
    every process) and ``stolen`` (a virtual machine's CPUs kept waiting by the host); None off
    Linux."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields)
    except (OSError, ValueError):
        return None
    return {
        "busy": (user + nice + system + irq + softirq) / CLOCK_TICKS,
        "stolen": steal / CLOCK_TICKS,
    }


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class RedisProcess:
    """A ``redis-server`` as production runs it: the shipped ``deploy/redis/redis.conf``
    (append-only file, fsync on every write, no automatic rewrites), on a port and in a
    directory of its own."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisProcess:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not on PATH (apt-get install redis-server)")
        self.directory.mkdir(parents=True, exist_ok=True)
        args = [binary, str(REDIS_CONF), "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--dir", str(self.directory), "--logfile", str(self.directory / "redis.log")]
        self.process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited at start; see {self.directory}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(64).startswith(b"+PONG"):
                        return self
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError("redis-server did not answer PING in 10 s")

    def aof_rewrites(self) -> int | None:
        """How many times this server has rewritten its append-only file since it started."""
        if self.process is None or self.process.poll() is not None:
            return None
        with redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5) as client:
            info: dict[str, Any] = client.info("persistence")
        return int(info["aof_rewrites"])

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class BenchNode:
    """One node directory, its ``hotline serve`` child and the token of an automation user."""

    side: str
    directory: Path
    port: int
    token: str
    env: dict[str, str]
    runner: NodeRunner | None = None
    redis: RedisProcess | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v1/stream"

    @property
    def pid(self) -> int | None:
        runner = self.runner
        return None if runner is None or runner.process is None else runner.process.pid

    def start(self) -> BenchNode:
        self.runner = NodeRunner(
            self.directory, self.port, log_path=self.directory / "serve.log", env=self.env
        )
        self.runner.start()
        return self

    def stop(self) -> None:
        if self.runner is not None:
            self.runner.stop()
            self.runner = None
        if self.redis is not None:
            self.redis.stop()

    def get(self, path: str) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        response = httpx.get(f"{self.url}{path}", headers=headers, timeout=10)
        response.raise_for_status()
        return response.json()


def make_node(root: Path, side: str, store: str, *, stream_queue: int | None = None) -> BenchNode:
    """``hotline init`` a node for ``side`` on a free port with ``store`` (``sqlite`` or
    ``redis``: a fresh redis-server of its own) and add the automation user ``bench``."""
    directory = root / side
    port = free_port()
    init: list[str | Path] = [
        "init",
        directory,
        "--side",
        side,
        "--origin",
        ORIGINS[side],
        "--port",
        str(port),
    ]
    cli(*init, "--unit", UNIT, "--nation", NATIONS[side])
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    redis: RedisProcess | None = None
    if store == "redis":
        redis = RedisProcess(root / f"redis-{side}").start()
        env["HOTLINE_STORE"] = redis.url
    elif store != "sqlite":
        raise ValueError(f"unknown store {store!r}: sqlite or redis")
    if stream_queue is not None:
        env["HOTLINE_LIMITS__STREAM_QUEUE"] = str(stream_queue)
    # the benchmarks measure capacity: no post rate limit (one user posts everything)
    for bucket in ("USER", "CONNECTION", "FLASH"):
        env[f"HOTLINE_LIMITS__{bucket}_POST_RATE"] = "0"
    # users live in the store: add the user through the store the node will use
    token = cli("users", "add", directory, "bench", "--role", "automation", env=env).strip()
    return BenchNode(side, directory, port, token, env, redis=redis)


def pair(dialer: BenchNode, listener: BenchNode) -> None:
    """Exchange cards with ``hotline pair``; only ``dialer`` dials."""
    cli("pair", dialer.directory, listener.directory / "card.txt")
    cli("pair", listener.directory, dialer.directory / "card.txt")
    config = read_config(listener.directory)
    config["peer"]["dial"] = False
    write_config(listener.directory, config)


def wait_linked(node: BenchNode, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if node.get("/v1/link").get("connected"):
            return
        time.sleep(0.1)
    raise RuntimeError(f"the peer link of {node.side} did not come up in {timeout:.0f} s")


@dataclass
class CpuMeter:
    """CPU seconds used by named processes (and this one) between :meth:`start` and
    :meth:`stop`, as cores busy on average over the wall time; ``machine``: the same for the
    whole machine (``busy`` by every process, ``stolen`` by the host of a virtual machine), so
    a saturated or shared machine shows beside the figures; ``rewrites``: the append-only file
    rewrites each Redis made meanwhile (they stall the node's writes)."""

    pids: dict[str, int | None]
    redis: dict[str, RedisProcess] = field(default_factory=dict)  # side -> its Redis
    _start: dict[str, float] = field(default_factory=dict)
    _machine: dict[str, float] | None = None
    _rewrites: dict[str, int | None] = field(default_factory=dict)
    _t0: float = 0.0
    result: dict[str, float] = field(default_factory=dict)
    machine: dict[str, float] = field(default_factory=dict)
    rewrites: dict[str, int] = field(default_factory=dict)  # AOF rewrites while measuring

    def _sample(self) -> dict[str, float]:
        out = {"loadgen": own_cpu()}
        for name, pid in self.pids.items():
            value = None if pid is None else process_cpu(pid)
            if value is not None:
                out[name] = value
        return out

    def start(self) -> None:
        self._t0 = time.perf_counter()
        self._start = self._sample()
        self._machine = machine_cpu()
        self._rewrites = {side: r.aof_rewrites() for side, r in self.redis.items()}

    def stop(self) -> dict[str, float]:
        wall = time.perf_counter() - self._t0
        end = self._sample()
        self.result = {
            name: round((end[name] - self._start[name]) / wall, 3)
            for name in end
            if name in self._start
        }
        end_machine = machine_cpu()
        if self._machine is not None and end_machine is not None:
            self.machine = {
                key: round((end_machine[key] - self._machine[key]) / wall, 3) for key in end_machine
            }
        for side, r in self.redis.items():
            before, after = self._rewrites.get(side), r.aof_rewrites()
            if before is not None and after is not None:
                self.rewrites[side] = after - before
        return self.result


def machine_text(result: dict[str, Any], sep: str = "=") -> str:
    """``; machine busy=1.77 stolen=0.00`` for a phase's result (empty off Linux), then
    ``; AOF rewrites alpha=0 bravo=0`` on Redis: each rewrite writes the whole data set again,
    and the node's writes wait behind it."""
    text = ""
    machine = result.get("machine_cores")
    if machine:
        text = f"; machine busy{sep}{machine['busy']:.2f} stolen{sep}{machine['stolen']:.2f}"
    rewrites = result.get("redis_aof_rewrites")
    if rewrites:
        text += "; AOF rewrites " + " ".join(f"{k}{sep}{v}" for k, v in rewrites.items())
    return text


def phase_meter(nodes: Sequence[BenchNode], **more: int | None) -> CpuMeter:
    """A meter of the nodes, their Redis servers and ``more`` named processes."""
    pids: dict[str, int | None] = {}
    redis_of: dict[str, RedisProcess] = {}
    for node in nodes:
        pids[f"node_{node.side}"] = node.pid
        if node.redis is not None and node.redis.process is not None:
            pids[f"redis_{node.side}"] = node.redis.process.pid
            redis_of[node.side] = node.redis
    return CpuMeter({**pids, **more}, redis=redis_of)


# A child that answers every byte it reads: the wake-up probe's other end.
_ECHO = "import os\nwhile b := os.read(0, 1):\n    os.write(1, b)\n"


def wakeup(samples: int = 300, gap: float = 0.002) -> dict[str, float]:
    """Round trips (ms) of one byte to a child process asleep on a pipe, ``gap`` seconds apart
    (so both ends sleep in between): the least a hop between two idle processes costs on this
    machine, where every FLASH hop (client -> alpha -> bravo -> client) is one."""
    child = subprocess.Popen(
        [sys.executable, "-c", _ECHO], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0
    )
    assert child.stdin is not None and child.stdout is not None
    out, into = child.stdin.fileno(), child.stdout.fileno()
    times = []
    try:
        for _ in range(samples):
            time.sleep(gap)
            t = time.perf_counter()
            os.write(out, b"x")
            os.read(into, 1)
            times.append((time.perf_counter() - t) * 1000)
    finally:
        child.stdin.close()
        child.wait(timeout=10)
    return _median_p99(times)


def _median_p99(samples_ms: list[float]) -> dict[str, float]:
    summary = percentiles(samples_ms)
    return {"median": round(summary["median"], 3), "p99": round(summary["p99"], 3)}


def conditions(directory: Path, writes: int = 200) -> dict[str, Any]:
    """How busy the machine is: the load average, the latency of a 4 KB write + fsync in
    ``directory`` (what every durable commit waits for), and of a wake-up round trip to an
    idle process (see :func:`wakeup`)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "fsync-probe"
    samples = []
    with path.open("wb") as fh:
        for _ in range(writes):
            t = time.perf_counter()
            fh.write(b"\0" * 4096)
            fh.flush()
            os.fsync(fh.fileno())
            samples.append((time.perf_counter() - t) * 1000)
    path.unlink()
    return {
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "fsync_ms": _median_p99(samples),
        "wakeup_ms": wakeup(),
    }


def describe(cond: dict[str, Any]) -> str:
    fsync, wake = cond["fsync_ms"], cond["wakeup_ms"]
    return (
        f"load average {cond['loadavg_1m']:.2f}, 4 KB write + fsync median "
        f"{fsync['median']:.2f} ms, p99 {fsync['p99']:.2f} ms; wake-up round trip median "
        f"{wake['median']:.2f} ms, p99 {wake['p99']:.2f} ms"
    )


def collector_figures(node: BenchNode) -> dict[str, Any]:
    """The node's collector figures from ``/metrics`` since it started: pauses by generation
    (count, total, longest, and how many took 10 ms at most), objects frozen, collections."""
    text = httpx.get(
        f"{node.url}/metrics", headers={"Authorization": f"Bearer {node.token}"}, timeout=10
    ).text
    out: dict[str, Any] = {"pauses": {}, "collections": {}}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            gen = sample.labels.get("generation")
            if sample.name == "hotline_gc_pause_seconds_count":
                out["pauses"].setdefault(gen, {})["count"] = int(sample.value)
            elif sample.name == "hotline_gc_pause_seconds_sum":
                out["pauses"].setdefault(gen, {})["total_ms"] = round(sample.value * 1000, 2)
            elif sample.name == "hotline_gc_pause_seconds_bucket" and sample.labels["le"] == "0.01":
                out["pauses"].setdefault(gen, {})["within_10ms"] = int(sample.value)
            elif sample.name == "hotline_gc_pause_longest_seconds":
                out["pauses"].setdefault(gen, {})["longest_ms"] = round(sample.value * 1000, 2)
            elif sample.name == "hotline_gc_collections_total":
                out["collections"][gen] = int(sample.value)
            elif sample.name == "hotline_gc_frozen_objects":
                out["frozen"] = int(sample.value)
    return out


def pauses_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The collector's pauses between two :func:`collector_figures` readings, by generation:
    how many, their total and how many took longer than 10 ms."""
    out: dict[str, Any] = {}
    for gen, figures in after.items():
        was = before.get(gen, {})
        count = figures.get("count", 0) - was.get("count", 0)
        within = figures.get("within_10ms", 0) - was.get("within_10ms", 0)
        total = figures.get("total_ms", 0.0) - was.get("total_ms", 0.0)
        out[gen] = {"count": count, "total_ms": round(total, 2), "over_10ms": count - within}
    return out
